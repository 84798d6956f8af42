"""End to end: a coordinator takes over a Telegram conversation from the console, and gives it back.

The real guichet (action server, Rasa server with the Telegram channel, web site with the console)
talks to a fake Bot API server on loopback; the coordinator is an HTTP client of the console that
logs in through the form and posts its forms with the CSRF token, as a browser would. Needs a
trained model, like tests/test_telegram_e2e.py.
"""
import http.cookiejar
import json
import time
import urllib.parse
import urllib.request
from typing import Callable, Dict, List, Optional

import pytest

from knowledge.coordination import accounts, handoff, transcripts
from knowledge.partners import queries
from tests.console_helpers import CSRF, PASSWORD
from tests.data.telegram.fake_bot_api import FakeBotApi, text_update
from tests.guichet import running_guichet
from tests.test_telegram_e2e import SECRET, TOKEN, ThreadedFakeBotApi, _messages_to, _post

pytestmark = pytest.mark.e2e

CHAT = 7201
SENDER = f"telegram-{CHAT}"
EMAIL = "dominique.leroy@cotesoin.exemple.fr"
NAME = "Dominique Leroy"
QUESTION = "Bonjour, je suis infirmière de nuit, je voudrais <b>changer</b> d'établissement."
EMERGENCY = "Attendez, ma collègue vient de faire un malaise dans le couloir"
REPLY = "Bonjour, ici Dominique. Je vous appelle demain : l'EHPAD Les Embruns cherche justement quelqu'un."


@pytest.fixture(scope="module")
def api():
    server = ThreadedFakeBotApi(TOKEN)
    yield server.start()
    server.stop()


@pytest.fixture(scope="module")
def guichet(api, tmp_path_factory):
    """All three servers, the Telegram channel active with the fake Bot API; the test process reads
    the same tracker store as Rasa (knowledge.coordination.transcripts)."""
    var_dir = tmp_path_factory.mktemp("var")
    trackers = f"sqlite:///{var_dir / 'trackers.db'}"
    env = {"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_SECRET_TOKEN": SECRET, "TELEGRAM_API_BASE_URL": api.base_url,
           "TRACKER_STORE_URL": trackers}
    transcripts.dispose()
    with running_guichet(var_dir, tracker_store_url=trackers, env=env, web=True) as assistant:
        yield assistant
    transcripts.dispose()


class Console:
    """A coordinator's browser, reduced to HTTP: a cookie jar, the forms' CSRF token, redirects followed."""

    def __init__(self, site: str):
        self.site = site
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = ""

    def get(self, path: str) -> str:
        request = urllib.request.Request(self.site + path, headers={"Accept": "text/html"})
        with self.opener.open(request, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, fields: Dict[str, str], headers: Optional[Dict[str, str]] = None):
        """Posts a form with the CSRF token; returns (final URL after redirects, body)."""
        data = urllib.parse.urlencode({"csrf": self.csrf, **fields}).encode()
        headers = {"Accept": "text/html", **(headers or {})}
        request = urllib.request.Request(self.site + path, data=data, headers=headers)
        with self.opener.open(request, timeout=30) as response:
            return response.geturl(), response.read().decode()

    def log_in(self, email: str, password: str) -> str:
        self.csrf = CSRF.search(self.get("/console/connexion")).group(1)
        url, page = self.post("/console/connexion", {"email": email, "password": password, "suite": "/console"})
        assert url == self.site + "/console", page
        self.csrf = CSRF.search(page).group(1)  # a new session at login, with a new token
        return page


def _until(condition: Callable[[], object], what: Callable[[], str], timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"pas à temps : {what()}"
        time.sleep(0.2)
    return result


def _texts_to(api: FakeBotApi) -> List[str]:
    return [message["text"] for message in _messages_to(api, CHAT)]


def _sent_after(api: FakeBotApi, count: int, expected: str) -> List[str]:
    """The texts sent to the chat after the first `count`, once one of them contains `expected`."""
    return _until(lambda: [t for t in _texts_to(api)[count:] if expected in t] and _texts_to(api)[count:],
                  lambda: f"« {expected} » envoyé au chat {CHAT} ; reçus : {_texts_to(api)[count:]}")


def _all_sent(api: FakeBotApi, quiet: float = 1.0) -> int:
    """How many texts the chat has had once nothing more came for `quiet` seconds: an answer can be
    several messages (outside office hours, /humain also offers a call back)."""
    count, since = len(_texts_to(api)), time.monotonic()
    deadline = since + 30
    while time.monotonic() - since < quiet:
        assert time.monotonic() < deadline, f"le chat reçoit encore : {_texts_to(api)[count:]}"
        time.sleep(0.1)
        if len(_texts_to(api)) != count:
            count, since = len(_texts_to(api)), time.monotonic()
    return count


def _said_by_user(sender: str) -> List[str]:
    return [line.text for line in transcripts.transcript(sender) if line.who == "user"]


def test_a_coordinator_takes_over_a_telegram_chat_and_gives_it_back(guichet, api):
    accounts.add_coordinator(EMAIL, PASSWORD, NAME)
    console = Console(guichet.settings.web_url)
    console.log_in(EMAIL, PASSWORD)

    # /humain: the request is recorded for the Telegram conversation.
    _post(guichet, text_update(CHAT, "je cherche un poste d'infirmier à Pornic"))
    _sent_after(api, 0, "EHPAD Les Embruns")
    sent = len(_texts_to(api))
    _post(guichet, text_update(CHAT, "/humain"))
    answer = "\n".join(_sent_after(api, sent, "demande n°"))
    request = handoff.current_request(SENDER)
    assert request is not None and f"demande n° {request.id}" in answer
    assert (request.channel, request.status) == ("telegram", handoff.OPEN)
    assert request.criteria.get("commune") == "Pornic"
    queue = console.get("/console")
    assert f'data-request="{request.id}"' in queue and "Telegram" in queue

    # Claimed: the joining message reaches the chat.
    sent = _all_sent(api)
    url, page = console.post(f"/console/demandes/{request.id}/prendre", {})
    assert url.endswith(f"/console/demandes/{request.id}") and f"prise par {NAME}" in page
    [joined] = _sent_after(api, sent, "a rejoint la conversation")
    assert joined.startswith(f"{NAME}, de l'équipe de coordination de Côté Soin")

    # While claimed, the person's message is kept for the coordinator and the assistant stays quiet.
    sent = len(_texts_to(api))
    _post(guichet, text_update(CHAT, QUESTION))
    _until(lambda: QUESTION in _said_by_user(SENDER), lambda: f"le message dans {_said_by_user(SENDER)}")
    # Rasa stores the message once handled, after sending whatever it would answer (sends are awaited).
    time.sleep(0.5)
    assert _texts_to(api)[sent:] == []
    fragment = console.get(f"/console/demandes/{request.id}/transcription")
    assert "&lt;b&gt;changer&lt;/b&gt;" in fragment and "<b>changer" not in fragment

    # The coordinator's reply (sent like the page's fetch) reaches the chat, as plain text.
    url, body = console.post(f"/console/demandes/{request.id}/repondre", {"message": REPLY},
                             headers={"X-Requested-With": "fetch", "X-CSRF-Token": console.csrf})
    assert json.loads(body) == {"ok": True, "error": ""}
    assert _sent_after(api, sent, REPLY) == [REPLY]
    [reply] = [m for m in _messages_to(api, CHAT) if m["text"] == REPLY]
    assert "parse_mode" not in reply and "reply_markup" not in reply
    [line] = [line for line in transcripts.transcript(SENDER) if line.text == REPLY]
    assert (line.who, line.author) == ("coordinator", NAME)

    # An emergency written to the coordinator: the 15 / 112 at once, and the coordinator reads both.
    sent = len(_texts_to(api))
    _post(guichet, text_update(CHAT, EMERGENCY))
    first = _sent_after(api, sent, "Appelez le 15")[0]
    assert first.startswith("Appelez le 15 (SAMU) ou le 112")
    said = _until(lambda: [(line.who, line.text) for line in transcripts.transcript(SENDER)
                           if line.who == "assistant" and line.text.startswith("Appelez le 15")],
                  lambda: "la réponse d'urgence dans la transcription")
    lines = [(line.who, line.text) for line in transcripts.transcript(SENDER)]
    assert lines.index(("user", EMERGENCY)) < lines.index(said[0])
    assert handoff.get_request(request.id).status == handoff.CLAIMED  # still with the coordinator

    # Closed with an outcome: the leaving message, then the assistant answers again.
    sent = len(_texts_to(api))
    url, page = console.post(f"/console/demandes/{request.id}/clore", {"outcome": "oriented"})
    assert url == guichet.settings.web_url + "/console"
    assert f'data-request="{request.id}"' not in page
    [left] = _sent_after(api, sent, "a quitté la conversation")
    assert left.startswith(f"{NAME} a quitté la conversation. L'assistant reprend")
    closed = handoff.get_request(request.id)
    assert (closed.status, closed.outcome) == (handoff.CLOSED, "oriented")
    assert [a["action"] for a in handoff.audit_trail(request.id)][:3] == ["close", "reply", "claim"]

    # The message written to the coordinator (« de nuit ») did not become a search criterion.
    expected = queries.find_openings(profession="aide_soignant", communes=["Pornic"])
    sent = len(_texts_to(api))
    _post(guichet, text_update(CHAT, "offres d'aide-soignant à Pornic"))
    answer = "\n".join(_sent_after(api, sent, expected.openings[0].structure))
    assert "(aide-soignant·e à Pornic)" in answer and "demande n°" not in answer
