"""« Postuler » in the widget, in Chromium, against the real guichet and a real SMTP server.

The guichet (action server, Rasa, web site) runs with SMTP_* pointing at aiosmtpd on loopback and
its outbox sender checking every second: an application sent from the widget arrives there.
"""
import time

import pytest
from playwright.sync_api import expect

from knowledge.coordination import applications
from tests.browser.test_web_widget import Widget
from tests.guichet import running_guichet
from tests.mail_helpers import SmtpServer

pytestmark = pytest.mark.e2e
MAIL_WAIT_S = 30


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def guichet(tmp_path_factory, smtp):
    env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port), "SMTP_STARTTLS": "false",
           "MAIL_FROM": "Côté Soin <guichet@cotesoin.test>", "OUTBOX_INTERVAL_SECONDS": "1"}
    with running_guichet(tmp_path_factory.mktemp("var"), web=True, env=env) as assistant:
        yield assistant


def wait_for_mail(smtp, count: int):
    deadline = time.monotonic() + MAIL_WAIT_S
    while len(smtp.inbox.messages) < count:
        assert time.monotonic() < deadline, "l'e-mail de candidature n'est pas arrivé"
        time.sleep(0.2)
    return smtp.inbox.messages[count - 1]


def click(widget: Widget, title: str) -> str:
    before = widget.bot.count()
    widget.page.locator(".cs-replies button", has_text=title).first.click()
    return widget.answer_after(before)


def start_application(page) -> Widget:
    page.goto("/")
    widget = Widget(page).open().greeted()
    found = widget.say("je cherche un poste d'infirmière à Pornic")
    assert "offre" in found
    postuler = page.locator(".cs-replies button", has_text="Postuler")
    assert postuler.count() >= 1
    answer = click(widget, "Postuler")
    assert "Candidature à l'offre" in answer and "prénom et votre nom" in answer
    assert "adresse e-mail ou à quel numéro" in widget.say("Camille Martin")
    assert "quelques mots" in widget.say("camille.martin@exemple.fr")
    assert "CV" in widget.say("Disponible dès mars, de jour comme de nuit.")
    expect(page.locator("[data-chat-file]")).to_have_count(1)
    return widget


def test_apply_without_a_cv_sends_the_email(page, smtp):
    widget = start_application(page)
    summary = click(widget, "Pas de CV")
    assert "Camille Martin" in summary and "CV : (aucun)" in summary and "En touchant « Envoyer »" in summary
    sent_before = len(smtp.inbox.messages)
    confirmation = click(widget, "Envoyer")
    assert "référence CS-" in confirmation
    mail = wait_for_mail(smtp, sent_before + 1)
    assert mail["Reply-To"] == "Camille Martin <camille.martin@exemple.fr>"
    assert "Disponible dès mars" in mail.get_body(("plain",)).get_content()
    assert list(mail.iter_attachments()) == []


def test_apply_with_a_cv_refused_then_taken(page, smtp, tmp_path):
    widget = start_application(page)
    fake = tmp_path / "cv.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a pdf at all")
    before = widget.bot.count()
    page.locator("[data-chat-file]").set_input_files(str(fake))
    assert "ni un PDF" in widget.answer_after(before)
    real = tmp_path / "Mon CV.pdf"
    real.write_bytes(b"%PDF-1.4\n% test\n" + b"0" * 500)
    before = widget.bot.count()
    page.locator("[data-chat-file]").set_input_files(str(real))
    answer = widget.answer_after(before)
    assert "CV reçu : Mon CV.pdf" in answer and "CV : Mon CV.pdf" in answer
    expect(widget.user.last).to_contain_text("📎 Mon CV.pdf")
    sent_before = len(smtp.inbox.messages)
    confirmation = click(widget, "Envoyer")
    reference = confirmation.split("référence ")[1].split(")")[0]
    mail = wait_for_mail(smtp, sent_before + 1)
    assert reference in mail["Subject"]
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "Mon CV.pdf"
    assert attachment.get_content().startswith(b"%PDF-1.4")
    [stored] = [a for a in applications.list_applications() if a.reference == reference]
    assert stored.status == applications.SENT


def test_annuler_in_the_middle_keeps_nothing(page):
    page.goto("/")
    widget = Widget(page).open().greeted()
    widget.say("je cherche un poste d'infirmière à Pornic")
    count = len(applications.list_applications())
    click(widget, "Postuler")
    widget.say("Dominique Leroy")
    assert "rien gardé" in widget.say("annuler")
    assert len(applications.list_applications()) == count


def test_the_postuler_link_of_an_alert_email_opens_the_form(page):
    page.goto("/?postuler=O001")
    widget = Widget(page)
    expect(widget.panel).to_be_visible()
    expect(widget.bot.last).to_contain_text("prénom et votre nom")
    assert "Candidature à l'offre" in "\n".join(widget.bot.all_inner_texts())
    assert "postuler" not in page.url


def test_the_cv_button_comes_back_after_a_reload_and_goes_once_used(page, smtp, tmp_path):
    widget = start_application(page)
    page.reload()
    widget = Widget(page)
    expect(page.locator("[data-chat-file]")).to_have_count(1)  # the panel reopens on the same step
    cv = tmp_path / "CV Camille.pdf"
    cv.write_bytes(b"%PDF-1.4\n% test\n" + b"0" * 500)
    before = widget.bot.count()
    page.locator("[data-chat-file]").set_input_files(str(cv))
    assert "CV reçu : CV Camille.pdf" in widget.answer_after(before)
    page.reload()
    expect(Widget(page).user.last).to_contain_text("📎 CV Camille.pdf")
    expect(page.locator("[data-chat-file]")).to_have_count(0)
