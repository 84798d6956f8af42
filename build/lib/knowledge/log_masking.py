"""Keep e-mails, telephone numbers, addresses and names people type out of the logs of every process.

`install()` adds a filter to the root logger's handlers, which every module's records pass
through: the message is formatted, cut at MAX_LOG_CHARS (a 100 KB message must not cost a 100 KB
log line), its JSON escapes (`L\\u00e9a`) turned back into letters so the patterns see the words,
then masked (knowledge/masking.py, linear time). Idempotent.
"""
import logging
import re

from knowledge.masking import mask

MAX_LOG_CHARS = 8_000
# \uXXXX outside the surrogate range (an emoji's two halves stay escaped: harmless to the patterns).
_JSON_ESCAPE = re.compile(r"\\u(?![dD][89a-fA-F])([0-9a-fA-F]{4})")


def unescaped(message: str) -> str:
    if "\\u" not in message:
        return message
    return _JSON_ESCAPE.sub(lambda match: chr(int(match[1], 16)), message)


def masked_message(message: str) -> str:
    if len(message) > MAX_LOG_CHARS:
        return f"{mask(unescaped(message[:MAX_LOG_CHARS]))} […] ({len(message)} caractères)"
    return mask(unescaped(message))


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem, not ours
            return True
        masked = masked_message(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def install() -> None:
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())


def mask_every_record() -> None:
    """Mask every record this process logs, whichever handlers are set up later: for a process
    whose logging is configured by someone else after it starts (Rasa's command line). Made through
    logging's record factory, so a record is masked once, when it is made. Idempotent."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks", False):
        return

    def make_record(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        MASKING_FILTER.filter(record)
        return record

    make_record.masks = True
    logging.setLogRecordFactory(make_record)


MASKING_FILTER = MaskingFilter()
