"""What a widget tab missed while none was connected, sent to it when it comes back (issue 23, point 1:
bot/web/replay.py, bot/web/output.py, bot/web/channel.py).

The channel runs in a real Sanic server, mounted by Rasa's `register`, with an assistant that does
what Rasa's agent does with a message (under the conversation's lock: send each bot event's message
through the output channel, then store the events with the tracker store of endpoints.yml) and what
Rasa's HTTP API does with a coordinator's message (the console: a bot event with the coordinator's
name). The conversations are stored on SQLite, and on PostgreSQL when TEST_POSTGRES_URL is set.
"""
import asyncio
from typing import Any, Dict, List

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import WindowedSQLTrackerStore
from bot.web import replay
from bot.web.channel import SocketIOInput
from bot.web.output import COORDINATOR, message_ids
from knowledge.coordination import transcripts
from tests.test_tracker_store import drop_conversation_tables
from tests.test_web_channel import Client, clients, serving, until, widget_channel  # noqa: F401 (fixture)

COORDINATOR_NAME = "Camille Durand"
REPLY = "Bonjour, ici Camille.\n\nJe regarde les crèches de Saint-Brevin avec vous."


class RasaLikeAssistant:
    """Rasa's agent as the channel sees it: a tracker store, a lock store, `handle_message`."""

    def __init__(self, channel: SocketIOInput, url: str):
        self.channel = channel
        self.tracker_store = WindowedSQLTrackerStore(domain=Domain.empty(), host=url)
        self.lock_store = InMemoryLockStore()
        self.received: List[UserMessage] = []
        self.pause_before_saving = 0.0  # an answer being sent while the tab reconnects

    async def _turn(self, sender_id: str, output, events: List[Any]) -> None:
        async with self.lock_store.lock(sender_id):
            tracker = await self.tracker_store.retrieve(sender_id) or DialogueStateTracker(sender_id, [])
            for event in events:
                tracker.update(event)
                if isinstance(event, BotUttered):
                    await output.send_response(sender_id, event.message())
            await asyncio.sleep(self.pause_before_saving)
            await self.tracker_store.save(tracker)

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        await self._turn(message.sender_id, message.output_channel, [
            UserUttered(message.text),
            BotUttered(f"Reçu : {message.text}\n\nAutre chose ?",
                       {"buttons": [{"title": "Oui", "payload": "/affirm"}]}),
        ])

    async def coordinator_says(self, sender_id: str, text: str, name: str = COORDINATOR_NAME) -> None:
        """What the console does through Rasa's HTTP API (`output_channel=latest`)."""
        await self._turn(sender_id, self.channel.get_output_channel(),
                         [BotUttered(text, metadata={COORDINATOR: name})])

    async def signal(self, sender_id: str, what: str, name: str = COORDINATOR_NAME) -> None:
        await self._turn(sender_id, self.channel.get_output_channel(), [BotUttered(
            None, {"custom": {"data": {"handoff": what, "coordinator": name}}}, {COORDINATOR: name})])


@pytest.fixture
def conversations(database_url, tmp_path, monkeypatch):
    """TRACKER_STORE_URL on an empty conversations database (the one of the test database on PostgreSQL)."""
    url = database_url if not database_url.startswith("sqlite") else f"sqlite:///{tmp_path / 'trackers.db'}"
    drop_conversation_tables(url)
    monkeypatch.setenv("TRACKER_STORE_URL", url)
    transcripts.dispose()
    yield url
    transcripts.dispose()
    drop_conversation_tables(url)


@pytest.fixture
async def server(monkeypatch, tmp_path, conversations):
    channel = widget_channel()
    assistant = RasaLikeAssistant(channel, conversations)
    async with serving(channel, assistant, monkeypatch, tmp_path) as url:
        yield assistant, url
    assistant.tracker_store.engine.dispose()


async def come_back(client: Client, url: str, session: str, proof: str, **holds: Any) -> None:
    """A tab (re)connecting to its conversation, saying what it holds (`holds=…`), or nothing."""
    if not client.sio.connected:
        await client.sio.connect(url, transports=["polling"], wait_timeout=10)
    count = len(client.sessions)
    await client.sio.emit("session_request", {"session_id": session, "proof": proof, **holds})
    await until(lambda: len(client.sessions) > count)
    assert client.sessions[-1] == session


async def settle() -> None:
    await asyncio.sleep(0.4)


def texts(messages: List[Dict[str, Any]]) -> List[str]:
    return [message.get("text") for message in messages]


# -- pure helpers -----------------------------------------------------------------------------------
@pytest.mark.parametrize("asked, wanted", [
    ({"session_id": "x"}, (False, None)),  # a widget that does not say: an older one, nothing sent
    ({"holds": None}, (True, None)),
    ({"holds": "a" * 32}, (True, "a" * 32)),
    ({"holds": "A" * 32}, (False, None)),
    ({"holds": "a" * 31}, (False, None)),
    ({"holds": 42}, (False, None)),
    ({"holds": ["a" * 32]}, (False, None)),
])
def test_what_a_tab_says_it_holds(asked, wanted):
    assert replay.holds_of(asked) == wanted


async def test_what_comes_after_the_message_a_tab_holds(conversations):
    store = WindowedSQLTrackerStore(domain=Domain.empty(), host=conversations)
    tracker = DialogueStateTracker("d" * 32, [])
    for n in range(80):
        tracker.update(UserUttered(f"question {n}"))
        tracker.update(BotUttered(str(n)))
    await store.save(tracker)
    store.engine.dispose()
    ids = [next(message_ids("d" * 32, event.timestamp)) for event in tracker.events if isinstance(event, BotUttered)]
    assert texts(await replay.missed("d" * 32, ids[77])) == ["78", "79"]
    assert await replay.missed("d" * 32, ids[79]) == []
    assert texts(await replay.missed("d" * 32, None)) == [str(n) for n in range(30, 80)]  # the last 50
    assert texts(await replay.missed("d" * 32, ids[5], limit=3)) == ["77", "78", "79"]
    assert await replay.missed("d" * 32, "f" * 32) == []  # unknown: what the tab holds cannot be told
    assert await replay.missed("e" * 32, None) == []  # another conversation


def test_an_events_ids_depend_on_its_conversation_its_time_and_the_part():
    first = message_ids("a" * 32, 1765100000.123456)
    ids = [next(first) for _ in range(3)]
    again = message_ids("a" * 32, 1765100000.123456)
    assert [next(again) for _ in range(3)] == ids and len(set(ids)) == 3 and all(len(i) == 32 for i in ids)
    assert next(message_ids("b" * 32, 1765100000.123456)) != ids[0]
    assert next(message_ids("a" * 32, 1765100000.123457)) != ids[0]


async def test_signals_are_left_out_and_a_coordinators_parts_carry_their_name():
    events = [UserUttered("bonjour"), BotUttered("Bonjour !\n\nQue cherchez-vous ?", {"buttons": [
        {"title": "Logement", "payload": "/housing"}]}),
        BotUttered(None, {"custom": {"data": {"handoff": "joined", "coordinator": COORDINATOR_NAME}}},
                   {COORDINATOR: COORDINATOR_NAME}),
        BotUttered(REPLY, metadata={COORDINATOR: COORDINATOR_NAME}),
        BotUttered(None, {"custom": {"data": {"upload": {"url": "/cv/abc", "accept": ".pdf"}}}})]
    sent = await replay.sent_messages("c" * 32, events)
    assert [{k: v for k, v in m.items() if k != "id"} for m in sent] == [
        {"text": "Bonjour !", "quick_replies": []},
        {"text": "Que cherchez-vous ?", "quick_replies": [
            {"content_type": "text", "title": "Logement", "payload": "/housing"}]},
        {"text": "Bonjour, ici Camille.", COORDINATOR: COORDINATOR_NAME},
        {"text": "Je regarde les crèches de Saint-Brevin avec vous.", COORDINATOR: COORDINATOR_NAME},
        {"upload": {"url": "/cv/abc", "accept": ".pdf"}},
    ]
    assert len({m["id"] for m in sent}) == 5


# -- the channel in a server ------------------------------------------------------------------------
async def test_a_coordinators_answer_written_while_the_page_was_closed_reaches_it(server, clients):  # noqa: F811
    assistant, url = server
    page = clients()
    session = await page.join(url)
    proof = page.proofs[session]
    await page.say("je cherche une crèche", session)
    held = page.answers[-1]["id"]
    await page.close()
    await assistant.signal(session, "joined")
    await assistant.coordinator_says(session, REPLY)
    reopened = clients()
    await come_back(reopened, url, session, proof, holds=held)
    await until(lambda: len(reopened.answers) >= 2)
    await settle()
    assert [(m.get("text"), m.get(COORDINATOR)) for m in reopened.answers] == [
        ("Bonjour, ici Camille.", COORDINATOR_NAME),
        ("Je regarde les crèches de Saint-Brevin avec vous.", COORDINATOR_NAME)]
    # Holding the last of them, nothing more comes.
    again = clients()
    await come_back(again, url, session, proof, holds=reopened.answers[-1]["id"])
    await settle()
    assert again.answers == []


async def test_what_is_sent_again_has_the_ids_and_shape_of_what_was_sent_live(server, clients):  # noqa: F811
    assistant, url = server
    page = clients()
    session = await page.join(url)
    await page.say("bonjour", session)
    live = list(page.answers)
    await assistant.coordinator_says(session, REPLY)
    await until(lambda: len(page.answers) >= len(live) + 2)
    live = list(page.answers)
    assert [m.get(COORDINATOR) for m in live] == [None, None, COORDINATOR_NAME, COORDINATOR_NAME]
    other = clients()
    await come_back(other, url, session, page.proofs[session], holds=None)  # holding none of them
    await until(lambda: len(other.answers) >= len(live))
    await settle()
    assert other.answers == live


async def test_only_the_tab_coming_back_gets_what_it_missed(server, clients):  # noqa: F811
    assistant, url = server
    page = clients()
    session = await page.join(url)
    await page.say("bonjour", session)
    shown = len(page.answers)
    reloaded = clients()
    await come_back(reloaded, url, session, page.proofs[session], holds=None)
    await until(lambda: len(reloaded.answers) >= 2)
    await settle()
    assert len(page.answers) == shown  # the tab still open got nothing twice
    # Another visitor's conversation, asking for everything, gets only its own messages.
    stranger = clients()
    theirs = await stranger.join(url)
    await stranger.say("et moi ?", theirs)
    back = clients()
    await come_back(back, url, theirs, stranger.proofs[theirs], holds=None)
    await until(lambda: len(back.answers) >= 2)
    await settle()
    assert texts(back.answers) == ["Reçu : et moi ?", "Autre chose ?"]


async def test_at_most_the_last_fifty_and_nothing_for_a_tab_that_does_not_say(server, clients):  # noqa: F811
    assistant, url = server
    page = clients()
    session = await page.join(url)
    proof = page.proofs[session]
    await page.close()
    for n in range(60):
        await assistant.coordinator_says(session, f"Message {n}")
    silent = clients()
    await come_back(silent, url, session, proof)  # an older widget: no `holds`
    unknown = clients()
    await come_back(unknown, url, session, proof, holds="0" * 32)  # an id this conversation never had
    everything = clients()
    await come_back(everything, url, session, proof, holds=None)
    await until(lambda: len(everything.answers) >= replay.REPLAY_LIMIT)
    await settle()
    assert texts(everything.answers) == [f"Message {n}" for n in range(10, 60)]
    assert silent.answers == [] and unknown.answers == []
    # The message a tab holds is looked for among the last bot events read (SCAN_LIMIT): further
    # back, what the tab holds cannot be told, and it gets nothing.
    tenth = everything.answers[0]["id"]
    assert texts(await replay.missed(session, tenth, scan=60)) == [f"Message {n}" for n in range(11, 60)]
    assert await replay.missed(session, tenth, scan=40) == []


async def test_a_tab_reconnecting_while_an_answer_is_being_sent_gets_it_once(server, clients):  # noqa: F811
    """The answer goes out before Rasa stores it: the tab joining in between gets it from the store,
    once Rasa has stored it (the conversation's lock), not never."""
    assistant, url = server
    page = clients()
    session = await page.join(url)
    await page.say("bonjour", session)
    held = page.answers[-1]["id"]
    assistant.pause_before_saving = 1.0
    page.answers.clear()
    await page.sio.emit("user_uttered", {"message": "et à Pornic ?", "session_id": session})
    await until(lambda: len(page.answers) >= 2)  # sent, not stored yet
    reloaded = clients()
    await come_back(reloaded, url, session, page.proofs[session], holds=held)
    await until(lambda: len(reloaded.answers) >= 2)
    await settle()
    assert reloaded.answers == page.answers


async def test_a_new_conversation_gets_nothing_sent_again(server, clients):  # noqa: F811
    assistant, url = server
    page = clients()
    session = await page.join(url)
    await page.say("bonjour", session)
    intruder = clients()
    await intruder.sio.connect(url, transports=["polling"], wait_timeout=10)
    await intruder.sio.emit("session_request", {"session_id": session, "proof": "0" * 64, "holds": None})
    await until(lambda: intruder.sessions)
    await settle()
    assert intruder.sessions[-1] != session and intruder.answers == []
