"""End to end on Telegram: the real Rasa server (trained model, credentials.yml, action server)
talking to a fake Bot API server on loopback.

Needs a trained model, like tests/test_e2e_rest.py. Updates are posted to the webhook Rasa serves;
the test reads what the fake Bot API server received.
"""
import asyncio
import json
import threading
import time
import urllib.error
import urllib.request

import pytest

from bot.telegram import texts
from knowledge.coordination import handoff
from knowledge.partners import queries
from tests.data.telegram.fake_bot_api import FakeBotApi, button_update, text_update
from tests.guichet import running_guichet

pytestmark = pytest.mark.e2e

TOKEN = "555000111:AAE-end-to-end-token"
SECRET = "e2e_secret-token"




class ThreadedFakeBotApi:
    """The fake Bot API server, running in its own thread and event loop."""

    def __init__(self, token: str):
        self.fake = FakeBotApi(token)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> FakeBotApi:
        self.thread.start()
        return asyncio.run_coroutine_threadsafe(self.fake.start(), self.loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def api():
    server = ThreadedFakeBotApi(TOKEN)
    yield server.start()
    server.stop()


@pytest.fixture(scope="module")
def assistant(api, tmp_path_factory):
    """Both servers with the Telegram channel active, its Bot API being the fake one."""
    env = {"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_SECRET_TOKEN": SECRET, "TELEGRAM_API_BASE_URL": api.base_url}
    with running_guichet(tmp_path_factory.mktemp("var"), env=env) as assistant:
        yield assistant


def _post(assistant, update: dict, secret: str = SECRET) -> int:
    request = urllib.request.Request(
        f"{assistant.settings.rasa_url}/webhooks/telegram/webhook", data=json.dumps(update).encode(),
        method="POST", headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _messages_to(api: FakeBotApi, chat: int):
    return [params for params in api.sent("sendMessage") if params["chat_id"] == chat]


def _wait_for(api: FakeBotApi, chat: int, count: int, timeout: float = 60):
    """The first `count` messages sent to `chat`, once they have all arrived."""
    deadline = time.monotonic() + timeout
    while len(_messages_to(api, chat)) < count:
        assert time.monotonic() < deadline, f"{count} message(s) attendu(s) pour {chat} : {_messages_to(api, chat)}"
        time.sleep(0.2)
    time.sleep(0.5)  # anything more would be a surprise: let it arrive so the test sees it
    return _messages_to(api, chat)


def _wait_for_text(api: FakeBotApi, chat: int, fragment: str, after: int, timeout: float = 60) -> None:
    """Until one of the messages sent to `chat` after the first `after` contains `fragment` (the
    chat's rate limiter spaces a reply out over seconds)."""
    deadline = time.monotonic() + timeout
    while not any(fragment in m["text"] for m in _messages_to(api, chat)[after:]):
        assert time.monotonic() < deadline, f"« {fragment} » attendu pour {chat} : {_messages_to(api, chat)}"
        time.sleep(0.2)


def test_start_greets_and_shows_the_menu_as_an_inline_keyboard(assistant, api):
    chat = 7001
    assert _post(assistant, text_update(chat, "/start")) == 200

    welcome, greeting = _wait_for(api, chat, 2)

    assert welcome["text"] == texts.welcome()
    assert "Côté Soin" in greeting["text"]
    data = [row[0]["callback_data"] for row in greeting["reply_markup"]["inline_keyboard"]]
    assert "/search_jobs" in data and "/request_human" in data


def test_a_job_search_names_the_structures_found(assistant, api):
    chat = 7002
    expected = queries.find_openings(profession="aide_soignant", communes=["Rouans"])
    assert expected.openings

    _post(assistant, text_update(chat, "je cherche un poste d'aide soignante à Rouans"))

    reply = "\n".join(message["text"] for message in _wait_for(api, chat, 1))
    for opening in expected.openings:
        assert opening.structure in reply


def test_a_tap_on_the_coordinator_button_records_the_telegram_conversation(assistant, api):
    chat = 7003
    _post(assistant, text_update(chat, "je cherche un poste d'infirmier à Pornic"))
    before = len(_wait_for(api, chat, 1))
    tap = button_update(chat, "/request_human")

    _post(assistant, tap)

    _wait_for_text(api, chat, "demande n°", after=before)
    assert {"callback_query_id": tap["callback_query"]["id"]} in api.sent("answerCallbackQuery")
    [request] = [r for r in handoff.open_requests() if r.sender_id == f"telegram-{chat}"]
    assert request.channel == "telegram"


def test_a_wrong_secret_is_refused_by_the_rasa_server(assistant, api):
    chat = 7004
    assert _post(assistant, text_update(chat, "Bonjour"), secret="wrong") == 403
    time.sleep(1)
    assert _messages_to(api, chat) == []


def test_the_rasa_log_shows_the_channel_but_never_the_token(assistant, api):
    log = (assistant.settings.var_dir / "logs" / "rasa.log").read_text(errors="replace")

    assert "Telegram actif : bot @CoteSoinTestBot" in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert SECRET not in log
