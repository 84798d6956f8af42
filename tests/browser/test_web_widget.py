"""The public page and its chat widget in a real browser, against the real guichet.

Each test gets a fresh browser context (empty localStorage: a new visitor). The module starts the
action server, the Rasa server and the web site once (about a minute); the Rasa restart test runs
last.
"""
import asyncio
import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import socketio
from playwright.sync_api import expect

from knowledge.coordination import handoff
from knowledge.partners import queries
from tests.browser.conftest import PHONE, restart

pytestmark = pytest.mark.e2e

SCRIPT = "<script>alert(1)</script>"


class Widget:
    """The chat widget of a page, seen the way a visitor uses it."""

    def __init__(self, page):
        self.page = page
        self.launcher = page.locator("#cs-launcher")
        self.panel = page.locator("#cs-chat")
        self.input = page.locator("#cs-chat-input")
        self.hint = page.locator("#cs-chat-hint")
        self.offline = page.locator("[data-chat-offline]")
        self.bot = page.locator(".cs-msg--bot")
        self.user = page.locator(".cs-msg--user")
        self.replies = page.locator(".cs-replies button")

    def open(self) -> "Widget":
        self.launcher.click()
        expect(self.panel).to_be_visible()
        expect(self.input).to_be_focused()
        return self

    def greeted(self) -> "Widget":
        expect(self.bot.first).to_contain_text("Côté Soin")
        # A new conversation opens with what is kept, why and for how long.
        expect(self.page.locator(".cs-msg--notice").first).to_contain_text("Vos messages sont conservés 12 mois")
        expect(self.replies.first).to_be_visible()
        return self

    def answer_after(self, before: int, settle_ms: int = 1200) -> str:
        """The bot's messages after the first `before`, once no more arrive (Rasa sends parts one by one)."""
        self.page.wait_for_function("n => document.querySelectorAll('.cs-msg--bot').length > n", arg=before)
        count, stable_since = self.bot.count(), time.monotonic()
        while (time.monotonic() - stable_since) * 1000 < settle_ms:
            self.page.wait_for_timeout(200)
            if self.bot.count() != count:
                count, stable_since = self.bot.count(), time.monotonic()
        return "\n".join(self.bot.all_inner_texts()[before:])

    def say(self, text: str) -> str:
        before = self.bot.count()
        self.input.fill(text)
        self.input.press("Enter")
        return self.answer_after(before)

    def session_id(self) -> str:
        return self.page.evaluate("localStorage.getItem('cotesoin.chat.session')")


# -- the page ------------------------------------------------------------------------------------
def test_the_page_presents_cote_soin_from_the_database(page):
    page.goto("/")
    expect(page).to_have_title("Côté Soin — travailler dans le soin au Pays de Retz")
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(page.locator("h1")).to_contain_text("Pays de Retz")
    partners = page.locator("#partenaires").locator("xpath=..").inner_text()
    structures = queries.find_structures()
    assert len(structures) >= 30
    for structure in structures:
        assert structure.name in partners
    professions = page.locator(".profession__name").all_inner_texts()
    assert sorted(professions) == sorted(p.label for p in queries.list_professions())
    communes = page.locator(".communes li").all_inner_texts()
    assert [c.split(" (")[0] for c in communes] == queries.commune_names()
    assert len(communes) == 21
    expect(page.locator("footer a[href='/confidentialite']")).to_be_visible()
    expect(page.locator("#cs-launcher")).to_be_visible()
    # Everything the page loaded came from this server (the fixture fails on any other origin).
    assert any(url.endswith(".js") or "/static/vendor/socket.io.min.js" in url for url in page.watch.requests)


def test_the_privacy_page_and_a_missing_page_are_in_french(page):
    page.goto("/")
    page.locator("footer a[href='/confidentialite']").click()
    expect(page.locator("h1")).to_have_text("Confidentialité et données personnelles")
    expect(page.locator("main")).to_contain_text("à compléter par le délégué à la protection des données")
    expect(page.locator("main")).to_contain_text("Hôpital Intercommunal du Pays de Retz")
    response = page.goto("/nulle-part")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Page introuvable")
    assert "Traceback" not in page.content()


# -- talking to the assistant ----------------------------------------------------------------------
def test_a_job_question_in_a_commune_names_the_structure(page, output_dir):
    expected = queries.find_openings(profession="aide_soignant", communes=["Rouans"])
    assert expected.openings
    page.goto("/")
    widget = Widget(page).open().greeted()
    answer = widget.say("je cherche un poste d'aide soignante à Rouans")
    for opening in expected.openings:
        assert opening.structure in answer
    # The contact e-mail became a link; line breaks are kept (no raw markup shown).
    assert page.locator(".cs-msg--bot a[href^='mailto:']").count() >= 1
    assert "\n" in answer and "**" not in answer
    page.screenshot(path=str(output_dir / "widget-desktop.png"))


def test_a_quick_reply_button_sends_its_payload_and_shows_its_title(page):
    page.goto("/")
    widget = Widget(page).open().greeted()
    before = widget.bot.count()
    page.locator(".cs-replies button", has_text="Offres d'emploi").click()
    expect(widget.user.last).to_have_text("Vous : Offres d'emploi")
    assert "Quel métier" in widget.answer_after(before)
    expect(page.locator(".cs-replies button", has_text="Se former")).to_have_count(0)  # the old choices went


def test_the_conversation_survives_a_reload_and_another_page(page, guichet):
    page.goto("/")
    widget = Widget(page).open().greeted()
    widget.say("je cherche un poste d'aide soignante à Rouans")
    session = widget.session_id()
    messages = page.locator(".cs-msg").all_inner_texts()
    assert session and len(messages) >= 3

    page.reload()
    expect(widget.panel).to_be_visible()  # it was open: it opens again
    expect(page.locator(".cs-msg")).to_have_count(len(messages))
    assert page.locator(".cs-msg").all_inner_texts() == messages

    page.locator("#cs-chat a[href='/confidentialite']").click()
    expect(page.locator("h1")).to_have_text("Confidentialité et données personnelles")
    expect(page.locator(".cs-msg")).to_have_count(len(messages))
    page.go_back()
    expect(page.locator(".cs-msg")).to_have_count(len(messages))

    expected = queries.find_openings(profession="aide_soignant", communes=["Pornic"])
    answer = widget.say("je cherche un poste d'aide soignante à Pornic")
    assert expected.openings[0].structure in answer
    assert widget.session_id() == session
    # One conversation on the server, before and after the reload, from the socket.io channel.
    url = f"{guichet.settings.rasa_url}/conversations/{session}/tracker?token={guichet.settings.rasa_token}"
    with urllib.request.urlopen(url, timeout=30) as reply:
        events = json.loads(reply.read())["events"]
    said = [e["text"] for e in events if e["event"] == "user"]
    assert said == ["/greet", "je cherche un poste d'aide soignante à Rouans",
                    "je cherche un poste d'aide soignante à Pornic"]
    assert {e["input_channel"] for e in events if e["event"] == "user"} == {"socketio"}


def test_the_widget_fits_a_phone_screen(browser, site, output_dir):
    context = browser.new_context(viewport=PHONE, base_url=site, locale="fr-FR", has_touch=True, is_mobile=True,
                                  device_scale_factor=2)
    try:
        page = context.new_page()
        page.goto("/")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
        widget = Widget(page).open().greeted()
        box = widget.panel.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
        answer = widget.say("je cherche un logement pour mon stage à Paimboeuf")
        assert any(h.name in answer for h in queries.find_housing(["Paimbœuf"]))
        for element in ("#cs-chat-input", ".cs-chat__send", ".cs-chat__human", ".cs-chat__privacy a"):
            element_box = page.locator(element).bounding_box()
            assert element_box["x"] + element_box["width"] <= PHONE["width"], element
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
        notice = page.locator(".cs-chat__privacy")
        line = notice.evaluate("p => parseFloat(getComputedStyle(p).lineHeight)")
        assert notice.bounding_box()["height"] < 1.5 * line  # the privacy notice holds on one line
        page.screenshot(path=str(output_dir / "widget-phone.png"))
    finally:
        context.close()


def test_the_widget_works_with_the_keyboard_alone(page):
    page.goto("/")
    opener = page.locator(".hero [data-chat-open]")
    for _ in range(20):
        page.keyboard.press("Tab")
        if opener.evaluate("b => b === document.activeElement"):
            break
    expect(opener).to_be_focused()
    assert opener.evaluate("b => getComputedStyle(b).outlineStyle") != "none"  # a visible focus
    page.keyboard.press("Enter")
    widget = Widget(page)
    expect(widget.panel).to_be_visible()
    expect(widget.input).to_be_focused()
    widget.greeted()
    assert widget.panel.get_attribute("role") == "dialog"
    log = page.locator("[data-chat-log]")
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"
    assert page.locator("label[for='cs-chat-input']").inner_text() == "Votre message"

    before = widget.bot.count()
    page.keyboard.type("je cherche un poste d'infirmier")
    page.keyboard.press("Enter")
    assert "quelle commune" in widget.answer_after(before).lower()
    # Back from the text box to the proposed communes, and choose one with Enter.
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.closest('.cs-replies') !== null"):
            break
    choice = page.evaluate("document.activeElement.textContent")
    before = widget.bot.count()
    page.keyboard.press("Enter")
    expect(widget.user.last).to_have_text(f"Vous : {choice}")
    assert widget.answer_after(before)
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(opener).to_be_focused()


def test_markup_from_the_person_or_a_coordinator_shows_as_text(page, guichet):
    page.goto("/")
    widget = Widget(page).open().greeted()
    scripts = page.locator("script").count()
    answer = widget.say(SCRIPT)
    expect(widget.user.last).to_have_text(f"Vous : {SCRIPT}")
    assert answer.strip()

    # A coordinator writes into the conversation through Rasa's HTTP API, as the console will.
    text = "Bonjour, ici Camille. <img src=x onerror=alert(2)> <script>alert(3)</script>\nVoir https://exemple.fr/offres."
    before = widget.bot.count()
    url = (f"{guichet.settings.rasa_url}/conversations/{widget.session_id()}/tracker/events"
           f"?output_channel=socketio&execute_side_effects=true&token={guichet.settings.rasa_token}")
    request = urllib.request.Request(url, data=json.dumps([{"event": "bot", "text": text}]).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=30) as reply:
        assert reply.status == 200
    assert "<script>alert(3)</script>" in widget.answer_after(before)
    last = widget.bot.last
    assert last.locator("img, script").count() == 0
    assert last.locator("a").get_attribute("href") == "https://exemple.fr/offres"
    assert page.locator("script").count() == scripts
    page.wait_for_timeout(500)  # an injected handler would have fired by now (the fixture checks dialogs)


def test_bad_input_gets_a_french_answer_and_the_widget_keeps_working(page):
    page.goto("/")
    widget = Widget(page).open().greeted()
    sent = widget.user.count()

    widget.input.press("Enter")
    expect(widget.hint).to_have_text("Écrivez votre message avant d'envoyer.")
    widget.input.fill("   ")
    page.locator(".cs-chat__send").click()
    expect(widget.hint).to_have_text("Écrivez votre message avant d'envoyer.")

    widget.input.fill("a" * 5000)
    expect(page.locator("[data-chat-count]")).to_have_text("5\u202f000 / 1\u202f000 caractères")
    widget.input.press("Enter")
    expect(widget.hint).to_contain_text("5\u202f000 caractères : 1\u202f000 au plus")
    assert widget.user.count() == sent

    widget.input.fill("")
    answer = widget.say("🙂🙂🙂")
    assert answer.strip() and any(word in answer for word in ("vous", "Côté Soin", "coordinat"))
    expect(widget.hint).to_have_text("")
    assert "Côté Soin" in widget.say("bonjour")


def test_the_socket_refuses_bad_input_from_other_clients_in_french(guichet):
    """What a client other than the widget might send, straight to /socket.io/ through the site.

    The client runs in its own thread: sync Playwright keeps an event loop running in this one.
    """
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _send_bad_input(guichet.settings.web_url)).result(timeout=180)


async def _send_bad_input(site: str) -> None:
    client = socketio.AsyncClient(reconnection=False)
    answers, confirmed = [], []
    client.on("bot_uttered", lambda data: answers.append(data))
    client.on("session_confirm", lambda data: confirmed.append(data["session_id"]))
    await client.connect(site, socketio_path="/socket.io/", transports=["polling"],
                         wait_timeout=20)
    try:
        await client.emit("session_request", {"session_id": "telegram-123456"})
        await _until(lambda: confirmed)
        session = confirmed[0]
        assert len(session) == 32 and session != "telegram-123456"  # not someone else's conversation
        for message, expected in [("", "Votre message est vide"), ("a" * 5000, "trop long (5\u202f000 caractères"),
                                  (42, None), ("bonjour", "Côté Soin")]:
            answers.clear()
            await client.emit("user_uttered", {"message": message, "session_id": "telegram-123456"})
            if expected is None:
                await client.sleep(1)
                assert answers == []
            else:
                await _until(lambda: any(expected in a.get("text", "") for a in answers))
    finally:
        # abort: python-engineio's polling client would otherwise wait out a long-poll (about 30 s).
        await client.eio.disconnect(abort=True)


async def _until(condition, timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "pas de réponse à temps"
        await asyncio.sleep(0.1)


def test_parler_a_un_coordinateur_records_the_request(page):
    page.goto("/")
    widget = Widget(page).open().greeted()
    before = widget.bot.count()
    page.locator(".cs-chat__human").click()
    expect(widget.user.last).to_have_text("Vous : Parler à un coordinateur")
    assert "demande n°" in widget.answer_after(before)
    [request] = [r for r in handoff.open_requests() if r.sender_id == widget.session_id()]
    assert request.channel == "socketio"


# -- last: the Rasa server goes away and comes back -----------------------------------------------
def test_the_widget_recovers_after_the_rasa_server_restarts(page, guichet):
    page.goto("/")
    widget = Widget(page).open().greeted()
    widget.say("je cherche un poste d'aide soignante à Rouans")
    messages = widget.bot.count()

    guichet.rasa.stop()
    expect(widget.offline).to_be_visible(timeout=30_000)
    expect(widget.offline).to_have_text("Connexion perdue, nouvelle tentative…")
    widget.input.fill("bonjour")
    widget.input.press("Enter")  # written while offline: waits in the queue
    expect(widget.hint).to_have_text("Votre message partira dès le retour de la connexion.")

    restart(guichet, guichet.rasa)
    back = time.monotonic()
    expect(widget.offline).to_be_hidden(timeout=15_000)  # socket.io-client retries at least every 5 s
    print(f"widget reconnecté {time.monotonic() - back:.1f} s après le retour de Rasa")
    assert "Côté Soin" in widget.answer_after(messages)  # the queued message was answered
    expect(page.locator(".cs-msg--notice").last).to_have_text("Connexion rétablie.")
    expected = queries.find_openings(profession="aide_soignant", communes=["Pornic"])
    assert expected.openings[0].structure in widget.say("un poste d'aide soignante à Pornic")
