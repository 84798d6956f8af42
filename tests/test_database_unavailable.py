"""The partner database locked or damaged (issue 22, point 5): French answers, hand-over requests
kept on disk and replayed, the site's health check says so and its pages do not 500."""
import asyncio
import json
import sqlite3
import time

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import OperationalError

from actions import alerts as alert_actions
from actions import apply
from actions.apply import ValidateApplyForm
from actions.forms import ValidateJobSearchForm
from actions.handoff import ActionRequestHuman
from actions.jobs import ActionSearchJobs
from actions.living import ActionHousing
from actions.plan import ActionPlanReply
from actions.plan_form import SLOTS as PLAN_SLOTS
from actions.plan_form import ActionPlanStart, ValidatePlanForm
from bot.web.app import init_app
from knowledge import db
from knowledge.coordination import handoff, handoff_spool
from knowledge.partners import importer, naming
from knowledge.texts import text
from tests.conftest import FIXTURE_DIR
from tests.test_web import _client, _settings


@pytest.fixture
def var(tmp_path, monkeypatch):
    monkeypatch.setenv("COTESOIN_VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


@pytest.fixture
def damaged_database(tmp_path, monkeypatch):
    """DATABASE_URL pointing at a file that is not a database any more (a disk incident)."""
    path = tmp_path / "cotesoin.db"
    path.write_bytes(b"ceci n'est pas une base SQLite " * 200)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    db.dispose()
    naming.forget()
    yield
    db.dispose()


@pytest.fixture
def locked_database(sqlite_url, monkeypatch):
    """The SQLite database locked by another process writing for longer than the wait allowed."""
    importer.import_folder(FIXTURE_DIR)
    monkeypatch.setenv("DATABASE_URL", sqlite_url + "?timeout=0.2")
    db.dispose()
    naming.forget()
    holder = sqlite3.connect(sqlite_url[len("sqlite:///"):])
    holder.execute("BEGIN EXCLUSIVE")
    yield
    holder.rollback()
    holder.close()
    db.dispose()


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action().run(dispatcher, tracker, {"slots": {}, "forms": {}})
    return [m["text"] for m in dispatcher.messages], events


@pytest.mark.parametrize("action, slots", [
    (ActionSearchJobs, {"profession": "infirmier", "commune": "Pornic"}),
    (ActionHousing, {"commune": "Pornic"}),
])
@pytest.mark.parametrize("broken", ["damaged_database", "locked_database"])
async def test_questions_get_a_french_service_unavailable_answer(request, make_tracker, action, slots, broken, var):
    request.getfixturevalue(broken)
    messages, _ = await run(action, make_tracker(slots=slots))
    assert messages == [text("service_unavailable")]
    assert "momentanément indisponible" in messages[0]


async def test_a_hand_over_request_is_kept_and_recorded_once_the_database_is_back(
        database_url, make_tracker, damaged_database, var):
    # database_url set DATABASE_URL to a good database first; damaged_database then replaced it.
    tracker = make_tracker(slots={"topic": "jobs", "profession": "infirmier"}, sender_id="web-panne")
    messages, events = await run(ActionRequestHuman, tracker)
    assert messages == [text("handoff_kept")]
    [kept] = handoff_spool.waiting()
    assert oct(kept.stat().st_mode & 0o777) == "0o600" and oct(kept.parent.stat().st_mode & 0o777) == "0o700"
    with pytest.raises(Exception):
        handoff_spool.replay()  # still unavailable: the file stays
    assert handoff_spool.waiting() == [kept]

    db.dispose()
    import os
    os.environ["DATABASE_URL"] = database_url  # the database is back (monkeypatch restores it after)
    assert handoff_spool.replay() == 1
    [request] = [r for r in handoff.open_requests() if r.sender_id == "web-panne"]
    assert request.topic == "jobs" and request.channel == "rest" and request.criteria.get("profession")
    assert handoff_spool.waiting() == []


def test_an_unreadable_kept_file_is_set_aside(var, database_url):
    handoff_spool.spool_dir().mkdir(parents=True)
    (handoff_spool.spool_dir() / "abime.json").write_text("{pas du json")
    assert handoff_spool.replay() == 0
    assert handoff_spool.waiting() == [] and (handoff_spool.spool_dir() / "abime.bad").exists()


async def test_the_site_says_the_database_is_down_and_its_pages_do_not_500(damaged_database, var):
    site = await _client(init_app(_settings()))
    try:
        health = await site.get("/healthz")
        assert health.status == 503 and await health.json() == {"status": "dégradé", "database": "indisponible"}
        assert (await site.get("/healthz/process")).status == 200
        home = await site.get("/", headers={"Accept": "text/html"})
        body = await home.text()
        assert home.status == 503 and "Service momentanément indisponible" in body and "Traceback" not in body
    finally:
        await site.close()


# -- forms and their questions (the way a job question takes) ----------------------------------------
def _form_domain(form, slots):
    return {"forms": {form: {"required_slots": list(slots)}}, "slots": {}}


async def _form_validation(action, make_tracker, form, required, said, slots=None, slot_events=None,
                           requested=None, entities=None):
    tracker = make_tracker(slots={**(slots or {}), "requested_slot": requested}, text=said, intent="inform",
                           entities=entities, active_loop={"name": form}, slot_events=slot_events)
    dispatcher = CollectingDispatcher()
    events = await action().run(dispatcher, tracker, _form_domain(form, required))
    return [m["text"] for m in dispatcher.messages], events


def _ends_the_form(events):
    """The form stops: the events a validation or a question returns to end it at once."""
    return any(e.get("event") == "active_loop" and e["name"] is None for e in events) and any(
        e.get("event") == "slot" and e["name"] == "requested_slot" and e["value"] is None for e in events)


FORM_TURNS = {
    # « je cherche un poste d'infirmier »: the job search form starts with the profession given.
    "job_search": (ValidateJobSearchForm, "job_search_form", ["profession", "commune"],
                   "je cherche un poste d'infirmier", {}, {"profession": "infirmier"}, None),
    "plan_commune": (ValidatePlanForm, "plan_form", list(PLAN_SLOTS), "à Pornic",
                     {"plan_profession": "infirmier"}, {}, "plan_commune"),
    "apply_opening": (ValidateApplyForm, "apply_form", ["apply_opening", "apply_name"],
                      '/apply{"opening_id":"off_pornic_4"}', {}, {"apply_opening": "off_pornic_4"}, None),
}


@pytest.mark.parametrize("turn", FORM_TURNS)
@pytest.mark.parametrize("broken", ["damaged_database", "locked_database"])
async def test_a_form_ends_with_the_french_answer_when_the_database_cannot_answer(request, make_tracker, turn,
                                                                                 broken, var):
    request.getfixturevalue(broken)
    action, form, required, said, slots, slot_events, requested = FORM_TURNS[turn]
    messages, events = await _form_validation(action, make_tracker, form, required, said, slots, slot_events,
                                              requested)
    assert messages == [text("service_unavailable")]
    assert _ends_the_form(events)


QUESTIONS = {
    "plan_start": (ActionPlanStart, {"profession": "infirmier", "commune": "Pornic"}, None),
    "apply_name": (apply.ActionAskApplyName, {"apply_opening": "off_pornic_4"}, "apply_form"),
    "apply_cv": (apply.ActionAskApplyCv, {"apply_opening": "off_pornic_4"}, "apply_form"),
    "apply_confirm": (apply.ActionAskApplyConfirm, {"apply_opening": "off_pornic_4", "apply_name": "Camille Martin",
                                                    "apply_contact": "camille@exemple.fr"}, "apply_form"),
    "alert_consent": (alert_actions.ActionAskAlertConsent, {"profession": "infirmier", "commune": "Pornic"},
                      "alert_form"),
}


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize("broken", ["damaged_database", "locked_database"])
async def test_a_question_of_a_form_ends_it_with_the_french_answer(request, make_tracker, question, broken, var):
    request.getfixturevalue(broken)
    action, slots, form = QUESTIONS[question]
    tracker = make_tracker(slots=slots, active_loop={"name": form} if form else None)
    messages, events = await run(action, tracker)
    assert messages == [text("service_unavailable")]
    assert _ends_the_form(events)


async def test_the_answer_after_a_form_ended_by_the_outage_says_nothing_more(make_tracker, damaged_database, var):
    """Rasa runs the form's answer (the openings, the plan) once the form ends: the person already
    read that the service is unavailable, so neither a second copy nor « vous avez annulé » follows."""
    tracker = make_tracker(slots={"profession": "infirmier"}, text="je cherche un poste d'infirmier",
                           intent="search_jobs")
    tracker.events.append({"event": "bot", "text": text("service_unavailable")})
    for action in (ActionSearchJobs, ActionPlanReply):
        assert await run(action, tracker) == ([], [])


async def test_a_job_question_with_postgresql_unreachable(make_tracker, monkeypatch, var):
    """The partner database on a PostgreSQL server that does not answer at all: the job question
    gets the French answer, a hand-over request is kept on disk, the site's health check says so."""
    monkeypatch.setenv("DATABASE_URL", "postgresql://cotesoin:x@127.0.0.1:1/x")
    db.dispose()
    naming.forget()
    try:
        messages, events = await _form_validation(ValidateJobSearchForm, make_tracker, "job_search_form",
                                                  ["profession", "commune"], "je cherche un poste d'infirmier",
                                                  slot_events={"profession": "infirmier"})
        assert messages == [text("service_unavailable")] and _ends_the_form(events)

        tracker = make_tracker(slots={"topic": "jobs", "profession": "infirmier"}, text="parler à un coordinateur",
                               intent="request_human", sender_id="web-postgresql-absent")
        messages, _ = await run(ActionRequestHuman, tracker)
        assert messages == [text("handoff_kept")]
        [kept] = handoff_spool.waiting()
        assert json.loads(kept.read_text(encoding="utf-8"))["sender_id"] == "web-postgresql-absent"

        site = await _client(init_app(_settings()))
        try:
            health = await site.get("/healthz")
            assert health.status == 503 and (await health.json())["database"] == "indisponible"
        finally:
            await site.close()
    finally:
        db.dispose()
        naming.forget()


# -- the replay of kept requests: an outage waits, a refused file is set aside, the loop goes on ------
def test_a_request_the_database_refuses_is_set_aside_and_the_others_are_recorded(var, database_url):
    refused = handoff_spool.keep("web-sans-canal", None, "jobs", {})  # NOT NULL: an IntegrityError
    handoff_spool.keep("web-bien", "socketio", "jobs", {"profession": "infirmier"})
    assert handoff_spool.replay() == 1
    assert handoff_spool.waiting() == [] and handoff_spool.set_aside() == [refused.with_suffix(".bad")]
    assert [r.sender_id for r in handoff.open_requests()] == ["web-bien"]
    assert handoff_spool.replay() == 0 and handoff_spool.set_aside() == [refused.with_suffix(".bad")]


def test_a_locked_database_stops_the_round_and_keeps_every_file(var, locked_database):
    kept = [handoff_spool.keep(f"web-{n}", "socketio", "jobs", {}) for n in range(2)]
    with pytest.raises(OperationalError):
        handoff_spool.replay()
    assert handoff_spool.waiting() == sorted(kept) and handoff_spool.set_aside() == []


async def test_the_site_replays_kept_requests_whatever_a_round_raised(var, database_url, monkeypatch):
    """The site's loop (bot/web/app.py) with a short interval: a round that fails in an unexpected
    way is logged and the next one comes all the same; a refused file does not block the others."""
    monkeypatch.setattr(handoff_spool, "REPLAY_SECONDS", 0.05)
    real_replay, rounds = handoff_spool.replay, []

    def replay_failing_once():
        rounds.append(1)
        if len(rounds) == 1:
            raise RuntimeError("imprévu")
        return real_replay()

    monkeypatch.setattr(handoff_spool, "replay", replay_failing_once)
    refused = handoff_spool.keep("web-sans-canal", None, "jobs", {})
    handoff_spool.keep("web-bien", "telegram", "living", {"commune": "Pornic"})
    site = await _client(init_app(_settings()))
    try:
        deadline = time.monotonic() + 30
        while not (len(rounds) > 2 and not handoff_spool.waiting()) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        await site.close()
    assert len(rounds) > 2 and handoff_spool.waiting() == []
    assert handoff_spool.set_aside() == [refused.with_suffix(".bad")]
    assert [(r.sender_id, r.channel) for r in handoff.open_requests()] == [("web-bien", "telegram")]
