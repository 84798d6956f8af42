"""Custom actions of the Côté Soin guichet (rasa-sdk). One module per topic.

The action server (`python -m rasa_sdk --actions actions`) imports this package once, after
setting its logging up: the only place to keep e-mails and phone numbers out of its logs.
"""
from knowledge import log_masking

log_masking.install()
