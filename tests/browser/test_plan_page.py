"""The page of an installation plan (/plan/<token>, issue 20) in Chromium: it renders, prints, expires,
answers 404 to an unknown token and is never cached. Only the web site runs (in a thread, on a free
port), on a SQLite database holding tests/data/knowledge_plan and plans saved by the test."""
import asyncio
import threading
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web

from bot import settings as bot_settings
from bot.web.app import init_app
from knowledge import db
from knowledge.coordination import plans
from knowledge.coordination.models import InstallationPlan
from knowledge.partners import importer, naming, plan_builder
from tests.browser import axe

pytestmark = pytest.mark.e2e

FOLDER = Path(__file__).resolve().parent.parent / "data" / "knowledge_plan"
SITUATION = {"profession": "kinesitherapeute", "commune": "Vue", "hours": "mixte", "children": [8, 84],
             "car": False, "partner": "maçon", "housing": "aucun", "practice": "liberal"}


class SiteThread:
    """The aiohttp site in its own event loop and thread."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        asyncio.set_event_loop(self.loop)
        app = init_app(replace(bot_settings.load(), rasa_port=9))
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    def start(self) -> str:
        self.thread.start()
        assert self.ready.wait(30), "site pas prêt"
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path_factory.mktemp('plan') / 'plan.db'}")
    db.dispose()
    naming.forget()
    importer.import_folder(FOLDER)
    server = SiteThread()
    yield server.start()
    server.stop()
    db.dispose()
    naming.forget()
    monkeypatch.undo()


@pytest.fixture
def saved_plan(site):
    return plans.save("visitor-1", SITUATION, plan_builder.build(SITUATION))


def test_the_plan_page_shows_the_situation_sections_contacts_and_gaps(page, saved_plan, output_dir):
    response = page.goto(f"/plan/{saved_plan.token}")
    assert response.status == 200
    assert "no-store" in response.headers["cache-control"] and "private" in response.headers["cache-control"]
    assert page.locator("h1").inner_text() == "Mon plan d'installation"
    situation = page.locator(".plan__situation").inner_text()
    assert "Enfants : 8 mois, 7 ans" in situation and "Voiture : non" in situation
    titles = page.locator(".plan__section h2").all_inner_texts()
    assert titles[:3] == ["Offres d'emploi", "Garde d'enfants", "Transports"]
    body = page.locator("main").inner_text()
    assert "Micro-crèche Les Petits Galets" in body and "Contact : 02 51 22 00 01" in body
    assert "Location de voitures du Tenu" not in body
    gaps = page.locator(".plan__gaps").inner_text()
    assert "aucun mode de garde aux horaires décalés pour un enfant de 7 ans" in gaps
    assert page.locator(".site-header").is_visible() and page.locator("[data-print]").is_visible()
    axe.check(page, "plan d'installation")
    page.screenshot(path=str(output_dir / "plan-screen.png"), full_page=True)


def test_the_printed_plan_hides_the_site_chrome(page, saved_plan, output_dir):
    page.goto(f"/plan/{saved_plan.token}")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator("[data-print]").is_visible()
    assert page.locator(".plan__section").first.is_visible()
    assert page.locator(".plan__gaps").is_visible()
    page.pdf(path=str(output_dir / "plan-print.pdf"))


def test_an_unknown_or_expired_plan_is_not_found(page, saved_plan):
    response = page.goto("/plan/" + "x" * 32)
    assert response.status == 404 and "Page introuvable" in page.content()
    axe.check(page, "plan introuvable (404)")
    with db.session_scope() as session:
        session.get(InstallationPlan, saved_plan.id).expires_at = datetime.utcnow() - timedelta(seconds=1)
    response = page.goto(f"/plan/{saved_plan.token}")
    assert response.status == 404 and "Micro-crèche" not in page.content()
