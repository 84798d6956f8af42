"""Personal data: export, erasure (command and the tracker store's own), and the retention purge.

Each test proves data is gone from every table: the tracker store's `events`, the requests, their
notes (the audit trail keeps no message and no contact).
"""
import json
from datetime import datetime, timedelta

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import func, select

from bot import cli
from bot.tracker_store import WindowedSQLTrackerStore
from knowledge import db
from knowledge.audit import AuditEntry
from knowledge.coordination import accounts, handoff, privacy, transcripts
from knowledge.coordination.models import CoordinatorRequest, RequestNote
from knowledge.partners import name_masking
from tests.console_helpers import PASSWORD
from tests.test_console import store, tracker_store  # noqa: F401  (fixture)


def epoch(moment: datetime) -> float:
    return (moment - datetime(1970, 1, 1)).total_seconds()


def stored_events(sender: str) -> int:
    with transcripts.engine().connect() as connection:
        return connection.scalar(select(func.count()).where(transcripts.events.c.sender_id == sender))


def rows(model, **where) -> int:
    with db.session_scope() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query)


@pytest.fixture
def conversations(loaded_db, tracker_store):  # noqa: F811
    """Two conversations with a request each; the first with a consented contact and a note."""
    coordinator = accounts.add_coordinator("camille.martin@cotesoin.fr", PASSWORD, "Camille")
    store("web-1", {"event": "user", "text": "Bonjour, je m'appelle Léa, 06 12 34 56 78"},
          {"event": "bot", "text": "Bonjour !"})
    store("telegram-42", {"event": "user", "text": "offres à Pornic"})
    first, _ = handoff.record_request("web-1", "socketio", "jobs", {"profession": "infirmier"})
    handoff.save_contact(first, "lea@example.fr", "Acceptez-vous que nous gardions…")
    handoff.add_note(first, coordinator.id, "Léa rappelle lundi")
    second, _ = handoff.record_request("telegram-42", "telegram", "jobs", {})
    return first, second


def test_export_gives_messages_requests_contact_consent_and_notes(conversations):
    data = privacy.export("web-1")
    assert [m["text"] for m in data["messages"]] == ["Bonjour, je m'appelle Léa, 06 12 34 56 78", "Bonjour !"]
    [request] = data["requests"]
    assert request["contact"] == "lea@example.fr"
    assert request["contact_consent_text"] == "Acceptez-vous que nous gardions…" and request["contact_consent_at"]
    assert request["notes"][0]["text"] == "Léa rappelle lundi"
    json.dumps(data)  # JSON-ready


def test_erase_removes_the_conversation_everywhere_and_nothing_else(conversations):
    first, second = conversations
    erased = privacy.erase("web-1")
    assert (erased.events, erased.requests) == (2, 1)
    assert stored_events("web-1") == 0
    assert rows(CoordinatorRequest, sender_id="web-1") == 0
    assert rows(RequestNote) == 0
    assert stored_events("telegram-42") == 1 and handoff.get_request(second).sender_id == "telegram-42"
    with db.session_scope() as session:
        details = " ".join(a.detail for a in session.scalars(select(AuditEntry)))
    assert "lea@example.fr" not in details and "Léa" not in details
    exported = privacy.export("web-1")
    assert (exported["messages"], exported["requests"]) == ([], [])


def test_the_cli_exports_and_erases(conversations, tmp_path, capsys):
    out = tmp_path / "export.json"
    assert cli.main(["privacy", "export", "web-1", "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["requests"][0]["contact"] == "lea@example.fr"
    assert cli.main(["privacy", "erase", "web-1", "--yes"]) == 0
    assert "2 événements" in capsys.readouterr().out
    assert stored_events("web-1") == 0 and rows(CoordinatorRequest, sender_id="web-1") == 0
    assert cli.main(["privacy", "export", "web-1"]) == 1
    assert "Aucune donnée" in capsys.readouterr().err


@pytest.mark.parametrize("moment, months, expected", [
    (datetime(2026, 11, 24, 3), 12, datetime(2025, 11, 24, 3)),
    (datetime(2026, 5, 31), 3, datetime(2026, 2, 28)),
    (datetime(2026, 1, 15), 3, datetime(2025, 10, 15)),
])
def test_months_before(moment, months, expected):
    assert privacy.months_before(moment, months) == expected


def test_purge_applies_the_retention_policy_and_dry_run_changes_nothing(loaded_db, tracker_store):  # noqa: F811
    coordinator = accounts.add_coordinator("camille.martin@cotesoin.fr", PASSWORD, "Camille")
    now = datetime(2026, 11, 24, 12)
    store("old", {"event": "user", "text": "vieux message", "timestamp": epoch(now - timedelta(days=400))})
    store("recent", {"event": "user", "text": "message récent", "timestamp": epoch(now - timedelta(days=30))})
    old_request, _ = handoff.record_request("old", "socketio", "jobs", {})
    contact_request, _ = handoff.record_request("contact", "telegram", "jobs", {})
    fresh_request, _ = handoff.record_request("fresh", "telegram", "jobs", {})
    for request_id, closed_days_ago in ((old_request, 400), (contact_request, 100), (fresh_request, 10)):
        handoff.save_contact(request_id, "06 12 34 56 78", "consentement")
        handoff.claim(request_id, coordinator.id)
        handoff.add_note(request_id, coordinator.id, "note")
        handoff.close(request_id, coordinator.id, "answered")
        with db.session_scope() as session:
            session.get(CoordinatorRequest, request_id).closed_at = now - timedelta(days=closed_days_ago)

    dry = privacy.purge(now=now, dry_run=True)
    assert (dry.events, dry.conversations, dry.requests, dry.contacts) == (1, 1, 1, 2)
    assert stored_events("old") == 1 and rows(CoordinatorRequest) == 3

    done = privacy.purge(now=now)
    assert (done.events, done.requests, done.contacts) == (1, 1, 2)
    assert stored_events("old") == 0 and stored_events("recent") == 1
    assert rows(CoordinatorRequest, id=old_request) == 0 and rows(RequestNote, request_id=old_request) == 0
    kept = handoff.get_request(contact_request)
    assert kept.contact is None
    assert privacy.export("contact")["requests"][0]["contact_consent_text"] is None
    assert handoff.get_request(fresh_request).contact == "06 12 34 56 78"
    again = privacy.purge(now=now)
    assert (again.events, again.requests, again.contacts) == (0, 0, 0)


def test_notes_that_outlive_their_conversation_are_kept_with_names_and_addresses_masked(
        loaded_db, tracker_store):  # noqa: F811
    """The purge deletes the messages; a request still kept keeps its notes, but not who they name."""
    coordinator = accounts.add_coordinator("camille.martin@cotesoin.fr", PASSWORD, "Camille")
    now = datetime(2026, 11, 24, 12)
    store("long-ago", {"event": "user", "text": "Je suis Léa Martin", "timestamp": epoch(now - timedelta(days=400))})
    request_id, _ = handoff.record_request("long-ago", "socketio", "housing", {})
    handoff.claim(request_id, coordinator.id)  # still held: the request is kept
    old_note = "Léa Martin habite 12 rue des Lilas, rappeler au 06 12 34 56 78 pour un logement à Pornic."
    handoff.add_note(request_id, coordinator.id, old_note)
    handoff.add_note(request_id, coordinator.id, "Léa Martin a rappelé hier.")
    with db.session_scope() as session:
        first = session.scalars(select(RequestNote).where(RequestNote.request_id == request_id)
                                .order_by(RequestNote.id)).first()
        first.created_at = now - timedelta(days=400)

    def notes():
        with db.session_scope() as session:
            return list(session.scalars(select(RequestNote.text).where(RequestNote.request_id == request_id)
                                        .order_by(RequestNote.id)))

    name_masking.forget()  # the communes of this test's database
    assert privacy.purge(now=now, dry_run=True).notes_masked == 1 and notes()[0] == old_note
    done = privacy.purge(now=now)
    assert done.events == 1 and done.notes_masked == 1
    masked, recent = notes()
    for gone in ("Léa", "Martin", "rue des Lilas", "06 12 34 56 78"):
        assert gone not in masked, masked
    assert "logement à Pornic" in masked and "[nom masqué]" in masked
    assert recent == "Léa Martin a rappelé hier."  # within the retention: as written
    assert privacy.purge(now=now).notes_masked == 0  # masked once


def test_the_cli_purge_dry_run_says_what_would_go(loaded_db, tracker_store, capsys):  # noqa: F811
    store("old", {"event": "user", "text": "vieux", "timestamp": epoch(datetime.utcnow() - timedelta(days=800))})
    assert cli.main(["privacy", "purge", "--dry-run"]) == 0
    assert "1 événements (1 conversations) seraient supprimés" in capsys.readouterr().out
    assert stored_events("old") == 1


# -- the tracker store forgets a conversation when the person asks ------------------------------------
async def test_the_tracker_store_deletes_the_conversation_after_the_erasing_turn(tmp_path):
    store_ = WindowedSQLTrackerStore(host=f"sqlite:///{tmp_path / 'trackers.db'}")
    for sender in ("web-1", "web-2"):
        tracker = DialogueStateTracker(sender, slots=[])
        tracker.update(UserUttered("je cherche un poste", {"name": "search_jobs"}))
        tracker.update(BotUttered("Voici"))
        await store_.save(tracker)
    tracker = await store_.retrieve("web-1")
    tracker.update(UserUttered("oui", {"name": "affirm"}))
    tracker.update(ActionExecuted("action_yes"))
    tracker.update(BotUttered("Vos données sont effacées."))
    tracker.update(SlotSet("data_erased", True))
    tracker.update(ActionExecuted("action_listen"))
    await store_.save(tracker)
    assert await store_.retrieve("web-1") is None
    assert len((await store_.retrieve("web-2")).events) == 2
    tracker = DialogueStateTracker("web-2", slots=[])
    tracker.update(UserUttered("encore", {"name": "affirm"}))
    tracker.update(ActionExecuted("action_listen"))
    await store_.save(tracker)  # an ordinary turn is saved as usual


def test_endpoints_yml_makes_rasa_use_the_privacy_store(tmp_path, monkeypatch):
    """Rasa falls back to an in-memory store, silently, when the class cannot be imported."""
    from rasa.core.tracker_store import TrackerStore
    from rasa.core.utils import read_endpoints_from_path

    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:9/webhook")
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'trackers.db'}")
    created = TrackerStore.create(read_endpoints_from_path("endpoints.yml").tracker_store)
    assert isinstance(created, WindowedSQLTrackerStore)


# -- « Supprimer mes données » in the conversation ------------------------------------------------------
async def test_asking_to_erase_asks_for_confirmation_first(loaded_db, make_tracker):
    from actions.privacy import ActionConfirmErase
    from tests.test_actions import run, slot, texts

    handoff.record_request("candidate-42", "socketio", "jobs", {})
    dispatcher, events = await run(ActionConfirmErase, make_tracker(intent="erase_my_data"))
    assert "C'est définitif" in texts(dispatcher)
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert slot(events, "pending") == "erase"
    assert len(handoff.open_requests()) == 1


async def test_yes_erases_the_requests_and_marks_the_turn_for_the_tracker_store(loaded_db, make_tracker):
    from actions.dialogue import ActionNo, ActionYes
    from tests.test_actions import run, slot, texts

    request_id, _ = handoff.record_request("candidate-42", "socketio", "jobs", {})
    handoff.save_contact(request_id, "lea@example.fr", "consentement")
    handoff.record_request("someone-else", "telegram", "jobs", {})
    dispatcher, events = await run(ActionNo, make_tracker(slots={"pending": "erase"}, intent="deny"))
    assert rows(CoordinatorRequest, sender_id="candidate-42") == 1 and slot(events, "data_erased") == "unset"

    dispatcher, events = await run(ActionYes, make_tracker(slots={"pending": "erase"}, intent="affirm"))
    assert "sont effacées de nos serveurs" in texts(dispatcher)
    assert dispatcher.messages[-1]["custom"] == {"data": {"erased": True}}  # the widget forgets its copy
    assert slot(events, "data_erased") is True and slot(events, "pending") is None
    assert rows(CoordinatorRequest, sender_id="candidate-42") == 0
    assert rows(CoordinatorRequest, sender_id="someone-else") == 1


def test_erase_without_a_terminal_refuses_clearly_and_erases_nothing(conversations):
    """`cotesoin privacy erase` from a script or a cron job: no EOFError traceback, nothing erased."""
    import os
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-m", "bot.cli", "privacy", "erase", "web-1"], stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.getcwd()}, timeout=120)
    assert result.returncode == 2
    assert "Ajoutez --yes" in result.stderr and "Traceback" not in result.stderr
    assert stored_events("web-1") == 2 and rows(CoordinatorRequest, sender_id="web-1") == 1


# -- applications and CV files -------------------------------------------------------------------
def _application_with_cv(sender: str, monkeypatch, tmp_path):
    from knowledge.coordination import applications, cv_files

    monkeypatch.setenv("COTESOIN_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("SMTP_HOST", raising=False)
    token = cv_files.issue_token(sender)
    stored = cv_files.save(token, "cv.pdf", b"%PDF-1.4")
    cv_files.issue_token(sender)  # a second token, never used
    applications.record("off_pornic_4", sender, "rest", "Léa Durand", "lea@example.fr", "", "J'accepte.",
                        cv_token=token)
    return stored.path


def test_export_and_erase_cover_applications_and_cv_files(conversations, monkeypatch, tmp_path):
    from pathlib import Path

    from knowledge.coordination.models import Application, CvUpload

    cv = _application_with_cv("web-1", monkeypatch, tmp_path)
    _application_with_cv("telegram-42", monkeypatch, tmp_path)
    [exported] = privacy.export("web-1")["applications"]
    assert exported["name"] == "Léa Durand" and exported["cv"] == "cv.pdf"

    erased = privacy.erase("web-1")
    assert erased.applications == 1
    assert not Path(cv).exists()
    assert rows(Application, sender_id="web-1") == 0 and rows(CvUpload, sender_id="web-1") == 0
    assert rows(Application, sender_id="telegram-42") == 1


async def test_erasing_in_the_conversation_removes_applications_cv_files_and_alerts(loaded_db, make_tracker,
                                                                                     monkeypatch, tmp_path):
    """« Supprimer mes données » then « oui » (actions/privacy.py::erase_data), not only the CLI."""
    from pathlib import Path

    from actions.dialogue import ActionYes
    from knowledge.coordination import alerts
    from knowledge.coordination.models import AlertSubscription, Application, CvUpload
    from tests.test_actions import run

    cv = _application_with_cv("candidate-42", monkeypatch, tmp_path)
    other_cv = _application_with_cv("someone-else", monkeypatch, tmp_path)
    alerts.subscribe("candidate-42", "socketio", "J'accepte les alertes.", profession="infirmier",
                     email="lea@example.fr")
    alerts.subscribe("someone-else", "socketio", "J'accepte les alertes.", profession="infirmier",
                     email="sam@example.fr")
    await run(ActionYes, make_tracker(slots={"pending": "erase"}, intent="affirm"))
    assert not Path(cv).exists()
    assert Path(other_cv).exists()  # the other person's file stays
    assert rows(Application, sender_id="candidate-42") == 0 and rows(CvUpload, sender_id="candidate-42") == 0
    assert rows(AlertSubscription, sender_id="candidate-42") == 0
    assert rows(Application, sender_id="someone-else") == 1 and rows(AlertSubscription, sender_id="someone-else") == 1


def test_purge_deletes_applications_after_the_retention(conversations, monkeypatch, tmp_path):
    from pathlib import Path

    from knowledge.coordination.models import Application

    cv = _application_with_cv("web-1", monkeypatch, tmp_path)
    assert privacy.purge(now=datetime.utcnow() + timedelta(days=30)).applications == 0
    later = datetime.utcnow() + timedelta(days=7 * 31)
    assert privacy.purge(now=later, dry_run=True).applications == 1
    assert Path(cv).exists()
    assert privacy.purge(now=later).applications == 1
    assert not Path(cv).exists() and rows(Application) == 0


def test_an_application_is_kept_six_months_after_it_was_sent_not_after_it_was_written(
        conversations, monkeypatch, tmp_path):
    """Sent two months after it was written (SMTP down, or transmitted by hand): counted from the sending."""
    from knowledge.coordination.applications import SENT
    from knowledge.coordination.models import Application

    _application_with_cv("web-1", monkeypatch, tmp_path)
    with db.session_scope() as session:
        application = session.scalars(select(Application)).one()
        application.status, application.sent_at = SENT, datetime.utcnow() + timedelta(days=60)
    assert privacy.purge(now=datetime.utcnow() + timedelta(days=7 * 31)).applications == 0
    assert privacy.purge(now=datetime.utcnow() + timedelta(days=60 + 7 * 31)).applications == 1


def test_export_and_erase_cover_alert_subscriptions(conversations):
    from knowledge.coordination import alerts

    alerts.subscribe("web-1", "socketio", "J'accepte les alertes.", profession="infirmier", email="lea@example.fr")
    alerts.subscribe("telegram-42", "telegram", "J'accepte les alertes.", profession="infirmier")
    [exported] = privacy.export("web-1")["alerts"]
    assert exported["email"] == "lea@example.fr" and exported["consent_text"] == "J'accepte les alertes."
    assert privacy.erase("web-1").alerts == 1
    assert [s.sender_id for s in alerts.list_subscriptions(active_only=False)] == ["telegram-42"]


def test_purge_deletes_stopped_and_never_confirmed_alerts(conversations):
    from knowledge.coordination import alerts

    alerts.subscribe("web-1", "socketio", "J'accepte.", email="lea@example.fr")  # never confirmed
    kept = alerts.subscribe("telegram-42", "telegram", "J'accepte.")
    later = datetime.utcnow() + timedelta(days=40)
    assert privacy.purge(now=later).alerts == 1
    assert [s.id for s in alerts.list_subscriptions(active_only=False)] == [kept.id]
