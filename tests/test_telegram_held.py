"""A Telegram conversation held by a coordinator (bot/held.py through bot/telegram/updates.py): the
person's messages are for the coordinator (not understood by the assistant), « stop » ends the
hand-over with a reply. The channel runs as in tests/test_telegram_channel.py, against the fake Bot
API, with a throw-away database and the console tests' fake Rasa HTTP API."""
from knowledge import db
from knowledge.coordination import accounts, handoff
from knowledge.models import Base
from tests import test_telegram_channel
from tests.console_helpers import PASSWORD
from tests.data.telegram.fake_bot_api import text_update
from tests.test_telegram_channel import CHAT

# Fixtures of the Telegram channel tests, used here too.
api, settings, telegram = test_telegram_channel.api, test_telegram_channel.settings, test_telegram_channel.telegram
SENDER = f"telegram-{CHAT}"


def held_request(database_url) -> int:
    Base.metadata.create_all(db.get_engine())
    coordinator = accounts.add_coordinator("camille.martin@cotesoin.fr", PASSWORD, "Camille Martin")
    request_id, _ = handoff.record_request(SENDER, "telegram", "childcare", {})
    handoff.claim(request_id, coordinator.id)
    return request_id


async def test_while_held_a_telegram_message_goes_to_the_coordinator(database_url, telegram):
    held_request(database_url)
    await telegram.post(text_update(CHAT, "Je travaille de nuit à Pornic"))
    [message] = telegram.assistant.received
    assert message.text == "Je travaille de nuit à Pornic" and message.metadata["for_coordinator"] is True


async def test_stop_on_telegram_ends_the_hand_over(database_url, telegram, rasa, monkeypatch):
    monkeypatch.setenv("RASA_PORT", str(rasa.port))
    monkeypatch.setenv("RASA_TOKEN", "jeton-de-test")
    request_id = held_request(database_url)
    await telegram.post(text_update(CHAT, "stop"))
    assert telegram.assistant.received == []
    ended = handoff.get_request(request_id)
    assert (ended.status, ended.outcome) == (handoff.CLOSED, handoff.ENDED_BY_PERSON)
    assert rasa.events(SENDER)[-2]["text"].startswith("Vous avez mis fin à l'échange avec Camille Martin")


async def test_without_a_hand_over_nothing_changes(database_url, telegram):
    Base.metadata.create_all(db.get_engine())
    await telegram.post(text_update(CHAT, "stop"))
    [message] = telegram.assistant.received
    assert message.text == "stop" and "for_coordinator" not in message.metadata


async def test_while_held_a_distress_on_telegram_gets_the_3114_and_reaches_the_coordinator(database_url, telegram,
                                                                                          rasa, monkeypatch):
    monkeypatch.setenv("RASA_PORT", str(rasa.port))
    monkeypatch.setenv("RASA_TOKEN", "jeton-de-test")
    held_request(database_url)
    await telegram.post(text_update(CHAT, "Je pense à me faire du mal, je craque"))
    [message] = telegram.assistant.received
    assert message.metadata["for_coordinator"] is True
    distress, reads = rasa.events(SENDER)
    assert "3114" in distress["text"] and reads["text"].startswith("Camille Martin lit votre message")
