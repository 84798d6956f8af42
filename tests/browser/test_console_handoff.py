"""A coordinator takes over a widget conversation in the console, both in real browsers.

Two browser contexts (their own cookies and storage): a visitor with the chat widget on the public
page, and a coordinator logged into /console. The whole guichet runs once for the module (action
server, Rasa server, web site); the console reaches the visitor through Rasa's HTTP API.
"""
import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from knowledge.coordination import accounts, handoff
from knowledge.partners import queries
from tests.browser import axe
from tests.browser.conftest import ANSWER_TIMEOUT_MS, DESKTOP, PageWatch
from tests.browser.test_web_widget import SCRIPT, Widget
from tests.console_helpers import PASSWORD

pytestmark = pytest.mark.e2e

EMAIL = "camille.durand@cotesoin.exemple.fr"
NAME = "Camille Durand"
JOINED = f"{NAME}, de l'équipe de coordination de Côté Soin, a rejoint la conversation."
LEFT = f"{NAME} a quitté la conversation. L'assistant reprend la main : posez-lui vos questions"
# Who the widget shows as speaking: the coordinator's first name on their messages and in the header.
SPEAKER = f"{NAME.split()[0]}, coordination Côté Soin : "
HELD_TITLE = f"{NAME.split()[0]}, coordination Côté Soin"
ASSISTANT_TITLE = "Assistant Côté Soin"
QUESTION = "Je travaille de nuit : est-ce qu'un EHPAD de Pornic pourrait m'accueillir ?"
REPLY = "Bonjour, ici Camille. Oui : l'EHPAD Les Embruns cherche un·e infirmier·ère de nuit, je vous mets en lien."
# The live stream looks at the database and the tracker store every second.
LIVE_TIMEOUT_MS = 15_000


@pytest.fixture
def coordinator_page(browser, site, guichet):
    """A second browser context, with its own cookies, for the coordinator."""
    accounts.add_coordinator(EMAIL, PASSWORD, NAME)
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR", base_url=site)
    page = context.new_page()
    page.set_default_timeout(ANSWER_TIMEOUT_MS)
    page.watch = PageWatch(page, site)
    yield page
    context.close()
    assert page.watch.errors == [], f"erreurs JavaScript dans la console : {page.watch.errors}"
    assert page.watch.dialogs == [], f"boîtes de dialogue ouvertes dans la console : {page.watch.dialogs}"
    assert page.watch.foreign == [], f"requêtes de la console vers un autre site : {page.watch.foreign}"


def log_in(page) -> None:
    page.goto("/console")
    expect(page).to_have_url(re.compile(r"/console/connexion\?suite=(/|%2F)console$"))
    axe.check(page, "console, page de connexion")
    page.get_by_label("Adresse e-mail").fill(EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_have_text("File d'attente")
    expect(page.get_by_role("button", name=f"Se déconnecter ({NAME})")).to_be_visible()


def mark(page) -> None:
    """Set a flag in the page's JavaScript: it is still there as long as the page was not reloaded."""
    page.evaluate("window.__notReloaded = true")


def not_reloaded(page) -> bool:
    return page.evaluate("window.__notReloaded === true")


def tracker_events(guichet, sender_id: str) -> list:
    url = f"{guichet.settings.rasa_url}/conversations/{sender_id}/tracker?token={guichet.settings.rasa_token}"
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.loads(reply.read())["events"]


def test_a_coordinator_takes_over_a_widget_conversation_and_gives_it_back(page, coordinator_page, guichet,
                                                                          output_dir):
    console = coordinator_page
    log_in(console)
    mark(console)

    # The visitor asks for a coordinator; the request shows up in the open queue by itself.
    page.goto("/")
    widget = Widget(page).open().greeted()
    nurse = queries.find_openings(profession="infirmier", communes=["Pornic"])
    assert nurse.openings[0].structure in widget.say("je cherche un poste d'infirmier à Pornic")
    before = widget.bot.count()
    page.locator(".cs-chat__human").click()
    answer = widget.answer_after(before)
    request_id = int(re.search(r"demande n° ?(\d+)", answer).group(1))
    sender = widget.session_id()
    assert handoff.get_request(request_id).sender_id == sender
    row = console.locator(f"tr[data-request='{request_id}']")
    expect(row).to_contain_text("En attente", timeout=LIVE_TIMEOUT_MS)
    expect(row).to_contain_text("site web")
    expect(row).to_contain_text("métier : Infirmier·ère")
    expect(row).to_contain_text("commune : Pornic")
    badge = console.locator("[data-queue-badge]")
    expect(badge).to_have_text("1")
    expect(console).to_have_title(re.compile(r"^\(1\) File d'attente"))
    assert not_reloaded(console), "la file devait se mettre à jour sans recharger la page"

    # The coordinator opens it and claims it: the visitor is told in the widget.
    row.get_by_role("link").click()
    expect(console.locator("h1")).to_contain_text(f"Demande n° {request_id}")
    expect(console.locator(".line--assistant", has_text=f"demande n° {request_id}")).to_have_count(1)
    console.get_by_role("button", name="Prendre en charge").click()
    expect(console.locator("h1 .status")).to_have_text(f"prise par {NAME}")
    expect(badge).to_be_hidden()  # nobody else waits
    expect(widget.bot.last).to_contain_text(JOINED)
    mark(console)

    # While claimed, what the visitor writes shows in the console (live) and the assistant keeps quiet.
    bot_messages = widget.bot.count()
    for said in (QUESTION, SCRIPT):
        widget.input.fill(said)
        widget.input.press("Enter")
        expect(console.locator(".line--user .line__text").last).to_have_text(said, timeout=LIVE_TIMEOUT_MS)
    assert not_reloaded(console), "la transcription devait se mettre à jour sans recharger la page"
    # The markup is text in the console: no element made of it, no dialog (the fixture checks dialogs).
    assert console.locator("[data-transcript-box] script").count() == 0
    # Rasa stores the message once it has handled it, after anything it would have sent: none came.
    page.wait_for_timeout(300)
    assert widget.bot.count() == bot_messages
    expect(page.locator("[data-chat-typing]")).to_be_hidden()  # no « L'assistant écrit… » while a person answers
    events = tracker_events(guichet, sender)
    paused_at = max(i for i, e in enumerate(events) if e["event"] == "pause")
    after_pause = [e for e in events[paused_at:] if e["event"] in ("user", "bot")]
    assert [e["text"] for e in after_pause if e["event"] == "user"] == [QUESTION, SCRIPT]
    assert all((e.get("metadata") or {}).get("coordinator") == NAME for e in after_pause if e["event"] == "bot")

    # The coordinator's reply reaches the widget; the console shows it too.
    console.get_by_label("Votre réponse").fill(REPLY)
    console.get_by_role("button", name="Envoyer").click()
    expect(console.get_by_label("Votre réponse")).to_have_value("")
    # A person, not the assistant: their first name, shown (issue 23).
    expect(widget.bot.last).to_have_text(f"Camille, coordination Côté Soin : {REPLY}")
    expect(console.locator(".line--coordinator .line__text").last).to_have_text(REPLY, timeout=LIVE_TIMEOUT_MS)
    expect(console.locator(".line--coordinator .line__who").last).to_have_text(NAME)
    console.evaluate("document.activeElement.blur(); window.scrollTo(0, 0)")
    console.screenshot(path=str(output_dir / "console-demande.png"))

    # Closed with an outcome: the visitor is told, and the assistant answers again.
    console.locator("#outcome").select_option("answered")
    console.get_by_role("button", name="Clore et rendre la main à l'assistant").click()
    expect(console.locator("h1")).to_have_text("File d'attente")
    expect(console.locator(".notice")).to_contain_text(f"Demande n° {request_id} close (Répondu)")
    expect(console.locator(f"tr[data-request='{request_id}']")).to_have_count(0)
    # The leaving notice is the coordinator's (their name on it), then the assistant speaks again.
    left = widget.bot.last
    expect(left).to_contain_text(LEFT)
    expect(left.locator(".cs-msg__who")).to_have_text(SPEAKER)
    expect(page.locator("#cs-chat-title")).to_have_text(ASSISTANT_TITLE)
    closed = handoff.get_request(request_id)
    assert (closed.status, closed.outcome) == (handoff.CLOSED, "answered")

    # What the visitor wrote to the coordinator (« de nuit ») did not become a search criterion.
    expected = queries.find_openings(profession="aide_soignant", communes=["Pornic"])
    assert expected.openings
    answer = widget.say("offres d'aide-soignant à Pornic")
    assert "(aide-soignant·e à Pornic)" in answer and expected.openings[0].structure in answer


def test_a_request_put_back_in_the_queue_gives_the_widget_back_to_the_assistant(page, coordinator_page):
    """« Remettre dans la file »: the coordinator says they leave, the header is the assistant's again,
    the request waits for a colleague and « Nouvelle conversation » is still refused (the answer would be lost)."""
    console = coordinator_page
    log_in(console)
    page.goto("/")
    widget = Widget(page).open().greeted()
    before = widget.bot.count()
    page.locator(".cs-chat__human").click()
    request_id = int(re.search(r"demande n° ?(\d+)", widget.answer_after(before)).group(1))
    sender = widget.session_id()

    console.goto(f"/console/demandes/{request_id}")
    console.get_by_role("button", name="Prendre en charge").click()
    expect(page.locator("#cs-chat-title")).to_have_text(HELD_TITLE)
    expect(widget.bot.last).to_contain_text(JOINED)

    console.get_by_role("button", name="Remettre dans la file").click()
    expect(console.locator("h1")).to_have_text("File d'attente")
    expect(console.locator(".notice")).to_contain_text(f"Demande n° {request_id} remise dans la file")
    expect(console.locator(f"tr[data-request='{request_id}']")).to_contain_text("En attente")
    assert handoff.get_request(request_id).status == handoff.OPEN

    left = widget.bot.last
    expect(left).to_contain_text(LEFT)
    expect(left.locator(".cs-msg__who")).to_have_text(SPEAKER)
    expect(page.locator("#cs-chat-title")).to_have_text(ASSISTANT_TITLE)
    assert page.evaluate("localStorage.getItem('cotesoin.chat.handoff')") == "requested"
    assert page.evaluate("localStorage.getItem('cotesoin.chat.person')") is None

    page.locator("[data-chat-reset]").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(page.locator(".cs-msg--notice").last).to_contain_text(
        "Votre demande à l'équipe de coordination est en cours")
    assert widget.session_id() == sender
