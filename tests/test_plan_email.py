"""« Recevoir mon plan » by e-mail through the web process's outbox (a real SMTP server on
loopback), and the « Postuler » of the plan's openings in the reply, the page and the e-mail."""
from datetime import datetime, timedelta

import pytest

from actions.plan import ActionPlanEmailSave, ActionPlanLink, ActionPlanReply
from bot.mail import outbox
from knowledge import db
from knowledge.coordination import plans
from knowledge.coordination.models import InstallationPlan
from knowledge.partners import importer, naming
from tests.test_actions import button_payloads, texts
from tests.test_plan import ANSWERED, FOLDER, run

ADDRESS = "ana@exemple.fr"


@pytest.fixture
def plan_db(database_url):
    """The partner data made for the plan's tests (tests/data/knowledge_plan)."""
    importer.import_folder(FOLDER)
    naming.forget()
    return database_url


async def ask_by_email(make_tracker):
    await run(ActionPlanReply, make_tracker(slots=ANSWERED))
    return await run(ActionPlanEmailSave, make_tracker(slots={"plan_email": ADDRESS}))


def row(plan_id):
    with db.session_scope() as session:
        found = session.get(InstallationPlan, plan_id)
        return found.email_sent_at, found.email_attempts, found.email_next_attempt_at


async def test_the_plan_is_emailed_once_with_its_link_sections_and_postuler(plan_db, make_tracker, smtp_server,
                                                                             monkeypatch):
    monkeypatch.setenv("PUBLIC_SITE_URL", "https://cotesoin.test")
    dispatcher, _ = await ask_by_email(make_tracker)
    assert "part à ana@exemple.fr" in texts(dispatcher)
    plan = plans.latest("candidate-42")

    assert await outbox.send_plans_due() == 1
    [mail] = smtp_server.inbox.messages
    assert smtp_server.inbox.recipients == [[ADDRESS]]
    body = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert f"https://cotesoin.test/plan/{plan.token}" in body and f"https://cotesoin.test/plan/{plan.token}" in html
    for title in ("OFFRES D'EMPLOI", "GARDE D'ENFANTS", "CE QUI MANQUE ENCORE"):
        assert title in body
    assert "Postuler : https://cotesoin.test/?postuler=o_kine_rouans" in body
    assert 'href="https://cotesoin.test/?postuler=o_kine_rouans"' in html
    assert "maçon" in body  # the situation the person typed

    # Sent once: the next passes send nothing more.
    assert await outbox.send_plans_due() == 0
    assert await outbox.send_plans_due(datetime.utcnow() + timedelta(days=1)) == 0
    assert len(smtp_server.inbox.messages) == 1
    assert row(plan.id)[0] is not None


async def test_smtp_down_then_back_the_plan_goes_once(plan_db, make_tracker, smtp_server):
    await ask_by_email(make_tracker)
    plan = plans.latest("candidate-42")
    smtp_server.stop()
    now = datetime.utcnow()
    assert await outbox.send_plans_due(now) == 0
    sent_at, attempts, next_attempt = row(plan.id)
    assert sent_at is None and attempts == 1 and next_attempt == now + timedelta(minutes=1)
    smtp_server.start()
    assert await outbox.send_plans_due(now + timedelta(seconds=30)) == 0  # not before its back-off
    assert await outbox.send_plans_due(now + timedelta(minutes=2)) == 1
    assert await outbox.send_plans_due(now + timedelta(hours=2)) == 0
    assert len(smtp_server.inbox.messages) == 1


async def test_without_smtp_host_the_person_is_told_and_given_the_link(plan_db, make_tracker, monkeypatch):
    monkeypatch.delenv("SMTP_HOST", raising=False)
    monkeypatch.setenv("PUBLIC_SITE_URL", "https://cotesoin.test")
    await run(ActionPlanReply, make_tracker(slots=ANSWERED))
    token = plans.latest("candidate-42").token
    dispatcher, _ = await run(ActionPlanLink, make_tracker(text="recevoir mon plan"))
    assert "Je ne peux pas envoyer d'e-mail" in texts(dispatcher)
    assert f"https://cotesoin.test/plan/{token}" in texts(dispatcher)
    assert "/plan_email" not in button_payloads(dispatcher)
    # Asked anyway (typed « par e-mail »): nothing kept, the link given.
    dispatcher, _ = await run(ActionPlanEmailSave, make_tracker(slots={"plan_email": ADDRESS}))
    assert "Je ne peux pas envoyer d'e-mail" in texts(dispatcher) and f"/plan/{token}" in texts(dispatcher)
    assert plans.latest("candidate-42").email is None
    assert await outbox.send_plans_due() == 0


async def test_an_expired_or_erased_plan_is_not_sent(plan_db, make_tracker, smtp_server):
    await ask_by_email(make_tracker)
    plan = plans.latest("candidate-42")
    assert await outbox.send_plans_due(plan.expires_at + timedelta(minutes=1)) == 0
    plans.erase("candidate-42")
    assert await outbox.send_plans_due() == 0
    assert smtp_server.inbox.messages == []


async def test_the_plan_reply_has_a_postuler_button_per_opening_shown(plan_db, make_tracker):
    dispatcher, _ = await run(ActionPlanReply, make_tracker(slots=ANSWERED))
    assert dispatcher.messages[0]["buttons"][0]["payload"] == '/apply{"opening_id":"o_kine_rouans"}'
    assert dispatcher.messages[0]["buttons"][0]["title"].startswith("Postuler — Kinésithérapeute")


async def test_the_plan_page_links_each_opening_to_the_apply_form(plan_db, make_tracker):
    from bot.web.app import init_app
    from tests.test_web import _client, _settings

    await run(ActionPlanReply, make_tracker(slots=ANSWERED))
    token = plans.latest("candidate-42").token
    client = await _client(init_app(_settings()))
    try:
        page = await client.get(f"/plan/{token}")
        assert page.status == 200
        assert 'href="/?postuler=o_kine_rouans"' in await page.text()
    finally:
        await client.close()


async def test_asked_again_within_a_day_it_goes_a_day_after_the_first_and_the_person_is_told(
        plan_db, make_tracker, smtp_server, monkeypatch):
    """Asking « Recevoir mon plan » again and again must not be a way to flood an address."""
    monkeypatch.setenv("PUBLIC_SITE_URL", "https://cotesoin.test")
    await ask_by_email(make_tracker)
    assert await outbox.send_plans_due() == 1
    first_sent = row(plans.latest("candidate-42").id)[0]

    dispatcher, _ = await run(ActionPlanEmailSave, make_tracker(slots={"plan_email": ADDRESS}))
    said = texts(dispatcher)
    assert "je n'écris pas plus souvent à une même adresse" in said and "vers" in said
    assert f"https://cotesoin.test/plan/{plans.latest('candidate-42').token}" in said
    # Asked a third time: still put off, not sent at once.
    dispatcher, _ = await run(ActionPlanEmailSave, make_tracker(slots={"plan_email": ADDRESS}))
    assert "je n'écris pas plus souvent" in texts(dispatcher)
    assert await outbox.send_plans_due(first_sent + timedelta(hours=23)) == 0
    assert await outbox.send_plans_due(first_sent + timedelta(hours=24, minutes=1)) == 1
    assert len(smtp_server.inbox.messages) == 2


async def test_an_address_gets_three_plans_a_day_whatever_the_conversations(plan_db, make_tracker, smtp_server):
    senders = [f"candidate-{n}" for n in range(5)]
    for sender in senders:
        await run(ActionPlanReply, make_tracker(slots=ANSWERED, sender_id=sender))
        await run(ActionPlanEmailSave, make_tracker(slots={"plan_email": ADDRESS.upper()}, sender_id=sender))
    now = datetime.utcnow()
    assert await outbox.send_plans_due(now) == 3
    assert await outbox.send_plans_due(now + timedelta(hours=1)) == 0
    assert len(smtp_server.inbox.messages) == 3
    # Put off, not lost: the other two go once the first of the day is 24 hours old.
    assert await outbox.send_plans_due(now + timedelta(hours=24, minutes=1)) == 2
    assert sorted(r[0] is not None for r in map(row, (plans.latest(s).id for s in senders))) == [True] * 5


async def test_a_server_that_drops_the_connection_is_tried_once_per_pass(plan_db, make_tracker, dropping_smtp):
    senders = [f"candidate-{n}" for n in range(3)]
    for n, sender in enumerate(senders):
        await run(ActionPlanReply, make_tracker(slots=ANSWERED, sender_id=sender))
        await run(ActionPlanEmailSave, make_tracker(slots={"plan_email": f"personne{n}@exemple.fr"}, sender_id=sender))
    assert await outbox.send_plans_due() == 0
    assert dropping_smtp.connections == 1
    assert [row(plans.latest(s).id)[1] for s in senders] == [1, 1, 1]  # each with its back-off
