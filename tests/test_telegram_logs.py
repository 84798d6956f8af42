"""The bot token never reaches a log, even when the log masking has already changed the record."""
import logging

from bot.telegram import logs
from knowledge import log_masking

TOKEN = "555000111:AAE-unit-test-token"


def test_the_token_key_is_hidden_after_the_masking_changed_the_digits_of_the_bot_id(caplog):
    factory = logging.getLogRecordFactory()
    log_masking.mask_every_record()  # as in a Rasa process: masked when the record is made
    try:
        logs.hide([TOKEN])
        with caplog.at_level(logging.INFO, logger="httpx"):
            logging.getLogger("httpx").info('HTTP Request: POST http://127.0.0.1:8081/bot%s/sendMessage "200 OK"',
                                            TOKEN)
    finally:
        logging.setLogRecordFactory(factory)
    [record] = [r for r in caplog.records if r.name == "httpx"]
    assert "AAE-unit-test-token" not in record.getMessage() and logs.MASK in record.getMessage()
