"""The channel's logger, and a filter that keeps the bot token and the webhook secret out of logs.

The token is part of every Bot API URL, so httpx's request lines (INFO) and python-telegram-bot's
debug lines would show it; the secret is a parameter of setWebhook. A logging filter only sees
records created by the logger it is attached to (not by its children), hence the explicit list.
"""
import logging
from typing import Iterable, Set

logger = logging.getLogger("bot.telegram")

LOGGERS = (
    "bot.telegram",
    "httpx",
    "telegram.Bot",
    "telegram.ext.ExtBot",
    "telegram.ext.AIORateLimiter",
    "telegram.request.BaseRequest",
    "telegram.request.HTTPXRequest",
)
MASK = "«masqué»"


class HideSecrets(logging.Filter):
    """Replaces every known secret in a record's message by MASK."""

    def __init__(self) -> None:
        super().__init__("hide-telegram-secrets")
        self.secrets: Set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error handling
            return True
        hidden = message
        for secret in self.secrets:
            hidden = hidden.replace(secret, MASK)
        if record.exc_info and any(secret in logging.Formatter().formatException(record.exc_info)
                                   for secret in self.secrets):
            record.exc_info, record.exc_text = None, None
            hidden += " (détail de l'exception masqué : il contenait un secret)"
        if hidden != message:
            record.msg, record.args = hidden, None
        return True


_filter = HideSecrets()


def hide(secrets: Iterable[str]) -> None:
    """From now on, never log these values (the token, the secret) through the Telegram loggers.

    A bot token is « <bot id>:<key> »: its key is hidden on its own too, since the log masking of
    the Rasa process (knowledge/log_masking.py) may already have replaced the digits of the id
    when the record was made, so that the whole token is no longer there to be found."""
    for secret in secrets:
        if secret:
            _filter.secrets.add(secret)
            if ":" in secret:
                _filter.secrets.add(secret.split(":", 1)[1])
    for name in LOGGERS:
        target = logging.getLogger(name)
        if _filter not in target.filters:
            target.addFilter(_filter)
