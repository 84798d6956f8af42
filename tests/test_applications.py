"""Applications: the outbox in the database, e-mailed to a real SMTP server (aiosmtpd on loopback),
retried when the server is down, queued when the contact is not an e-mail."""
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.mail import outbox
from knowledge.coordination import applications, cv_files
from knowledge.partners.queries import NotFound
from tests.mail_helpers import SmtpServer

CONSENT = "J'accepte que ma candidature soit transmise au Centre hospitalier des Embruns."


@pytest.fixture
def var_dir(tmp_path, monkeypatch):
    folder = tmp_path / "var"
    monkeypatch.setenv("COTESOIN_VAR_DIR", str(folder))
    return folder


def apply(opening_id="off_pornic_4", contact="camille.martin@exemple.fr", message="Disponible dès mars.",
          sender="candidate-42", **extra):
    return applications.record(opening_id, sender, "rest", "Camille Martin", contact, message, CONSENT, **extra)


async def test_application_is_emailed_to_the_opening_contact_with_reply_to_the_candidate(loaded_db, smtp_server):
    recorded = apply()
    assert recorded.status == applications.PENDING
    assert recorded.reference.startswith("CS-")

    assert await outbox.send_due() == 1

    [mail] = smtp_server.inbox.messages
    assert smtp_server.inbox.recipients == [["rh@embruns.test"]]
    assert mail["Reply-To"] == "Camille Martin <camille.martin@exemple.fr>"
    assert recorded.reference in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Infirmier remplacement congé maternité" in part
        assert "Disponible dès mars." in part
        assert "Pas de CV joint" in part
    stored = applications.get(recorded.id)
    assert stored.status == applications.SENT
    assert [e.action for e in stored.events] == ["recorded", "sent"]
    # Nothing left to send: a second pass sends nothing more.
    assert await outbox.send_due() == 0
    assert len(smtp_server.inbox.messages) == 1


async def test_message_is_escaped_in_the_html_part(loaded_db, smtp_server):
    apply(message="<script>alert(1)</script> & merci")
    await outbox.send_due()
    html = smtp_server.inbox.messages[0].get_body(("html",)).get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


async def test_smtp_down_then_back_sends_once_and_loses_nothing(loaded_db, smtp_server):
    recorded = apply()
    smtp_server.stop()

    assert await outbox.send_due() == 0
    failed = applications.get(recorded.id)
    assert failed.status == applications.PENDING
    assert failed.attempts == 1
    assert failed.events[-1].action == "attempt_failed"
    # Not retried before its back-off has passed.
    assert await outbox.send_due() == 0
    assert applications.get(recorded.id).attempts == 1

    smtp_server.start()
    later = datetime.utcnow() + applications.retry_delay(1) + timedelta(seconds=1)
    assert await outbox.send_due(now=later) == 1
    assert await outbox.send_due(now=later + timedelta(hours=2)) == 0

    assert len(smtp_server.inbox.messages) == 1
    sent = applications.get(recorded.id)
    assert sent.status == applications.SENT
    assert [e.action for e in sent.events] == ["recorded", "attempt_failed", "sent"]


async def test_a_server_that_drops_the_connection_is_tried_once_per_pass(loaded_db, dropping_smtp, monkeypatch):
    """Each try would cost as long (up to 30 s for a server that does not answer): the first
    failure ends the pass, the others keep their back-off, and nothing is lost."""
    recorded = [apply(sender=f"candidate-{n}") for n in range(3)]
    assert await outbox.send_due() == 0
    assert dropping_smtp.connections == 1
    assert [applications.get(a.id).attempts for a in recorded] == [1, 1, 1]
    assert {applications.get(a.id).status for a in recorded} == {applications.PENDING}

    server = SmtpServer()  # the server back
    server.start()
    try:
        monkeypatch.setenv("SMTP_PORT", str(server.port))
        later = datetime.utcnow() + applications.retry_delay(1) + timedelta(seconds=1)
        assert await outbox.send_due(now=later) == 3
    finally:
        server.stop()
    assert len(server.inbox.messages) == 3


async def test_after_every_attempt_failed_it_goes_to_the_coordinators(loaded_db, smtp_server, monkeypatch):
    monkeypatch.setattr(applications, "MAX_ATTEMPTS", 2)
    recorded = apply()
    smtp_server.stop()
    now = datetime.utcnow()
    await outbox.send_due(now=now)
    await outbox.send_due(now=now + timedelta(hours=2))
    assert applications.get(recorded.id).status == applications.FAILED
    assert applications.get(recorded.id).status_label == "échec d'envoi — à transmettre"


def test_back_off_doubles_up_to_an_hour():
    assert [applications.retry_delay(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert applications.retry_delay(30) == timedelta(hours=1)


def test_only_an_email_address_is_sent_by_email():
    assert applications.email_address("mailto:rh@embruns.test") == "rh@embruns.test"
    for contact in ("02 40 00 00 03", "https://ehpad-rouans.test/recrutement", "", "rh at embruns"):
        assert applications.email_address(contact) is None


async def test_contact_that_is_not_an_email_goes_to_the_queue(loaded_db, smtp_server):
    # The EHPAD of Rouans publishes no e-mail: its phone is the contact.
    assert applications.opening_target("off_rouans_as").recipient == "02 40 00 00 03"
    recorded = apply(opening_id="off_rouans_as")
    assert recorded.status == applications.QUEUED
    assert await outbox.send_due() == 0
    assert smtp_server.inbox.messages == []
    assert [a.reference for a in applications.list_applications(status=applications.QUEUED)] == [recorded.reference]


async def test_without_smtp_host_every_application_is_queued(loaded_db, monkeypatch):
    monkeypatch.delenv("SMTP_HOST", raising=False)
    recorded = apply()
    assert recorded.status == applications.QUEUED
    assert "SMTP_HOST" in applications.get(recorded.id).events[-1].detail


def test_closed_or_unknown_opening_is_refused(loaded_db):
    with pytest.raises(NotFound):
        apply(opening_id="off_old_pornic")
    with pytest.raises(NotFound):
        apply(opening_id="nope")


def test_console_lists_per_opening_and_structure(loaded_db, monkeypatch):
    monkeypatch.delenv("SMTP_HOST", raising=False)
    first = apply(opening_id="off_pornic_4")
    second = apply(opening_id="off_pornic_2", sender="other")
    apply(opening_id="off_rouans_as", sender="third")
    assert [a.id for a in applications.list_applications(opening_id="off_pornic_4")] == [first.id]
    assert {a.id for a in applications.list_applications(structure_id="hop_pornic")} == {first.id, second.id}


def test_erase_removes_rows_and_cv_files(loaded_db, var_dir):
    token = cv_files.issue_token("candidate-42")
    stored = cv_files.save(token, "mon cv.pdf", b"%PDF-1.4 test")
    apply(cv_token=token)
    apply(sender="someone-else")
    assert applications.erase("candidate-42") == 1
    assert not Path(stored.path).exists()
    assert list((var_dir / "cv").iterdir()) == []
    assert applications.for_sender("candidate-42") == []
    assert len(applications.for_sender("someone-else")) == 1


async def test_cv_is_attached_with_its_real_type(loaded_db, smtp_server, var_dir):
    token = cv_files.issue_token("candidate-42")
    cv_files.save(token, "CV Camille.pdf", b"%PDF-1.7\n" + b"x" * 1000)
    apply(cv_token=token)
    await outbox.send_due()
    [mail] = smtp_server.inbox.messages
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "CV Camille.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF-1.7")
    assert "CV joint : CV Camille.pdf" in mail.get_body(("plain",)).get_content()


def test_cv_of_another_conversation_is_not_attached(loaded_db, var_dir, monkeypatch):
    monkeypatch.delenv("SMTP_HOST", raising=False)
    token = cv_files.issue_token("someone-else")
    cv_files.save(token, "cv.pdf", b"%PDF-1.4")
    assert apply(cv_token=token).cv_path is None
