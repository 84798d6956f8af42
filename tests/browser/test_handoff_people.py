"""A hand-over as a candidate and a new coordinator live it (issue 23), in two browser contexts.

The candidate asks for a coordinator; « Nouvelle conversation » is refused while the request is
open; the coordinator sees a topic in their words, claims it, and their first name shows in the
widget; what the candidate writes meanwhile is for the coordinator (not understood by the
assistant); « supprimer mes données » still works during the hand-over; the console confirms each
action and finds the request again among « Demandes traitées ». axe-core checks every page.
"""
import re

import pytest
from playwright.sync_api import expect

from knowledge.coordination import handoff
from knowledge.partners import queries
from tests.browser import axe
from tests.browser.conftest import ANSWER_TIMEOUT_MS, PageWatch
from tests.browser.test_console_handoff import LIVE_TIMEOUT_MS, NAME, coordinator_page, log_in, tracker_events  # noqa: F401
from tests.browser.test_web_widget import Widget

pytestmark = pytest.mark.e2e

FIRST_NAME = NAME.split()[0]
SAID = "aide-soignante, je déménage à Saint-Brevin"
FOR_COORDINATOR = "Je travaille de nuit, pouvez-vous m'aider à trouver une crèche ?"
REPLY = "Bonjour, ici Camille. Je regarde les crèches de Saint-Brevin avec vous."
DEVELOPER_WORDS = ("[bouton]", "greet", "intention", "var/review", "exemple d'entraînement", "non précisé",
                   "request_human", "nlu_fallback")


def page_words(page) -> str:
    return page.locator("main").inner_text()


def test_a_hand_over_as_a_candidate_and_a_coordinator_live_it(page, coordinator_page, guichet, output_dir):  # noqa: F811
    console = coordinator_page
    log_in(console)
    axe.check(console, "console, file d'attente vide")

    page.goto("/")
    widget = Widget(page).open().greeted()
    widget.say(SAID)
    before = widget.bot.count()
    page.locator(".cs-chat__human").click()
    request_id = int(re.search(r"demande n° ?(\d+)", widget.answer_after(before)).group(1))
    sender = widget.session_id()

    # 1. No new conversation while the request is open: the answer would be lost.
    page.locator("[data-chat-reset]").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(page.locator(".cs-msg--notice").last).to_contain_text(
        "Votre demande à l'équipe de coordination est en cours")
    assert widget.session_id() == sender

    # 9. The queue says what it is about in the coordinator's words.
    row = console.locator(f"tr[data-request='{request_id}']")
    expect(row).to_contain_text("Saint-Brevin-les-Pins", timeout=LIVE_TIMEOUT_MS)
    for word in DEVELOPER_WORDS:
        assert word not in row.inner_text(), word
    axe.check(console, "console, file d'attente")
    row.get_by_role("link").click()
    expect(console.locator("h1")).to_contain_text(f"Demande n° {request_id}")
    expect(console.locator(".trail")).to_contain_text("demande créée par la personne")
    text = page_words(console)
    for word in DEVELOPER_WORDS:
        assert word not in text, word
    axe.check(console, "console, demande en attente")

    # 8. Each action is confirmed. 3. The coordinator's first name in the widget.
    console.get_by_role("button", name="Prendre en charge").click()
    expect(console.locator(".notice")).to_contain_text(f"Demande n° {request_id} prise en charge")
    expect(page.locator("#cs-chat-title")).to_have_text(f"{FIRST_NAME}, coordination Côté Soin")
    joined = widget.bot.last
    expect(joined).to_contain_text("a rejoint la conversation")
    expect(joined.locator(".cs-msg__who")).to_have_text(f"{FIRST_NAME}, coordination Côté Soin : ")
    expect(joined.locator(".cs-msg__who")).to_be_visible()
    axe.check(page, "widget pendant la prise en charge")

    # 2. What the candidate writes now is for the coordinator, not for understanding.
    widget.input.fill(FOR_COORDINATOR)
    widget.input.press("Enter")
    expect(console.locator(".line--user .line__text").last).to_have_text(FOR_COORDINATOR, timeout=LIVE_TIMEOUT_MS)
    said = [e for e in tracker_events(guichet, sender) if e["event"] == "user" and e["text"] == FOR_COORDINATOR]
    assert said and said[-1]["parse_data"]["intent"]["name"] == "for_coordinator"
    assert said[-1]["parse_data"]["entities"] == []
    users = widget.user.count()
    page.locator(".cs-chat__human").click()  # already with a person: told so, nothing sent
    expect(page.locator(".cs-msg--notice").last).to_have_text(
        f"{FIRST_NAME} vous répond déjà : écrivez votre message ci-dessous.")
    assert widget.user.count() == users

    console.get_by_label("Votre réponse").fill(REPLY)
    console.get_by_role("button", name="Envoyer").click()
    expect(widget.bot.last).to_have_text(f"{FIRST_NAME}, coordination Côté Soin : {REPLY}")
    expect(console.locator(".line--coordinator .line__text").last).to_have_text(REPLY, timeout=LIVE_TIMEOUT_MS)
    console.evaluate("document.activeElement.blur(); window.scrollTo(0, 0)")
    console.screenshot(path=str(output_dir / "console-demande.png"))
    axe.check(console, "console, demande prise en charge")

    # 2. « supprimer mes données » still works, with a reply, and the hand-over ends.
    before = widget.bot.count()
    widget.input.fill("supprimer mes données")
    widget.input.press("Enter")
    answer = widget.answer_after(before, settle_ms=2500)
    assert f"Vous avez mis fin à l'échange avec {NAME}" in answer
    assert "Voulez-vous effacer cette conversation" in answer
    ended = handoff.get_request(request_id)
    assert (ended.status, ended.outcome) == (handoff.CLOSED, handoff.ENDED_BY_PERSON)
    expect(page.locator("#cs-chat-title")).to_have_text("Assistant Côté Soin")

    # 8. The closed request is found again, by outcome and commune.
    console.get_by_role("link", name="Demandes traitées").click()
    expect(console.locator("h1")).to_have_text("Demandes traitées")
    found = console.locator(f"tr[data-request='{request_id}']")
    expect(found).to_contain_text("Arrêtée par la personne")
    axe.check(console, "console, demandes traitées")
    console.get_by_label("Commune").select_option("Saint-Brevin-les-Pins")
    console.get_by_label("Issue").select_option("answered")
    console.get_by_role("button", name="Rechercher").click()
    expect(console.locator(".empty")).to_have_text("Aucune demande traitée ne correspond à cette recherche.")
    console.get_by_label("Issue").select_option(handoff.ENDED_BY_PERSON)
    console.get_by_role("button", name="Rechercher").click()
    expect(console.locator(f"tr[data-request='{request_id}']")).to_be_visible()

    # The erasure is done once confirmed: the conversation and the request are gone.
    before = widget.bot.count()
    widget.input.fill("oui")
    widget.input.press("Enter")
    page.wait_for_function("() => !localStorage.getItem('cotesoin.chat.session')")
    with pytest.raises(queries.NotFound):
        handoff.get_request(request_id)
    assert not [e for e in tracker_events(guichet, sender) if e["event"] == "user"]


def claim_and_reply(console, request_id: int, reply: str) -> None:
    """In the console: open the request from the queue, take it, answer."""
    console.goto("/console")
    row = console.locator(f"tr[data-request='{request_id}']")
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    row.get_by_role("link").click()
    console.get_by_role("button", name="Prendre en charge").click()
    expect(console.locator(".notice")).to_contain_text(f"Demande n° {request_id} prise en charge")
    console.get_by_label("Votre réponse").fill(reply)
    console.get_by_role("button", name="Envoyer").click()
    expect(console.locator(".line--coordinator .line__text").last).to_have_text(reply, timeout=LIVE_TIMEOUT_MS)


def history_ids(page) -> list:
    return page.evaluate("JSON.parse(localStorage.getItem('cotesoin.chat.history') || '[]')"
                         ".filter(e => e.id).map(e => e.id)")


def test_a_reply_written_while_the_candidates_page_was_closed_is_there_when_she_comes_back(
        page, context, coordinator_page, site):  # noqa: F811
    """Issue 23, point 1: socket.io reaches only the pages open at the time; the widget gets what it
    missed from the server when it connects again, once, under the coordinator's name."""
    console = coordinator_page
    log_in(console)
    page.goto("/")
    widget = Widget(page).open().greeted()
    widget.say(SAID)
    before = widget.bot.count()
    page.locator(".cs-chat__human").click()
    request_id = int(re.search(r"demande n° ?(\d+)", widget.answer_after(before)).group(1))
    page.close()  # she leaves the site; her browser keeps the conversation

    claim_and_reply(console, request_id, REPLY)

    back = context.new_page()
    back.set_default_timeout(ANSWER_TIMEOUT_MS)
    back.watch = PageWatch(back, site)
    back.goto("/")
    expect(back.locator("[data-chat-badge]")).to_be_visible()  # something new, the panel still closed
    widget = Widget(back).open()
    reply = widget.bot.filter(has_text=REPLY)
    expect(reply).to_have_count(1)
    expect(reply.locator(".cs-msg__who")).to_have_text(f"{FIRST_NAME}, coordination Côté Soin : ")
    expect(widget.bot.filter(has_text="a rejoint la conversation")).to_have_count(1)
    expect(back.locator("#cs-chat-title")).to_have_text(f"{FIRST_NAME}, coordination Côté Soin")
    axe.check(back, "widget rouvert : la réponse arrivée pendant l'absence")

    # A reload during the hand-over shows each message once, the reply included.
    shown = back.locator(".cs-msg").count()
    ids = history_ids(back)
    back.reload()
    widget = Widget(back)
    widget.launcher.click()
    expect(widget.bot.filter(has_text=REPLY)).to_have_count(1)
    back.wait_for_timeout(1500)  # what the server sends again on connecting has arrived
    expect(back.locator(".cs-msg")).to_have_count(shown)
    assert history_ids(back) == ids and len(ids) == len(set(ids))
    expect(back.locator("#cs-chat-title")).to_have_text(f"{FIRST_NAME}, coordination Côté Soin")
    assert back.watch.errors == [] and back.watch.dialogs == [] and back.watch.foreign == []
