"""What every Rasa process of ours sets up before Rasa's own entry point runs: `prepare()`.

Called by bot/rasa_run.py (the Rasa server `cotesoin run` starts) and bot/rasa_cli.py (`rasa test
core` for the story tests): log masking (knowledge/log_masking.py, every record, since Rasa sets its
handlers up later) and the speed-ups of bot/rasa_speedups.py. Rasa has not set its logging up yet,
so their lines (the status line, a refused patch) go to the process's error output, the log file
`cotesoin run` gives it.
"""
import logging
import sys

from bot import rasa_speedups
from knowledge import log_masking


def prepare() -> None:
    log_masking.mask_every_record()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s %(name)s  - %(message)s"))
    speedups_logger = logging.getLogger(rasa_speedups.__name__)
    speedups_logger.addHandler(handler)
    speedups_logger.setLevel(logging.INFO)
    try:
        rasa_speedups.apply()
    finally:
        speedups_logger.removeHandler(handler)
        speedups_logger.setLevel(logging.NOTSET)
