"""Browser tests: the whole guichet (action server, Rasa, web site) driven by Debian's chromium.

The guichet runs like `cotesoin run` starts it, on free ports with a fresh SQLite database holding
the demo data and the latest trained model (`make train`). Playwright (the Python package; its
driver is bundled, no browser is downloaded) drives /usr/bin/chromium, installed by `.ci/run`,
headless, without sandbox (CI runs as root) and without any background network traffic.
Screenshots go to test-output/browser/.
"""
import os
import time
from pathlib import Path
from typing import Iterator, List

import pytest
from playwright import sync_api as playwright_api

from bot import services
from knowledge.settings import PROJECT_ROOT
from tests.guichet import running_guichet

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
OUTPUT = PROJECT_ROOT / "test-output" / "browser"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
# Rasa answers in about a second here; the first answer of a fresh server takes longer.
ANSWER_TIMEOUT_MS = 45_000


@pytest.fixture(scope="module")
def guichet(tmp_path_factory) -> Iterator[services.Assistant]:
    """Action server, Rasa server and web site on free ports, demo data in a fresh SQLite database."""
    with running_guichet(tmp_path_factory.mktemp("var"), web=True) as assistant:
        yield assistant


def restart(assistant: services.Assistant, service: services.Service, timeout: float = 300) -> None:
    """Start one stopped service again and wait until it answers."""
    service.start(assistant.environment())
    deadline = time.monotonic() + timeout
    while not service.ready():
        if service.exited():
            raise service.failure("arrêté pendant le redémarrage")
        assert time.monotonic() < deadline, f"{service.name} pas prêt à temps"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def browser() -> Iterator["playwright_api.Browser"]:
    assert CHROMIUM.exists(), f"{CHROMIUM} manque : apt-get install chromium (ce que fait .ci/run)"
    with playwright_api.sync_playwright() as playwright:
        # Playwright gives each launch a new empty profile (its own --user-data-dir).
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        yield launched
        launched.close()


class PageWatch:
    """What a page did that it should not: dialogs opened, script errors, requests to other origins."""

    def __init__(self, page, origin: str):
        self.dialogs: List[str] = []
        self.errors: List[str] = []
        self.requests: List[str] = []
        self.foreign: List[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", self._request)
        self.origin = origin

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _request(self, request) -> None:
        self.requests.append(request.url)
        if not (request.url.startswith(self.origin + "/") or request.url.startswith(("data:", "about:"))):
            self.foreign.append(request.url)


@pytest.fixture
def site(guichet) -> str:
    return guichet.settings.web_url


@pytest.fixture
def context(browser, site):
    made = browser.new_context(viewport=DESKTOP, locale="fr-FR", base_url=site)
    yield made
    made.close()


@pytest.fixture
def page(context, site):
    opened = context.new_page()
    opened.set_default_timeout(ANSWER_TIMEOUT_MS)
    opened.watch = PageWatch(opened, site)
    yield opened
    assert opened.watch.errors == [], f"erreurs JavaScript : {opened.watch.errors}"
    assert opened.watch.dialogs == [], f"boîtes de dialogue ouvertes : {opened.watch.dialogs}"
    assert opened.watch.foreign == [], f"requêtes vers un autre site : {opened.watch.foreign}"


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
