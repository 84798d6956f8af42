"""E-mails and telephone numbers never reach the logs."""
import io
import logging

from knowledge import log_masking


def test_installed_filter_masks_what_any_logger_writes():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        log_masking.install()
        log_masking.install()  # idempotent
        assert sum(isinstance(f, log_masking.MaskingFilter) for f in handler.filters) == 1
        logging.getLogger("bot.telegram").warning("message de %s : rappelez-moi au %s", "lea@example.fr",
                                                  "06 12 34 56 78")
    finally:
        root.removeHandler(handler)
    written = stream.getvalue()
    assert "lea@example.fr" not in written and "06 12 34 56 78" not in written
    assert "[e-mail masqué]" in written and "[téléphone masqué]" in written and "rappelez-moi" in written
