"""The REST channel (bot/rest_channel.py) in a real Sanic server, mounted by Rasa's own `register` as
`rasa run` does, with a fake assistant (issue 22, points 3, 4 and 9)."""
import gc
import json
import uuid
from typing import List

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic
from sanic.response import json as sanic_json

from bot import rasa_run
from bot.rest_channel import (
    BAD_METADATA,
    BAD_SENDER,
    FOREIGN,
    MAX_MESSAGE_CHARS,
    NO_MESSAGE,
    NO_SENDER,
    NO_TOKEN,
    NOT_AN_OBJECT,
    CheckedRestInput,
)
from bot.web.channel import EMPTY_MESSAGE
from tests.guichet import free_port

READ_AS_IS = "/lu-tel-quel"


class FakeAssistant:
    def __init__(self):
        self.received: List[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        await message.output_channel.send_text_message(message.sender_id, f"Reçu : {message.text}")


async def _read_as_is(request):
    """A route that reads its body with no check of its own (as Rasa's /model/parse does)."""
    return sanic_json({"octets": len(request.body)})


async def _serve(token: str = "", environ=None, monkeypatch=None):
    if environ:
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
    channel = CheckedRestInput.from_credentials({"token": token})
    assistant = FakeAssistant()
    app = Sanic(f"rest_test_{uuid.uuid4().hex[:8]}", configure_logging=False)
    app.ctx.agent = assistant
    register([channel], app, route="/webhooks/")
    app.add_route(_read_as_is, READ_AS_IS, methods=["POST"])
    port = free_port()
    running = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    await running.startup()
    await running.before_start()
    await running.after_start()
    return running, assistant, f"http://127.0.0.1:{port}/webhooks/rest/webhook"


async def _stop(running) -> None:
    await running.before_stop()
    running.close()
    await running.wait_closed()
    await running.after_stop()
    gc.unfreeze()  # set apart at the start (bot/rasa_process.py): given back for the next tests


@pytest.fixture
async def server(monkeypatch):
    monkeypatch.setattr(Sanic, "test_mode", True)  # several apps in one process
    running, assistant, url = await _serve()
    yield assistant, url
    await _stop(running)


@pytest.fixture
async def guarded(monkeypatch):
    monkeypatch.setattr(Sanic, "test_mode", True)
    running, assistant, url = await _serve(token="s3cret-jeton")
    yield assistant, url
    await _stop(running)


async def post(url: str, data, headers=None, raw: bool = False):
    body = data if raw else json.dumps(data)
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body, headers={"Content-Type": "application/json", **(headers or {})}) as r:
            return r.status, await r.json(content_type=None)


async def test_a_good_message_reaches_the_assistant_and_its_answer_comes_back(server):
    assistant, url = server
    status, answers = await post(url, {"sender": "moi", "message": "  Bonjour  ", "metadata": {"page": "accueil"}})
    assert status == 200 and answers == [{"recipient_id": "moi", "text": "Reçu : Bonjour"}]
    [message] = assistant.received
    assert (message.sender_id, message.text, message.input_channel, message.metadata) == (
        "moi", "Bonjour", "rest", {"page": "accueil"})


@pytest.mark.parametrize("sender", ["telegram-123456789", "TELEGRAM-42", "telegram-", uuid.uuid4().hex,
                                    "web-" + uuid.uuid4().hex])
async def test_the_rest_channel_cannot_reach_a_telegram_or_widget_conversation(server, sender):
    assistant, url = server
    status, body = await post(url, {"sender": sender, "message": "effacer mes données"})
    assert (status, body) == (403, {"erreur": FOREIGN})
    assert assistant.received == []


@pytest.mark.parametrize("body, reason", [
    (b"", NOT_AN_OBJECT), (b"pas du json", NOT_AN_OBJECT), (b"[1, 2]", NOT_AN_OBJECT), (b'"bonjour"', NOT_AN_OBJECT),
    (b"\xff\xfe", NOT_AN_OBJECT), (b"[" * 50_00 + b"]" * 50_00, NOT_AN_OBJECT),
    (b'{"message": "bonjour"}', NO_SENDER), (b'{"sender": null, "message": "bonjour"}', NO_SENDER),
    (b'{"sender": 42, "message": "bonjour"}', BAD_SENDER), (b'{"sender": "", "message": "bonjour"}', BAD_SENDER),
    (b'{"sender": "a\\nb", "message": "bonjour"}', BAD_SENDER),
    (json.dumps({"sender": "x" * 200, "message": "bonjour"}).encode(), BAD_SENDER),
    (b'{"sender": "moi"}', NO_MESSAGE), (b'{"sender": "moi", "message": 42}', NO_MESSAGE),
    (b'{"sender": "moi", "message": null}', NO_MESSAGE), (b'{"sender": "moi", "message": ["a"]}', NO_MESSAGE),
    (b'{"sender": "moi", "message": {"text": "a"}}', NO_MESSAGE),
    (b'{"sender": "moi", "message": "a", "metadata": "chaine"}', BAD_METADATA),
    (b'{"sender": "moi", "message": "a", "metadata": [1]}', BAD_METADATA),
])
async def test_bad_input_gets_400_and_a_french_json_error(server, body, reason):
    assistant, url = server
    status, answer = await post(url, body, raw=True)
    assert (status, answer) == (400, {"erreur": reason})
    assert assistant.received == []


@pytest.mark.parametrize("message", ["", "   \n\t"])
async def test_an_empty_message_gets_a_french_answer_and_no_work(server, message):
    assistant, url = server
    assert await post(url, {"sender": "moi", "message": message}) == (
        200, [{"recipient_id": "moi", "text": EMPTY_MESSAGE}])
    assert assistant.received == []


async def test_an_over_long_message_gets_a_french_answer_and_no_work(server):
    assistant, url = server
    status, [answer] = await post(url, {"sender": "moi", "message": "é" * (MAX_MESSAGE_CHARS + 1)})
    assert status == 200 and answer["text"].startswith("Votre message est trop long (2\u202f001 caractères, "
                                                       "2\u202f000 au plus).")
    assert assistant.received == []
    status, _ = await post(url, {"sender": "moi", "message": "a" * MAX_MESSAGE_CHARS})
    assert status == 200 and len(assistant.received) == 1


async def test_a_huge_body_is_refused_before_it_is_parsed(server):
    assistant, url = server
    status, answer = await post(url, {"sender": "moi", "message": "a", "metadata": {"x": "y" * 40_000}})
    assert status == 413 and "trop volumineuse" in answer["erreur"]
    assert assistant.received == []


async def test_with_a_token_set_only_the_right_bearer_gets_through(guarded):
    assistant, url = guarded
    message = {"sender": "moi", "message": "bonjour"}
    for headers in ({}, {"Authorization": "Bearer faux"}, {"Authorization": "s3cret-jeton"},
                    {"Authorization": "Basic s3cret-jeton"}):
        assert await post(url, message, headers) == (401, {"erreur": NO_TOKEN})
    assert assistant.received == []
    status, answers = await post(url, message, {"Authorization": "Bearer s3cret-jeton"})
    assert status == 200 and answers[0]["text"] == "Reçu : bonjour"


async def test_rasa_server_refuses_bodies_over_its_limit(monkeypatch):
    """bot/rasa_run.py's environment sets SANIC_REQUEST_MAX_SIZE, which Sanic reads when Rasa makes
    its app: a route that does not check sizes itself (unlike the REST channel, 413 above 32 KiB)
    gets Sanic's 413 above 64 KiB, where Sanic's own default would take 100 MB."""
    monkeypatch.setattr(Sanic, "test_mode", True)
    monkeypatch.setenv("SANIC_REQUEST_MAX_SIZE", "")  # so that what prepare_environment sets is undone
    monkeypatch.delenv("SANIC_REQUEST_MAX_SIZE")
    rasa_run.prepare_environment()
    running, _, url = await _serve()
    read_as_is = url.split("/webhooks/")[0] + READ_AS_IS
    try:
        async with aiohttp.ClientSession() as session:
            async with session.post(read_as_is, data=b"x" * (rasa_run.REQUEST_MAX_SIZE - 1)) as response:
                assert response.status == 200 and await response.json() == {"octets": rasa_run.REQUEST_MAX_SIZE - 1}
            async with session.post(read_as_is, data=b"x" * (rasa_run.REQUEST_MAX_SIZE + 1)) as response:
                assert response.status == 413
    finally:
        await _stop(running)


async def test_once_the_server_has_started_what_is_loaded_is_out_of_the_full_collections(monkeypatch):
    """Rasa loads the model before the server starts; then a full collection no longer walks it."""
    monkeypatch.setattr(Sanic, "test_mode", True)
    gc.unfreeze()
    loaded = [[index] for index in range(10_000)]
    running, _, _ = await _serve()
    try:
        assert gc.get_freeze_count() >= len(loaded)
        assert not any(found is loaded[0] for found in gc.get_objects())  # not among the collected
    finally:
        await _stop(running)
    assert gc.get_freeze_count() == 0
