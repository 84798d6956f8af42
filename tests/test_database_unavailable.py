"""The partner database locked or damaged (issue 22, point 5): French answers, hand-over requests
kept on disk and replayed, the site's health check says so and its pages do not 500."""
import sqlite3

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionRequestHuman
from actions.jobs import ActionSearchJobs
from actions.living import ActionHousing
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
