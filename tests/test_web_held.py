"""The widget's conversation while a coordinator holds it (bot/held.py, bot/web/channel.py,
components/for_coordinator.py): messages for the coordinator, « stop » and « supprimer mes données »
still answered, the page told where the hand-over stands.

The channel runs in a real Sanic server with a fake assistant (tests/test_web_channel.py), on a
throw-away database; Rasa's HTTP API is the fake of the console tests.
"""
import pytest
from rasa.shared.nlu.training_data.message import Message

from bot import held
from components.for_coordinator import ForCoordinator
from knowledge import db
from knowledge.conversations import observatory
from knowledge.coordination import accounts, handoff
from knowledge.models import Base
from tests import test_observatory, test_web_channel
from tests.console_helpers import PASSWORD
from tests.observatory_helpers import at
from tests.test_observatory import PERIOD
from tests.test_web_channel import until

# Fixtures of the channel and observatory tests, used here too.
server, clients, tracker_store = test_web_channel.server, test_web_channel.clients, test_observatory.tracker_store

QUESTION = "Je travaille de nuit à Pornic, est-ce possible ?"


@pytest.mark.parametrize("message, command", [
    ("stop", held.STOP), ("STOP !", held.STOP), ("Arrêter", held.STOP), ("  fin. ", held.STOP),
    ("revenir à l'assistant", held.STOP),
    ("supprimer mes données", held.ERASE), ("Supprimer mes donnees svp", held.ERASE),
    ("effacer mes données !", held.ERASE), ("/erase_my_data", held.ERASE),
    ("je veux stopper mon CDD", None), ("fin de contrat en juin, des offres ?", None),
    ("comment supprimer mes données plus tard ?", None), (QUESTION, None), ("", None),
])
def test_only_the_commands_are_for_the_assistant(message, command):
    assert held.command(message) == command


def test_a_message_for_the_coordinator_is_not_understood():
    component = ForCoordinator()
    written = Message(data={"text": "aide-soignante à Pornic", "metadata": {"for_coordinator": True},
                            "intent": {"name": "search_jobs", "confidence": 0.9},
                            "intent_ranking": [{"name": "search_jobs", "confidence": 0.9}],
                            "entities": [{"entity": "commune", "value": "Pornic"}]})
    other = Message(data={"text": "zzz", "metadata": {}, "intent": {"name": "nlu_fallback", "confidence": 0.2},
                          "entities": []})
    component.process([written, other])
    assert written.get("intent") == {"name": "for_coordinator", "confidence": 1.0}
    assert written.get("entities") == [] and written.get("intent_ranking") == []
    assert other.get("intent")["name"] == "nlu_fallback"  # untouched


def test_a_message_for_the_coordinator_keeps_its_safety_cue_only():
    written = Message(data={"text": "ma collègue a fait un malaise à Pornic", "metadata": {"for_coordinator": True},
                            "intent": {"name": "inform", "confidence": 0.6},
                            "entities": [{"entity": "commune", "value": "Pornic"},
                                         {"entity": "safety", "value": "emergency", "extractor": "MessageCues"}]})
    ForCoordinator().process([written])
    assert written.get("intent")["name"] == "for_coordinator"
    assert [e["entity"] for e in written.get("entities")] == ["safety"]  # the commune fills no slot


HOLDER = handoff.Holder(request_id=3, coordinator_id=1, coordinator="Camille Martin")


@pytest.mark.parametrize("message, first", [
    ("ma collègue a fait un malaise dans le couloir", "Appelez le 15 (SAMU) ou le 112"),
    ("Mon mari saigne beaucoup, que faire", "Appelez le 15 (SAMU) ou le 112"),
    ("je n'en peux plus, je pense à me faire du mal", "Ce que vous vivez compte"),
])
def test_while_held_an_emergency_or_distress_gets_its_numbers_first(message, first):
    said = held.safety_answer(message, HOLDER)
    assert said[0].startswith(first)
    if "3114" in said[0]:
        assert said[1].startswith("Camille Martin lit votre message")


@pytest.mark.parametrize("message", [QUESTION, "elle est malade, la crèche la garde ?", "stop"])
def test_while_held_other_messages_get_no_safety_answer(message):
    assert held.safety_answer(message, HOLDER) == []


@pytest.fixture
def tables(database_url):
    Base.metadata.create_all(db.get_engine())
    return database_url


def held_request(sender: str) -> int:
    coordinator = accounts.add_coordinator("camille.martin@cotesoin.fr", PASSWORD, "Camille Martin")
    request_id, _ = handoff.record_request(sender, "socketio", "housing", {})
    handoff.claim(request_id, coordinator if isinstance(coordinator, int) else coordinator.id)
    return request_id


@pytest.fixture
def rasa_here(rasa, monkeypatch):
    monkeypatch.setenv("RASA_PORT", str(rasa.port))
    monkeypatch.setenv("RASA_TOKEN", "jeton-de-test")
    return rasa


async def test_while_held_messages_go_to_the_coordinator_not_to_understanding(tables, server, clients):
    _, assistant, url = server
    page = clients()
    session = await page.join(url)
    held_request(session)
    await page.sio.emit("user_uttered", {"message": QUESTION, "session_id": session,
                                         "customData": {"for_coordinator": False}})
    await until(lambda: assistant.received)
    [message] = assistant.received
    assert message.text == QUESTION and message.metadata["for_coordinator"] is True


async def test_a_page_cannot_skip_understanding_by_itself(tables, server, clients):
    _, assistant, url = server
    page = clients()
    session = await page.join(url)
    await page.sio.emit("user_uttered", {"message": "bonjour", "session_id": session,
                                         "customData": {"for_coordinator": True}})
    await until(lambda: assistant.received)
    assert "for_coordinator" not in assistant.received[0].metadata


async def test_stop_ends_the_hand_over_with_a_reply(tables, server, clients, rasa_here):
    _, assistant, url = server
    page = clients()
    session = await page.join(url)
    request_id = held_request(session)
    await page.sio.emit("user_uttered", {"message": "Stop", "session_id": session})
    await until(lambda: handoff.get_request(request_id).status == handoff.CLOSED)
    assert assistant.received == []  # « stop » was not a question for the assistant
    ended = handoff.get_request(request_id)
    assert ended.outcome == handoff.ENDED_BY_PERSON
    signal, said, resume = rasa_here.events(session)[-3:]
    assert said["text"].startswith(f"Vous avez mis fin à l'échange avec Camille Martin : votre demande n° {request_id}")
    assert "metadata" not in said  # the assistant says it, not the coordinator
    assert signal["data"]["custom"]["data"]["handoff"] == "closed" and resume == {"event": "resume"}
    assert handoff.audit_trail(request_id)[0]["action"] == "ended_by_person"


async def test_erasing_during_a_hand_over_goes_to_the_assistant_after_the_hand_back(tables, server, clients,
                                                                                   rasa_here):
    _, assistant, url = server
    page = clients()
    session = await page.join(url)
    request_id = held_request(session)
    await page.sio.emit("user_uttered", {"message": "supprimer mes données", "session_id": session})
    await until(lambda: assistant.received)
    [message] = assistant.received
    assert message.text == "supprimer mes données" and "for_coordinator" not in message.metadata
    assert handoff.get_request(request_id).status == handoff.CLOSED
    assert rasa_here.events(session)[-1] == {"event": "resume"}  # resumed before the assistant got it


async def test_when_rasa_refuses_the_hand_back_the_person_is_told_and_nothing_changes(tables, server, clients,
                                                                                     rasa_here):
    _, assistant, url = server
    rasa_here.status = 500
    page = clients()
    session = await page.join(url)
    request_id = held_request(session)
    page.answers.clear()
    await page.sio.emit("user_uttered", {"message": "stop", "session_id": session})
    await until(lambda: any("n'a pas été transmis" in a.get("text", "") for a in page.answers))
    assert handoff.get_request(request_id).status == handoff.CLAIMED and assistant.received == []


async def test_the_page_is_told_where_the_hand_over_stands(tables, server, clients):
    _, assistant, url = server
    page = clients()
    session = await page.join(url)
    assert not [a for a in page.answers if "handoff" in a]  # nothing to say: no request
    handoff.record_request(session, "socketio", "", {})
    await page.say("parler à un coordinateur", session)
    await until(lambda: {"handoff": "requested"} in page.answers)
    # A page that believes a request is open, when it was closed meanwhile, is corrected.
    other = clients()
    handoff_id = handoff.current_request(session).id
    coordinator = accounts.add_coordinator("lou.bernard@cotesoin.fr", PASSWORD, "Lou Bernard")
    coordinator_id = coordinator if isinstance(coordinator, int) else coordinator.id
    handoff.claim(handoff_id, coordinator_id)
    await other.sio.connect(url, transports=["polling"], wait_timeout=10)
    await other.sio.emit("session_request", {"session_id": session, "proof": page.proofs[session],
                                           "handoff": "requested"})
    await until(lambda: {"handoff": "joined", "coordinator": "Lou Bernard"} in other.answers)
    handoff.close(handoff_id, coordinator_id, "answered")
    third = clients()
    await third.sio.connect(url, transports=["polling"], wait_timeout=10)
    await third.sio.emit("session_request", {"session_id": session, "proof": page.proofs[session],
                                           "handoff": "joined"})
    await until(lambda: {"handoff": "closed"} in third.answers)


def test_messages_for_the_coordinator_are_not_among_the_questions_not_understood(tracker_store):
    """What the component turns a held message into stays out of the observatory's « questions non
    comprises », while the same words misunderstood outside a hand-over are counted."""
    written = Message(data={"text": "Je travaille de nuit, c'est possible ?", "metadata": {"for_coordinator": True},
                            "intent": {"name": "nlu_fallback", "confidence": 0.2}, "entities": []})
    ForCoordinator().process([written])
    for n in range(6):
        tracker_store.user(f"web-{n}", at("2025-03-28 10:00") + n, written.get("text"), written.get("intent")["name"])
    tracker_store.user("web-9", at("2025-03-28 11:00"), "Je travaille de nuit, c'est possible ?", "nlu_fallback")
    tracker_store.save()
    result = observatory.misunderstood(PERIOD)
    assert [q.messages for q in result.questions] == [observatory.MASKED]  # only the one outside a hand-over


async def test_while_held_an_emergency_reaches_the_coordinator_and_gets_the_15_at_once(tables, server, clients,
                                                                                      rasa_here):
    _, assistant, url = server
    page = clients()
    session = await page.join(url)
    request_id = held_request(session)
    await page.sio.emit("user_uttered", {"message": "mon collègue a fait un malaise, il respire mal",
                                         "session_id": session})
    await until(lambda: rasa_here.events(session))
    [message] = assistant.received
    assert message.metadata["for_coordinator"] is True  # for the coordinator too
    [said] = rasa_here.events(session)  # said in the conversation, on the person's channel
    assert said["text"].startswith("Appelez le 15 (SAMU) ou le 112") and "metadata" not in said
    assert handoff.get_request(request_id).status == handoff.CLAIMED  # the hand-over goes on


async def test_when_rasa_cannot_say_it_the_channel_gives_the_3114_itself(tables, server, clients, rasa_here):
    _, assistant, url = server
    rasa_here.status = 500
    page = clients()
    session = await page.join(url)
    held_request(session)
    page.answers.clear()
    await page.sio.emit("user_uttered", {"message": "je suis en burn-out, je pense à me faire du mal",
                                         "session_id": session})
    await until(lambda: any("3114" in a.get("text", "") for a in page.answers))
    assert assistant.received[0].metadata["for_coordinator"] is True
