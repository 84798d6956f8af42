"""Alerts of new openings: subscription with consent, e-mail double opt-in, a new opening imported
→ exactly one digest (real SMTP server; the fake Bot API for Telegram), unsubscribe → none."""
from datetime import datetime, timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import alerts as alert_actions
from bot.alerts import send
from bot.telegram.app import make_bot
from bot.telegram.formatting import CallbackPayloads
from bot.telegram.output import TelegramOutput
from bot.telegram.settings import TelegramSettings
from knowledge import db
from knowledge.coordination import alerts
from knowledge.coordination.models import AlertSubscription
from knowledge.partners import importer, naming
from tests.data.telegram.fake_bot_api import FakeBotApi

CONSENT = "Je peux vous écrire quand une nouvelle offre correspond… D'accord ?"
NEW_OPENING = ("off_pornic_new,hop_pornic,infirmier,Infirmier en hospitalisation à domicile,cdi,temps_plein,"
               "Pornic,2024-03-08,2099-12-31,Nouvelle équipe HAD.,rh@embruns.test\n")
# 10:00 in Paris, after the default digest hour (8), on two days.
DAY_ONE = datetime(2026, 12, 8, 9, 0)
DAY_TWO = DAY_ONE + timedelta(days=1)
TOKEN = "123456789:AAF-test-token-for-alerts"


def import_new_opening(fixture_copy):
    with open(fixture_copy / "offres.csv", "a", encoding="utf-8") as openings:
        openings.write(NEW_OPENING)
    importer.import_folder(fixture_copy)
    naming.forget()


async def run(report_now=DAY_ONE, telegram=None):
    report = send.Report()
    await send.send_confirmations(report)
    await send.send_digests(report, telegram, now=report_now)
    return report


async def test_email_alert_confirmed_then_one_digest_for_a_new_opening(loaded_db, smtp_server, fixture_copy):
    sub = alerts.subscribe("web-1", "socketio", CONSENT, profession="infirmier", communes=["Pornic"],
                           email="lea@exemple.fr")
    import_new_opening(fixture_copy)
    # Not confirmed yet: only the confirmation link goes.
    report = await run()
    assert (report.confirmations, report.digests) == (1, 0)
    [confirmation] = smtp_server.inbox.messages
    assert smtp_server.inbox.recipients == [["lea@exemple.fr"]]
    assert f"/alertes/confirmer/{sub.confirm_token}" in confirmation.get_body(("plain",)).get_content()

    assert alerts.confirm(sub.confirm_token).confirmed
    report = await run()
    assert report.digests == 1 and report.openings == 1  # the openings already there are not sent
    digest = smtp_server.inbox.messages[-1]
    body = digest.get_body(("plain",)).get_content()
    assert "Infirmier en hospitalisation à domicile" in body
    assert "/?postuler=off_pornic_new" in body
    assert digest["List-Unsubscribe"].strip() == f"<{send.unsubscribe_url(alerts.list_subscriptions()[0])}>"
    assert "Infirmier de nuit" not in body

    # Same day: nothing more; next day: nothing new, nothing sent.
    assert (await run()).digests == 0
    assert (await run(DAY_TWO)).digests == 0
    assert len(smtp_server.inbox.messages) == 2


async def test_the_same_alert_asked_twice_is_one_alert_and_one_digest(loaded_db, smtp_server, fixture_copy):
    criteria = {"profession": "infirmier", "communes": ["Pornic"]}
    first = alerts.subscribe("web-1", "socketio", CONSENT, email="lea@exemple.fr", **criteria)
    assert alerts.subscribe("web-1", "socketio", CONSENT, email="lea@exemple.fr", **criteria).id == first.id
    await run()
    assert len(smtp_server.inbox.messages) == 1  # one confirmation link, not two
    alerts.confirm(first.confirm_token)
    # Later, from another conversation, the same criteria for the same address (written otherwise).
    again = alerts.subscribe("web-2", "socketio", CONSENT, email="Lea@Exemple.fr", **criteria)
    assert again.id == first.id and again.confirmed and again.sender_id == "web-2"
    assert len(alerts.list_subscriptions(active_only=False)) == 1
    import_new_opening(fixture_copy)
    report = await run()
    assert (report.confirmations, report.digests, report.openings) == (0, 1, 1)
    assert len(smtp_server.inbox.messages) == 2
    assert "Infirmier en hospitalisation à domicile" in smtp_server.inbox.messages[1].get_body(("plain",)).get_content()
    # « arrêter les alertes » in the latest conversation stops it.
    assert alerts.unsubscribe_sender("web-2") == 1 and alerts.list_subscriptions() == []


def test_other_criteria_or_another_person_make_another_alert(loaded_db):
    first = alerts.subscribe("web-1", "socketio", CONSENT, profession="infirmier", communes=["Pornic"],
                             email="lea@exemple.fr")
    others = [alerts.subscribe("web-1", "socketio", CONSENT, profession="infirmier", communes=["Pornic"],
                               contract="cdd", email="lea@exemple.fr"),
              alerts.subscribe("web-3", "socketio", CONSENT, profession="infirmier", communes=["Pornic"],
                               email="sam@exemple.fr"),
              alerts.subscribe("telegram-4242", "telegram", CONSENT, profession="infirmier", communes=["Pornic"])]
    assert len({first.id, *(o.id for o in others)}) == 4
    assert alerts.subscribe("telegram-4242", "telegram", CONSENT, profession="infirmier",
                            communes=["Pornic"]).id == others[-1].id
    assert len(alerts.list_subscriptions()) == 4


async def test_the_same_alert_asked_again_for_a_confirmed_address_says_so(loaded_db, make_tracker, smtp_server):
    criteria = {"profession": "infirmier", "commune": "Pornic"}
    slots = {**criteria, "alert_consent": "yes", "alert_consent_text": CONSENT, "alert_email": "lea@exemple.fr"}
    dispatcher, _ = await form_run(make_tracker, alert_actions.ActionSaveAlert, sender_id="web-1", slots=slots)
    assert "lien de confirmation" in dispatcher.messages[-1]["text"]
    alerts.confirm(alerts.list_subscriptions()[0].confirm_token)
    dispatcher, _ = await form_run(make_tracker, alert_actions.ActionSaveAlert, sender_id="web-2", slots=slots)
    said = dispatcher.messages[-1]["text"]
    assert "Vous recevez déjà cette alerte à lea@exemple.fr" in said and "lien" not in said
    assert len(alerts.list_subscriptions()) == 1


async def test_the_digest_body_has_a_working_unsubscribe_link(loaded_db, smtp_server, fixture_copy):
    from bot.web.app import init_app
    from tests.test_web import _client, _settings

    sub = alerts.subscribe("web-1", "socketio", CONSENT, profession="infirmier", email="lea@exemple.fr")
    alerts.confirm(sub.confirm_token)
    import_new_opening(fixture_copy)
    await run()
    [digest] = smtp_server.inbox.messages
    link = f"/alertes/arreter/{sub.unsubscribe_token}"
    plain = digest.get_body(("plain",)).get_content()
    assert f"Ne plus recevoir ces alertes : {send.unsubscribe_url(sub)}" in plain
    assert link in digest.get_body(("html",)).get_content()
    client = await _client(init_app(_settings()))
    try:
        opened = await client.get(link)  # the link as a person opens it from the e-mail, then the button
        assert opened.status == 200 and "Arrêter les alertes" in await opened.text()
        stopped = await client.post(link)
        assert stopped.status == 200 and "Alertes arrêtées" in await stopped.text()
    finally:
        await client.close()
    assert alerts.list_subscriptions() == []


@pytest.mark.parametrize("arguments, expected, absent", [
    (["alerts", "list"], ["\tactive\ttelegram 4242\tInfirmier / infirmière à Pornic, CDI\tdepuis le ",
                          "\tà confirmer\tsam@exemple.fr\ttous métiers sur tout le territoire\t"], ["lea@exemple.fr"]),
    (["alerts", "list", "--all"], ["\tarrêtée\tlea@exemple.fr\t", "\tactive\ttelegram 4242\t"], []),
])
def test_cotesoin_alerts_list(loaded_db, capsys, arguments, expected, absent):
    from bot import cli

    assert cli.main(["alerts", "list"]) == 0
    assert capsys.readouterr().out == "Aucune alerte active.\n"
    alerts.subscribe("telegram-4242", "telegram", CONSENT, profession="infirmier", communes=["Pornic"], contract="cdi")
    alerts.subscribe("web-2", "socketio", CONSENT, email="sam@exemple.fr")
    stopped = alerts.subscribe("web-1", "socketio", CONSENT, profession="aide_soignant", email="lea@exemple.fr")
    alerts.unsubscribe_token(stopped.unsubscribe_token)
    assert cli.main(arguments) == 0
    out = capsys.readouterr().out
    for line in expected:
        assert line in out
    for word in absent:
        assert word not in out


async def test_unsubscribed_gets_nothing(loaded_db, smtp_server, fixture_copy):
    sub = alerts.subscribe("web-1", "socketio", CONSENT, profession="infirmier", email="lea@exemple.fr")
    alerts.confirm(sub.confirm_token)
    assert alerts.unsubscribe_token(sub.unsubscribe_token)
    import_new_opening(fixture_copy)
    report = await run()
    assert report.digests == 0
    assert smtp_server.inbox.messages == []


async def test_nothing_goes_before_the_digest_hour(loaded_db, smtp_server, fixture_copy, monkeypatch):
    monkeypatch.setenv("ALERTS_DIGEST_HOUR", "11")
    sub = alerts.subscribe("web-1", "socketio", CONSENT, profession="infirmier", email="lea@exemple.fr")
    alerts.confirm(sub.confirm_token)
    import_new_opening(fixture_copy)
    assert (await run(DAY_ONE)).digests == 0  # 10:00 in Paris
    assert (await run(DAY_ONE + timedelta(hours=1))).digests == 1


async def test_smtp_down_the_digest_goes_at_the_next_pass(loaded_db, smtp_server, fixture_copy):
    sub = alerts.subscribe("web-1", "socketio", CONSENT, profession="infirmier", email="lea@exemple.fr")
    alerts.confirm(sub.confirm_token)
    import_new_opening(fixture_copy)
    smtp_server.stop()
    report = await run()
    assert report.failed >= 1 and report.digests == 0
    smtp_server.start()
    assert (await run(DAY_ONE + timedelta(minutes=10))).digests == 1
    assert (await run(DAY_ONE + timedelta(minutes=20))).digests == 0


async def test_a_server_that_drops_the_connection_is_tried_once_per_pass(loaded_db, dropping_smtp, fixture_copy):
    subs = [alerts.subscribe(f"web-{n}", "socketio", CONSENT, profession="infirmier", email=f"personne{n}@exemple.fr")
            for n in range(3)]
    report = send.Report()
    await send.send_confirmations(report)
    assert (dropping_smtp.connections, report.confirmations, report.failed) == (1, 0, 3)  # 3 not sent, 1 tried
    assert len(alerts.pending_confirmations()) == 3  # all still owed

    for sub in subs:
        alerts.confirm(sub.confirm_token)
    import_new_opening(fixture_copy)
    report = send.Report()
    await send.send_digests(report, now=DAY_ONE)
    assert (dropping_smtp.connections, report.digests) == (2, 0)
    assert len(alerts.due_digests(DAY_ONE)) == 3  # each still owed


async def test_telegram_alert_goes_to_the_chat_with_postuler_buttons(loaded_db, fixture_copy, monkeypatch):
    monkeypatch.delenv("SMTP_HOST", raising=False)
    api = await FakeBotApi(TOKEN).start()
    try:
        bot = make_bot(TelegramSettings(token=TOKEN, secret_token="s3cret_for_tests", api_base_url=api.base_url))
        async with bot:
            output = TelegramOutput(bot, CallbackPayloads())
            alerts.subscribe("telegram-4242", "telegram", CONSENT, profession="infirmier", communes=["Pornic"])
            assert (await run(telegram=output)).digests == 0  # nothing new yet
            import_new_opening(fixture_copy)
            assert (await run(telegram=output)).digests == 1
            assert (await run(DAY_ONE + timedelta(hours=3), telegram=output)).digests == 0
        [sent] = api.sent("sendMessage")
        assert int(sent["chat_id"]) == 4242
        assert "Infirmier en hospitalisation à domicile" in sent["text"] and "/stop_alertes" in sent["text"]
        keyboard = sent["reply_markup"]["inline_keyboard"]
        assert keyboard[0][0]["callback_data"] == '/apply{"opening_id":"off_pornic_new"}'
    finally:
        await api.stop()


def consented_on_day_one() -> None:
    """Put every alert's consent on the tests' timeline (DAY_ONE) instead of the clock's: the
    re-consent tests count twelve months from it."""
    with db.session_scope() as session:
        for row in session.scalars(select(AlertSubscription)):
            row.consent_at = DAY_ONE
            if row.confirmed_at is not None:
                row.confirmed_at = DAY_ONE


def sent_back(hours: int) -> None:
    """Move every confirmation link sent `hours` into the past."""
    with db.session_scope() as session:
        sent = select(AlertSubscription).where(AlertSubscription.confirmation_sent_at.is_not(None))
        for row in session.scalars(sent):
            row.confirmation_sent_at -= timedelta(hours=hours)


async def test_an_address_typed_by_anyone_gets_one_confirmation_link_at_a_time(loaded_db, smtp_server):
    """Anyone can type someone else's address: while a link waits for its confirmation, no other
    link goes to that address, whatever the criteria or the conversation."""
    first = alerts.subscribe("web-1", "socketio", CONSENT, profession="infirmier", email="lea@exemple.fr")
    for n, profession in enumerate(["aide_soignant", "kinesitherapeute", "sage_femme"], start=2):
        alerts.subscribe(f"web-{n}", "socketio", CONSENT, profession=profession, email="LEA@exemple.fr")
    assert (await run()).confirmations == 1
    assert (await run()).confirmations == 0
    sent_back(48)
    assert (await run()).confirmations == 0  # still waiting for the first, days later
    assert len(smtp_server.inbox.messages) == 1

    alerts.confirm(first.confirm_token)  # its owner confirms: the next link goes, one at a time
    assert (await run()).confirmations == 1
    assert (await run()).confirmations == 0
    assert len(smtp_server.inbox.messages) == 2


async def test_the_same_alert_asked_again_gets_its_link_again_once_a_day_at_most(loaded_db, smtp_server):
    for _ in range(3):
        alerts.subscribe("web-1", "socketio", CONSENT, profession="infirmier", email="lea@exemple.fr")
        await run()
    assert len(smtp_server.inbox.messages) == 1
    sent_back(25)  # a day later the person lost the e-mail and asks again: the link goes again
    alerts.subscribe("web-1", "socketio", CONSENT, profession="infirmier", email="lea@exemple.fr")
    assert (await run()).confirmations == 1
    assert len(smtp_server.inbox.messages) == 2
    assert len(alerts.list_subscriptions(active_only=True)) == 1


async def test_opening_a_link_changes_nothing_its_button_confirms_or_stops(loaded_db):
    """A mail scanner opens the links of the e-mails it checks: opening one only shows the alert and
    a button; the button (a POST to the same link) confirms or stops."""
    from bot.web.app import init_app
    from tests.test_web import _client, _settings

    sub = alerts.subscribe("web-1", "socketio", CONSENT, profession="infirmier", email="lea@exemple.fr")
    client = await _client(init_app(_settings()))
    try:
        opened = await client.get(f"/alertes/confirmer/{sub.confirm_token}")
        page = await opened.text()
        assert opened.status == 200 and "Confirmer mon alerte" in page
        assert "Infirmier / infirmière sur tout le territoire" in page
        [waiting] = alerts.list_subscriptions()
        assert not waiting.confirmed
        confirmed = await client.post(f"/alertes/confirmer/{sub.confirm_token}")
        assert confirmed.status == 200 and "Alerte confirmée" in await confirmed.text()
        assert alerts.list_subscriptions()[0].confirmed
        again = await client.get(f"/alertes/confirmer/{sub.confirm_token}")
        assert "Alerte confirmée" in await again.text() and "<form method=\"post\"" not in await again.text()

        opened = await client.get(f"/alertes/arreter/{sub.unsubscribe_token}")
        assert opened.status == 200 and "Arrêter les alertes" in await opened.text()
        assert len(alerts.list_subscriptions()) == 1
        stopped = await client.post(f"/alertes/arreter/{sub.unsubscribe_token}")
        assert stopped.status == 200 and "Alertes arrêtées" in await stopped.text()
        assert alerts.list_subscriptions() == []
        again = await client.get(f"/alertes/arreter/{sub.unsubscribe_token}")
        assert "Alertes arrêtées" in await again.text() and "<form method=\"post\"" not in await again.text()

        for link in ("/alertes/confirmer/made-up", "/alertes/arreter/made-up"):
            for method in (client.get, client.post):
                unknown = await method(link)
                assert unknown.status == 404 and "Lien non valable" in await unknown.text()
    finally:
        await client.close()


async def test_a_mail_client_s_one_click_unsubscribe_stops_at_once(loaded_db):
    """RFC 8058: the client posts « List-Unsubscribe=One-Click » to the List-Unsubscribe address."""
    from bot.web.app import init_app
    from tests.test_web import _client, _settings

    sub = alerts.subscribe("web-1", "socketio", CONSENT, profession="infirmier", email="lea@exemple.fr")
    alerts.confirm(sub.confirm_token)
    client = await _client(init_app(_settings()))
    try:
        stopped = await client.post(f"/alertes/arreter/{sub.unsubscribe_token}", data="List-Unsubscribe=One-Click",
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert stopped.status == 200
    finally:
        await client.close()
    assert alerts.list_subscriptions() == []


# -- the conversation ---------------------------------------------------------------------------------
async def form_run(make_tracker, action, **kwargs):
    dispatcher = CollectingDispatcher()
    events = await action().run(dispatcher, make_tracker(**kwargs), {"forms": {}, "slots": {}})
    return dispatcher, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_consent_is_kept_with_the_criteria_and_stop_alertes_stops(loaded_db, make_tracker):
    criteria = {"profession": "infirmier", "commune": "Pornic", "contract_type": "cdi"}
    dispatcher, slots = await form_run(make_tracker, alert_actions.ActionAskAlertConsent, slots=criteria,
                                       sender_id="telegram-4242")
    consent = slots["alert_consent_text"]
    assert "/stop_alertes" in consent and "pornic" in consent.lower()
    dispatcher, _ = await form_run(make_tracker, alert_actions.ActionSaveAlert, sender_id="telegram-4242",
                                   slots={**criteria, "alert_consent": "yes", "alert_consent_text": consent})
    assert "C'est noté" in dispatcher.messages[-1]["text"]
    [sub] = alerts.list_subscriptions()
    assert (sub.profession, sub.communes, sub.contract, sub.confirmed) == ("infirmier", ["Pornic"], "cdi", True)

    dispatcher, _ = await form_run(make_tracker, alert_actions.ActionStopAlerts, sender_id="telegram-4242",
                                   text="arrêter les alertes", intent="stop_alerts")
    assert "ne recevrez plus" in dispatcher.messages[-1]["text"]
    assert alerts.list_subscriptions() == []


async def test_without_smtp_host_the_email_alert_says_what_really_happens(loaded_db, make_tracker, monkeypatch,
                                                                        smtp_server):
    slots = {"profession": "infirmier", "commune": "Pornic", "alert_consent": "yes", "alert_consent_text": CONSENT,
             "alert_email": "lea@exemple.fr"}
    monkeypatch.delenv("SMTP_HOST")
    dispatcher, _ = await form_run(make_tracker, alert_actions.ActionSaveAlert, sender_id="web-1", slots=slots)
    said = dispatcher.messages[-1]["text"]
    assert "je ne peux pas envoyer d'e-mail pour le moment" in said and "Telegram" in said
    assert "un e-mail part" not in said
    await run()
    assert smtp_server.inbox.messages == []
    # The link waits for a server, as the message says, then goes.
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    assert (await run()).confirmations == 1
    [link] = smtp_server.inbox.messages
    assert alerts.list_subscriptions()[0].confirm_token in link.get_body(("plain",)).get_content()


async def test_with_a_mail_server_the_email_alert_says_a_link_is_on_its_way(loaded_db, make_tracker, smtp_server):
    slots = {"profession": "infirmier", "alert_consent": "yes", "alert_consent_text": CONSENT,
             "alert_email": "lea@exemple.fr"}
    dispatcher, _ = await form_run(make_tracker, alert_actions.ActionSaveAlert, sender_id="web-1", slots=slots)
    assert "un e-mail part vers lea@exemple.fr avec un lien de confirmation" in dispatcher.messages[-1]["text"]


async def test_a_link_held_back_is_said_as_it_is(loaded_db, make_tracker, smtp_server):
    slots = {"profession": "infirmier", "alert_consent": "yes", "alert_consent_text": CONSENT,
             "alert_email": "lea@exemple.fr"}
    await form_run(make_tracker, alert_actions.ActionSaveAlert, sender_id="web-1", slots=slots)
    await run()
    # The same alert asked again the same day: the link already sent is the one to open.
    dispatcher, _ = await form_run(make_tracker, alert_actions.ActionSaveAlert, sender_id="web-1", slots=slots)
    said = dispatcher.messages[-1]["text"]
    assert "il y a moins de 24 heures est toujours valable" in said and "un e-mail part" not in said
    # Another alert for the same address: its link goes once the first is confirmed.
    dispatcher, _ = await form_run(make_tracker, alert_actions.ActionSaveAlert, sender_id="web-1",
                                   slots={**slots, "profession": "aide_soignant"})
    assert "Une autre alerte attend déjà sa confirmation à lea@exemple.fr" in dispatcher.messages[-1]["text"]
    assert (await run()).confirmations == 0


async def test_declined_alert_keeps_nothing(loaded_db, make_tracker):
    dispatcher, _ = await form_run(make_tracker, alert_actions.ActionSaveAlert, slots={"alert_consent": None})
    assert "je ne garde rien" in dispatcher.messages[-1]["text"]
    assert alerts.list_subscriptions(active_only=False) == []


@pytest.mark.parametrize("text, expected", [("lea@exemple.fr", "lea@exemple.fr"), ("mon mail", None)])
async def test_the_email_is_read_like_everywhere(loaded_db, make_tracker, text, expected):
    tracker = make_tracker(slots={"requested_slot": "alert_email", "alert_consent": "yes"}, text=text,
                           intent="inform", active_loop={"name": "alert_form"}, slot_events={"alert_email": text})
    dispatcher = CollectingDispatcher()
    events = await alert_actions.ValidateAlertForm().run(dispatcher, tracker, {"forms": {"alert_form": {
        "required_slots": ["alert_consent", "alert_email"]}}, "slots": {}})
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["alert_email"] == expected


async def test_after_twelve_months_consent_is_asked_again(loaded_db, smtp_server, fixture_copy):
    sub = alerts.subscribe("web-1", "socketio", CONSENT, profession="infirmier", email="lea@exemple.fr")
    alerts.confirm(sub.confirm_token)
    consented_on_day_one()
    await run()  # the first confirmation link
    a_year_later = DAY_ONE + timedelta(days=370)
    report = send.Report()
    await send.send_reconsent(report, now=a_year_later)
    assert report.reconsents == 1
    link = smtp_server.inbox.messages[-1]
    assert link["Subject"] == "Votre alerte Côté Soin : la garder ?"
    [waiting] = alerts.list_subscriptions()
    assert not waiting.confirmed and waiting.confirm_token in link.get_body(("plain",)).get_content()
    import_new_opening(fixture_copy)
    assert (await run(a_year_later)).digests == 0  # nothing while the new consent is missing
    alerts.confirm(waiting.confirm_token)
    assert (await run(a_year_later + timedelta(hours=1))).digests == 1


async def test_the_reconsent_link_outlives_the_next_purge(loaded_db, smtp_server):
    """The re-consent of a year-old alert waits a month from when it was asked, not from the
    subscription's creation (which the next purge took for « never confirmed »)."""
    from bot.web.app import init_app
    from knowledge.coordination import privacy
    from tests.test_web import _client, _settings

    sub = alerts.subscribe("web-1", "socketio", CONSENT, profession="infirmier", email="lea@exemple.fr")
    alerts.confirm(sub.confirm_token)
    consented_on_day_one()
    a_year_later = DAY_ONE + timedelta(days=370)
    await send.send_reconsent(send.Report(), now=a_year_later)
    link = smtp_server.inbox.messages[-1]
    [waiting] = alerts.list_subscriptions()
    body = link.get_body(("plain",)).get_content()
    assert waiting.confirm_token in body and "12 mois" in body and "effacés sous un mois" in body

    assert privacy.purge(now=a_year_later + timedelta(days=1)).alerts == 0
    client = await _client(init_app(_settings()))
    try:
        opened = await client.get(f"/alertes/confirmer/{waiting.confirm_token}")
        page = await opened.text()
        assert opened.status == 200 and "12 mois" in page and "Garder mon alerte" in page
        confirmed = await client.post(f"/alertes/confirmer/{waiting.confirm_token}")
        assert confirmed.status == 200 and "Alerte confirmée" in await confirmed.text()
    finally:
        await client.close()
    [kept] = alerts.list_subscriptions()
    assert kept.confirmed and kept.reconsent_asked_at is None


async def test_a_reconsent_left_unanswered_a_month_is_purged(loaded_db, smtp_server):
    sub = alerts.subscribe("web-1", "socketio", CONSENT, profession="infirmier", email="lea@exemple.fr")
    alerts.confirm(sub.confirm_token)
    consented_on_day_one()
    from knowledge.coordination import privacy

    a_year_later = DAY_ONE + timedelta(days=370)
    await send.send_reconsent(send.Report(), now=a_year_later)
    assert privacy.purge(now=a_year_later + timedelta(days=29)).alerts == 0
    assert privacy.purge(now=a_year_later + timedelta(days=32)).alerts == 1
    assert alerts.list_subscriptions(active_only=False) == []


async def test_smtp_down_at_reconsent_the_link_goes_at_the_next_pass(loaded_db, smtp_server):
    sub = alerts.subscribe("web-1", "socketio", CONSENT, profession="infirmier", email="lea@exemple.fr")
    alerts.confirm(sub.confirm_token)
    consented_on_day_one()
    smtp_server.stop()
    report = send.Report()
    await send.send_reconsent(report, now=DAY_ONE + timedelta(days=370))
    assert (report.failed, report.reconsents) == (1, 0)
    smtp_server.start()
    report = await run(DAY_ONE + timedelta(days=370, minutes=10))
    assert (report.reconsents, report.confirmations, report.failed) == (1, 0, 0)
    [link] = smtp_server.inbox.messages
    assert link["Subject"] == "Votre alerte Côté Soin : la garder ?"
    [waiting] = alerts.list_subscriptions()
    assert f"/alertes/confirmer/{waiting.confirm_token}" in link.get_body(("plain",)).get_content()
    assert (await run(DAY_ONE + timedelta(days=370, minutes=20))).reconsents == 0  # sent once
    assert len(smtp_server.inbox.messages) == 1
    assert alerts.confirm(waiting.confirm_token).confirmed


async def test_an_alert_may_cover_the_neighbouring_communes(loaded_db, make_tracker):
    from knowledge.partners import queries

    criteria = {"profession": "infirmier", "commune": "Pornic"}
    dispatcher, _ = await form_run(make_tracker, alert_actions.ActionAskAlertConsent, slots=criteria,
                                   sender_id="telegram-4242")
    assert "voisines" in [b["payload"] for b in dispatcher.messages[-1]["buttons"]]
    await form_run(make_tracker, alert_actions.ActionSaveAlert, sender_id="telegram-4242",
                   slots={**criteria, "alert_consent": "neighbours", "alert_consent_text": CONSENT})
    [sub] = alerts.list_subscriptions()
    assert sub.communes[0] == "Pornic" and set(sub.communes[1:]) == set(queries.neighbours("Pornic")) - {"Pornic"}
    assert len(sub.communes) > 1


# -- the web process sends the digests by itself ------------------------------------------------------
async def test_the_site_sends_the_digest_from_the_digest_hour_at_most_once_a_day(loaded_db, smtp_server,
                                                                                fixture_copy, monkeypatch):
    """The outbox's pass (bot/mail/outbox.py), at every interval, with a clock the test sets."""
    from bot.mail import outbox

    monkeypatch.setenv("ALERTS_DIGEST_HOUR", "9")
    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    sub = alerts.subscribe("web-1", "socketio", CONSENT, profession="infirmier", communes=["Pornic"],
                           email="lea@exemple.fr")
    alerts.confirm(sub.confirm_token)
    import_new_opening(fixture_copy)
    morning = datetime(2026, 12, 8, 7, 30)  # 8:30 in Paris: before the digest hour
    for minutes in range(0, 30, 10):
        await outbox.one_pass(morning + timedelta(minutes=minutes))
    assert smtp_server.inbox.messages == []
    for minutes in range(30, 120, 10):  # 9:00 in Paris, then every pass of the next hour and a half
        await outbox.one_pass(morning + timedelta(minutes=minutes))
    [digest] = smtp_server.inbox.messages
    assert "/?postuler=off_pornic_new" in digest.get_body(("plain",)).get_content()

    # Another opening the same afternoon waits for the next day, then goes alone.
    with open(fixture_copy / "offres.csv", "a", encoding="utf-8") as openings:
        openings.write(NEW_OPENING.replace("off_pornic_new", "off_pornic_second")
                       .replace("hospitalisation à domicile", "soins palliatifs"))
    importer.import_folder(fixture_copy)
    naming.forget()
    await outbox.one_pass(morning + timedelta(hours=6))
    assert len(smtp_server.inbox.messages) == 1
    await outbox.one_pass(morning + timedelta(days=1, hours=2))
    await outbox.one_pass(morning + timedelta(days=1, hours=3))
    assert len(smtp_server.inbox.messages) == 2
    body = smtp_server.inbox.messages[1].get_body(("plain",)).get_content()
    assert "soins palliatifs" in body and "hospitalisation à domicile" not in body


def test_alerts_send_by_hand_still_works(loaded_db, smtp_server, fixture_copy, monkeypatch, capsys):
    import argparse

    from bot.alerts import cli

    monkeypatch.setenv("ALERTS_DIGEST_HOUR", "0")
    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    sub = alerts.subscribe("web-1", "socketio", CONSENT, profession="infirmier", email="lea@exemple.fr")
    alerts.confirm(sub.confirm_token)
    import_new_opening(fixture_copy)
    assert cli.cmd_send(argparse.Namespace(dry_run=True)) == 0
    assert "Serait envoyé : 1 offre(s)" in capsys.readouterr().out and smtp_server.inbox.messages == []
    assert cli.cmd_send(argparse.Namespace(dry_run=False)) == 0
    assert "1 message(s) du jour" in capsys.readouterr().out and len(smtp_server.inbox.messages) == 1
