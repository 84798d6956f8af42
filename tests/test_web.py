"""The public site (bot/web/) without Rasa: pages from the database, error pages, headers, the proxy.

The `/socket.io/` proxy is tested against a fake upstream on loopback standing in for Rasa.
"""
import html
import re
from dataclasses import replace

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot import settings as bot_settings
from bot.web import views
from bot.web.app import STATIC, init_app
from bot.web.middlewares import CONTENT_SECURITY_POLICY
from knowledge.coordination import privacy
from knowledge.partners import queries


def _settings(rasa_port: int = 9):
    return replace(bot_settings.load(), rasa_port=rasa_port)


async def _client(app: web.Application) -> TestClient:
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest.fixture
async def site(loaded_db):
    """The site on a free port; its Rasa (port 9, discard) does not answer."""
    client = await _client(init_app(_settings()))
    yield client
    await client.close()


# -- pages ------------------------------------------------------------------------------------------
async def test_the_home_page_shows_partners_professions_and_communes_from_the_database(site):
    response = await site.get("/")
    assert response.status == 200
    assert response.content_type == "text/html"
    page = html.unescape(await response.text())
    assert '<html lang="fr">' in page
    for structure in queries.find_structures():
        assert structure.name in page
    for profession in queries.list_professions():
        assert profession.label in page
    for commune in queries.commune_names():
        assert commune in page
    assert 'href="/confidentialite"' in page
    assert 'id="cs-launcher"' in page and 'role="dialog"' in page and 'role="log"' in page


async def test_professions_with_most_openings_come_first(loaded_db):
    data = views.home_data()
    counts = [p.openings for p in data["professions"]]
    assert counts == sorted(counts, reverse=True)
    assert data["opening_count"] == queries.find_openings(limit=0).total
    assert data["partner_count"] == len(queries.find_structures())


async def test_partner_names_are_escaped_and_only_web_links_are_kept(site, monkeypatch):
    structure = queries.Resource("X1", "Clinique <script>alert(1)</script>", "hopital", "Pornic", "", "",
                                 {"website": "javascript:alert(1)"})
    monkeypatch.setattr(queries, "find_structures", lambda *a, **k: [structure])
    page = await (await site.get("/")).text()
    assert "<script>alert(1)</script>" not in page
    assert "Clinique &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "javascript:" not in page


async def test_everything_the_page_loads_comes_from_this_server(site):
    page = await (await site.get("/")).text()
    # Partners' own web sites are links (<a href>), not resources the page loads.
    loaded = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert all(url.startswith("/static/") for url in loaded), loaded
    for url in loaded:
        assert (await site.get(url)).status == 200, url
    assert "/static/vendor/socket.io.min.js" in " ".join(loaded)


async def test_every_response_carries_the_security_headers(site):
    for path in ("/", "/confidentialite", "/static/widget.js", "/absent"):
        response = await site.get(path)
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "connect-src 'self'" in CONTENT_SECURITY_POLICY


async def test_the_privacy_page_is_in_french_and_marks_what_is_to_be_completed(site):
    response = await site.get("/confidentialite")
    assert response.status == 200
    page = " ".join(html.unescape(await response.text()).split())
    for words in ("Qui est responsable ?", "Hôpital Intercommunal du Pays de Retz", "Combien de temps ?",
                  "Vos droits", "CNIL", "à compléter par le délégué à la protection des données"):
        assert words in page


async def test_retention_shown_on_the_privacy_page_and_in_the_widget_comes_from_privacy_yml(site, monkeypatch):
    monkeypatch.setattr(privacy, "retention", lambda: {"conversations_months": 7, "contact_months_after_close": 2})
    page = " ".join(html.unescape(await (await site.get("/confidentialite")).text()).split())
    assert "Conversations : 7 mois après chaque message" in page
    assert "Coordonnées laissées pour être rappelé·e : 2 mois après la clôture" in page
    assert "Supprimer mes données" in page and "/supprimer" in page
    home = " ".join(html.unescape(await (await site.get("/")).text()).split())
    assert "Messages gardés 7 mois" in home
    assert "Vos messages sont conservés 7 mois pour vous répondre" in home and "supprimer mes données" in home


async def test_the_health_check_answers(site):
    response = await site.get("/healthz")
    assert response.status == 200 and await response.json() == {"status": "ok", "database": "ok"}


# -- errors -----------------------------------------------------------------------------------------
async def test_a_missing_page_gets_a_french_404_page(site):
    response = await site.get("/nulle-part")
    assert response.status == 404
    assert response.content_type == "text/html"
    page = await response.text()
    assert "Page introuvable" in page and "Retour à l'accueil" in page


async def test_a_wrong_method_gets_a_french_page(site):
    response = await site.post("/confidentialite")
    assert response.status == 405
    assert "Action impossible" in await response.text()


async def test_a_failure_gets_a_french_500_page_without_the_details(site, monkeypatch, caplog):
    def broken():
        raise RuntimeError("détail interne à ne pas montrer")

    monkeypatch.setattr(views, "home_data", broken)
    response = await site.get("/")
    assert response.status == 500
    page = await response.text()
    assert "Erreur du serveur" in page
    assert "détail interne" not in page and "Traceback" not in page
    assert "détail interne à ne pas montrer" in caplog.text  # but it is in the logs


# -- the socket.io proxy ----------------------------------------------------------------------------
async def test_the_proxy_says_so_in_french_when_rasa_is_down(site):
    response = await site.get("/socket.io/?EIO=4&transport=polling")
    assert response.status == 502
    assert await response.text() == "Assistant momentanément indisponible."


async def _fake_rasa(seen: list) -> TestServer:
    """Answers long-polling with what it received, and echoes WebSocket frames (closing on 'bye')."""

    async def socketio(request: web.Request) -> web.StreamResponse:
        seen.append((request.method, request.query_string, await request.read(), dict(request.headers)))
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return web.Response(status=200, text=f"polling {request.method} {request.query_string}",
                                content_type="text/plain")
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        async for message in socket:
            if message.data == "bye":
                break
            await socket.send_str(f"echo {message.data}")
        await socket.close()
        return socket

    app = web.Application()
    app.router.add_route("*", "/socket.io/", socketio)
    server = TestServer(app)
    await server.start_server()
    return server


@pytest.fixture
async def proxied(loaded_db):
    seen = []
    upstream = await _fake_rasa(seen)
    client = await _client(init_app(_settings(rasa_port=upstream.port)))
    yield client, seen
    await client.close()
    await upstream.close()


async def test_long_polling_is_passed_on_with_its_query_and_body(proxied):
    client, seen = proxied
    response = await client.get("/socket.io/?EIO=4&transport=polling&t=abc")
    assert response.status == 200
    assert await response.text() == "polling GET EIO=4&transport=polling&t=abc"
    response = await client.post("/socket.io/?EIO=4&transport=polling&sid=x", data=b'42["user_uttered",{}]',
                                 headers={"Content-Type": "text/plain;charset=UTF-8"})
    assert await response.text() == "polling POST EIO=4&transport=polling&sid=x"
    assert seen[-1][2] == b'42["user_uttered",{}]'
    assert "X-Forwarded-For" in seen[-1][3]


async def test_websocket_frames_go_both_ways_and_rasa_closing_closes_the_page_socket(proxied):
    client, _ = proxied
    async with client.ws_connect("/socket.io/?EIO=4&transport=websocket") as socket:
        await socket.send_str("2probe")
        assert await socket.receive_str(timeout=5) == "echo 2probe"
        await socket.send_str("bye")
        message = await socket.receive(timeout=5)
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_static_files_of_the_widget_are_present():
    for name in ("widget.js", "widget.css", "site.css", "vendor/socket.io.min.js", "vendor/socket.io.LICENSE"):
        assert (STATIC / name).is_file(), name
    widget = (STATIC / "widget.js").read_text()
    assert "innerHTML" not in widget.replace("never innerHTML", "")
