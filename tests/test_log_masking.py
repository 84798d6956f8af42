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


def _logged(message: str) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(log_masking.MaskingFilter())
    logger = logging.getLogger("test.log_masking")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("%s", message)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    return stream.getvalue()


def test_a_name_in_a_json_escaped_body_is_masked_like_the_plain_text():
    written = _logged('{"sender": "abc", "message": "je m\'appelle L\\u00e9a Martin, 12 rue des Lilas"}')
    assert "Martin" not in written and "L\\u00e9a" not in written and "Lilas" not in written
    assert "[nom masqué]" in written and "[adresse masquée]" in written


def test_a_server_address_stays_readable_in_the_logs_and_a_phone_beside_it_does_not():
    written = _logged("Action server http://127.0.0.1:5055/webhook: rappel demandé au 02.40.00.00.00")
    assert "http://127.0.0.1:5055/webhook" in written
    assert "02.40.00.00.00" not in written and "[téléphone masqué]" in written


def test_a_huge_log_line_is_cut_before_masking():
    written = _logged("x" * 200_000 + " lea@example.fr")
    assert len(written) < log_masking.MAX_LOG_CHARS + 100
    assert "lea@example.fr" not in written and "(200015 caractères)" in written
