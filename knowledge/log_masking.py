"""Keep e-mails and telephone numbers people type out of the logs of every process.

`install()` adds a filter to the root logger's handlers, which every module's records pass
through: the message is formatted, then masked (knowledge/masking.py). Idempotent.
"""
import logging

from knowledge.masking import mask


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem, not ours
            return True
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def install() -> None:
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
