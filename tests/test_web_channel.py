"""The widget's socket.io channel (bot/web/channel.py) in a real Sanic server, with a fake assistant.

The channel is mounted by Rasa's own `register`, as `rasa run` does; clients are python-socketio
clients (long-polling), like the widget's socket.io-client.
"""
import asyncio
import time
import uuid
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Dict, List

import pytest
import socketio
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.web import widget_ids
from bot.web.channel import (
    EMPTY_MESSAGE,
    MAX_MESSAGE_CHARS,
    SocketIOInput,
    check_message,
    french_number,
)
from tests.guichet import free_port


# -- pure helpers -----------------------------------------------------------------------------------
@pytest.mark.parametrize("data, text, answer", [
    ({"message": "bonjour"}, "bonjour", None),
    ({"message": "  offres à Pornic \n"}, "offres à Pornic", None),
    ({"message": "🙂🙂"}, "🙂🙂", None),
    ({"message": "<script>alert(1)</script>"}, "<script>alert(1)</script>", None),
    ({"message": "a" * MAX_MESSAGE_CHARS}, "a" * MAX_MESSAGE_CHARS, None),
    ({"message": ""}, None, EMPTY_MESSAGE),
    ({"message": " \n\t "}, None, EMPTY_MESSAGE),
    ({"message": 42}, None, None),
    ({"text": "bonjour"}, None, None),
    ("bonjour", None, None),
    (None, None, None),
])
def test_what_the_page_sends_is_checked(data, text, answer):
    assert check_message(data) == (text, answer)


def test_a_message_too_long_gets_a_french_answer_with_its_length():
    text, answer = check_message({"message": "a" * 5000})
    assert text is None
    assert answer.startswith("Votre message est trop long (5\u202f000 caractères, 1\u202f000 au plus).")


def test_only_ids_presented_with_the_proof_issued_with_them_are_kept():
    key = b"k" * 32
    issued, proof = widget_ids.issue(key)
    assert widget_ids.kept_or_new(key, issued, proof) == (issued, proof)
    foreign, foreign_proof = widget_ids.issue(b"another server's key")
    last_changed = proof[:-1] + ("1" if proof[-1] == "0" else "0")
    for other, other_proof in [(None, None), ("", proof), ("telegram-123456", proof), ("x" * 32, proof),
                               (issued.upper(), proof), (42, proof), (issued + "0", proof), (issued, None),
                               (issued, ""), (issued, proof.upper()), (issued, last_changed),
                               (uuid.uuid4().hex, proof), (foreign, foreign_proof), (issued, foreign_proof)]:
        new, new_proof = widget_ids.kept_or_new(key, other, other_proof)
        assert new != other and len(new) == 32 and new_proof == widget_ids.proof_of(key, new)


def test_the_proofs_key_is_made_once_readable_by_the_owner_only(monkeypatch, tmp_path):
    monkeypatch.setenv("COTESOIN_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("WIDGET_SECRET_KEY", raising=False)
    key = widget_ids.load_key()
    assert len(key) >= 32 and widget_ids.load_key() == key
    assert (tmp_path / "widget_secret").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("WIDGET_SECRET_KEY", "clé du déploiement")
    assert widget_ids.load_key() == "clé du déploiement".encode()


def test_french_numbers():
    assert french_number(5000) == "5\u202f000" and french_number(999) == "999"


# -- the channel in a server ------------------------------------------------------------------------
class FakeAssistant:
    """Stands in for Rasa's agent: answers through the message's output channel, with buttons."""

    def __init__(self):
        self.received: List[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        await message.output_channel.send_text_with_buttons(
            message.sender_id, f"Reçu : {message.text}\n\nAutre chose ?",
            [{"title": "Oui", "payload": "/affirm"},
             {"title": "Parler à un coordinateur", "payload": "/request_human"}])




def widget_channel() -> SocketIOInput:
    return SocketIOInput.from_credentials({"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered",
                                           "session_persistence": True})


@asynccontextmanager
async def serving(channel: SocketIOInput, agent: Any, monkeypatch, tmp_path) -> AsyncIterator[str]:
    """`channel` mounted by Rasa's `register` in a real Sanic server on loopback, `agent` as Rasa's
    agent; yields the server's URL."""
    monkeypatch.setattr(Sanic, "test_mode", True)  # several apps in one process
    monkeypatch.setenv("COTESOIN_VAR_DIR", str(tmp_path))  # the proofs' key: var/widget_secret
    monkeypatch.delenv("WIDGET_SECRET_KEY", raising=False)
    app = Sanic(f"socketio_test_{uuid.uuid4().hex[:8]}", configure_logging=False)
    app.ctx.agent = agent
    register([channel], app, route="/webhooks/")
    port = free_port()
    running = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    await running.startup()
    await running.before_start()
    await running.after_start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await running.before_stop()
        running.close()
        await running.wait_closed()
        await running.after_stop()


@pytest.fixture
async def server(monkeypatch, tmp_path):
    channel, assistant = widget_channel(), FakeAssistant()
    async with serving(channel, assistant, monkeypatch, tmp_path) as url:
        yield channel, assistant, url


class Client:
    def __init__(self):
        self.sio = socketio.AsyncClient(reconnection=False)
        self.answers: List[Dict[str, Any]] = []
        self.sessions: List[str] = []
        self.proofs: Dict[str, str] = {}  # what the widget keeps in localStorage
        self.sio.on("bot_uttered", self.answers.append)
        self.sio.on("session_confirm", self.confirmed)

    def confirmed(self, data: Dict[str, str]) -> None:
        self.proofs[data["session_id"]] = data["proof"]
        self.sessions.append(data["session_id"])

    async def close(self) -> None:
        """The page closed: it stops polling (a polite disconnect of python-engineio's polling
        client would wait out a long-poll, about 30 s)."""
        await self.sio.eio.disconnect(abort=True)

    async def join(self, url: str, session_id: Any = None, proof: Any = None) -> str:
        if not self.sio.connected:
            await self.sio.connect(url, transports=["polling"], wait_timeout=10)
        count = len(self.sessions)
        await self.sio.emit("session_request", {"session_id": session_id, "proof": proof})
        await until(lambda: len(self.sessions) > count)
        return self.sessions[-1]

    async def say(self, message: Any, session_id: Any = None, answers: int = 2) -> List[Dict[str, Any]]:
        self.answers.clear()
        await self.sio.emit("user_uttered", {"message": message, "session_id": session_id})
        await until(lambda: len(self.answers) >= answers)
        return list(self.answers)


async def until(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "rien reçu à temps"
        await asyncio.sleep(0.05)


@pytest.fixture
async def clients():
    made: List[Client] = []

    def make() -> Client:
        made.append(Client())
        return made[-1]

    yield make
    for client in made:
        await client.close()


async def test_answers_reach_the_page_with_session_persistence(server, clients):
    """Rasa 3.6.21's channel never awaited enter_room: with session_persistence nothing came back."""
    channel, assistant, url = server
    page = clients()
    session = await page.join(url)
    assert len(session) == 32
    answers = await page.say("bonjour", session)
    assert {k: v for k, v in answers[0].items() if k != "id"} == {"text": "Reçu : bonjour", "quick_replies": []}
    assert [r["title"] for r in answers[1]["quick_replies"]] == ["Oui", "Parler à un coordinateur"]
    [message] = assistant.received
    assert message.sender_id == session and message.input_channel == "socketio"


async def test_a_reload_keeps_the_conversation_and_other_tabs_see_the_answers(server, clients):
    _, assistant, url = server
    first = clients()
    session = await first.join(url)
    reloaded = clients()
    assert await reloaded.join(url, session, first.proofs[session]) == session
    sent = await reloaded.say("et à Pornic ?", session)
    await until(lambda: len(first.answers) >= 2)  # same room: the other tab gets it too
    assert {m.sender_id for m in assistant.received} == {session}
    # Each answer has an id of its own, the same in every tab: a tab knows what another already wrote down.
    ids = [answer["id"] for answer in sent]
    assert len(set(ids)) == 2 and all(len(i) == 32 for i in ids)
    assert [answer["id"] for answer in first.answers] == ids


async def test_a_page_cannot_write_into_another_conversation(server, clients):
    _, assistant, url = server
    page = clients()
    session = await page.join(url, "telegram-123456")
    assert session != "telegram-123456"
    await page.say("bonjour", "telegram-123456")
    assert assistant.received[-1].sender_id == session


async def test_a_known_id_without_its_proof_can_neither_read_nor_write_that_conversation(server, clients):
    """A widget id seen in the console, an export or a log, with no proof or a forged one."""
    _, assistant, url = server
    owner = clients()
    session = await owner.join(url)
    proof = owner.proofs[session]
    stranger = clients()
    theirs = stranger.proofs[await stranger.join(url)]  # a proof, but of another conversation
    for forged in (None, "", "0" * 64, proof[::-1], widget_ids.proof_of(b"guessed key", session), theirs):
        intruder = clients()
        other = await intruder.join(url, session, forged)
        assert other != session and intruder.proofs[other] != proof
        await intruder.say("je lis votre conversation ?", session)
        assert assistant.received[-1].sender_id == other
    assert {m.sender_id for m in assistant.received}.isdisjoint({session})
    await asyncio.sleep(0.3)
    assert all("je lis" not in a.get("text", "") for a in owner.answers)  # the intruders' answers went elsewhere
    await owner.say("toujours là ?", session)
    assert assistant.received[-1].sender_id == session


async def test_bad_input_gets_a_french_answer_and_never_reaches_the_assistant(server, clients):
    _, assistant, url = server
    page = clients()
    session = await page.join(url)
    assert await page.say("   ", session, answers=1) == [{"text": EMPTY_MESSAGE}]
    [too_long] = await page.say("é" * 5000, session, answers=1)
    assert "trop long (5\u202f000 caractères" in too_long["text"]
    await page.sio.emit("user_uttered", {"message": {"html": "<b>"}, "session_id": session})
    await page.sio.emit("user_uttered", "pas un objet")
    await asyncio.sleep(0.3)
    assert assistant.received == []
    assert (await page.say("<b>gras</b>", session))[0]["text"] == "Reçu : <b>gras</b>"


async def test_a_message_before_session_request_is_ignored(server, clients):
    _, assistant, url = server
    page = clients()
    await page.sio.connect(url, transports=["polling"], wait_timeout=10)
    await page.sio.emit("user_uttered", {"message": "bonjour", "session_id": uuid.uuid4().hex})
    await asyncio.sleep(0.3)
    assert assistant.received == [] and page.answers == []


async def test_a_coordinator_message_reaches_the_page_through_the_output_channel(server, clients):
    """What Rasa's HTTP API does with `output_channel=socketio` (the coordinators' console)."""
    channel, _, url = server
    page = clients()
    session = await page.join(url)
    await channel.get_output_channel().send_text_message(session, "Bonjour, ici Camille, coordinatrice.")
    await until(lambda: page.answers)
    [answer] = page.answers
    assert answer["text"] == "Bonjour, ici Camille, coordinatrice." and len(answer["id"]) == 32
