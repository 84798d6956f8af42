"""Sending the alerts of new openings: e-mail confirmation links and daily digests (send.py), by
e-mail or in the Telegram chat; `cotesoin alerts list|send` (cli.py)."""
