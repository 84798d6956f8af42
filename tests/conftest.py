"""Shared fixtures: a throw-away partner database, on SQLite and (optionally) PostgreSQL.

- `sqlite_url`: DATABASE_URL points at a SQLite file under tmp_path (always available).
- `database_url`: the same, parametrised over SQLite and, when the environment variable
  TEST_POSTGRES_URL is set, that PostgreSQL database (every knowledge table is dropped before
  and after each test so tests stay independent). Without TEST_POSTGRES_URL the PostgreSQL
  variant does not exist at all (it is not reported as skipped or passed).
- `loaded_db`: `database_url` with the small controlled fixture folder tests/data/knowledge
  imported; later tests (actions, formatting) should build on it.

The engine of `knowledge.db` is built lazily from `settings.database_url()` at first use, so each
fixture disposes of it before and after the test.
"""
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from rasa_sdk import Tracker
from sqlalchemy import func, select

from knowledge import db
from knowledge.models import Base
from knowledge.partners import importer, naming

# The fake Rasa HTTP API fixture (`rasa`) of the console and reminder tests; the SMTP server (`smtp_server`).
pytest_plugins = ["tests.console_helpers", "tests.mail_helpers"]

DATA_DIR = Path(__file__).parent / "data"
FIXTURE_DIR = DATA_DIR / "knowledge"
POSTGRES_ENV = "TEST_POSTGRES_URL"


def _backends():
    params = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get(POSTGRES_ENV):
        params.append(pytest.param("postgresql", id="postgresql"))
    return params


def _forget_cached_names() -> None:
    """Caches built from database content (the canonical names used by actions and NLU)."""
    naming.forget()


def _drop_knowledge_tables(url: str) -> None:
    engine = db.make_engine(url)
    try:
        Base.metadata.drop_all(engine)
    finally:
        engine.dispose()


def _use_database(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    db.dispose()
    _forget_cached_names()


def _leave_database() -> None:
    db.dispose()
    _forget_cached_names()


@pytest.fixture
def sqlite_url(tmp_path, monkeypatch) -> Iterator[str]:
    """DATABASE_URL set to a fresh SQLite file for this test only."""
    url = f"sqlite:///{tmp_path / 'cotesoin-test.db'}"
    _use_database(url, monkeypatch)
    yield url
    _leave_database()


@pytest.fixture(params=_backends())
def database_url(request, tmp_path, monkeypatch) -> Iterator[str]:
    """DATABASE_URL set to an empty database: SQLite, and PostgreSQL when TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cotesoin-test.db'}"
    else:
        url = os.environ[POSTGRES_ENV]
        _drop_knowledge_tables(url)
    _use_database(url, monkeypatch)
    yield url
    _leave_database()
    if request.param == "postgresql":
        _drop_knowledge_tables(url)


@dataclass(frozen=True)
class LoadedDatabase:
    url: str
    folder: Path
    report: importer.ImportReport


@pytest.fixture
def loaded_db(database_url) -> LoadedDatabase:
    """The database with tests/data/knowledge imported (6 communes, 3 professions, 13 openings…)."""
    report = importer.import_folder(FIXTURE_DIR)
    _forget_cached_names()
    return LoadedDatabase(database_url, FIXTURE_DIR, report)


@pytest.fixture
def fixture_copy(tmp_path) -> Path:
    """A writable copy of tests/data/knowledge, to break or edit in one test."""
    target = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_DIR, target)
    return target


def _table_counts() -> dict:
    """Row count of every knowledge table in the current database."""
    with db.session_scope() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def _table_snapshot() -> dict:
    """Every row of every knowledge table, comparable with == (to prove nothing changed)."""
    with db.session_scope() as session:
        return {
            t.name: sorted((tuple(row) for row in session.execute(select(t))), key=repr)
            for t in Base.metadata.sorted_tables
        }


@pytest.fixture
def table_counts():
    """A function returning {table name: row count} for the current database."""
    return _table_counts


@pytest.fixture
def table_snapshot():
    """A function returning every row of every knowledge table, comparable with ==."""
    return _table_snapshot


@pytest.fixture
def make_tracker():
    """Build a rasa-sdk Tracker from tests/data/tracker.json with the given slots and last message.

    `user_intents` rewrites the intents of the user turns (oldest first) to test what depends on
    the previous turns; `slot_events` adds SlotSet events after the last user message (what the
    slot mappings extracted from it).
    """

    def build(slots=None, text="bonjour", intent="greet", entities=None, active_loop=None,
              user_intents=None, slot_events=None, sender_id="candidate-42") -> Tracker:
        state = json.loads((DATA_DIR / "tracker.json").read_text(encoding="utf-8"))
        state["sender_id"] = sender_id
        state["slots"].update(slots or {})
        state["latest_message"] = {"text": text, "intent": {"name": intent, "confidence": 0.9},
                                   "entities": entities or []}
        events = state["events"]
        if user_intents:
            template = next(e for e in events if e["event"] == "user")
            events = [e for e in events if e["event"] != "user"]
            for name in user_intents:
                events.append({**template, "parse_data": {"intent": {"name": name}, "entities": []}})
                events.append({"event": "action", "name": "action_listen"})
        else:
            events.append({"event": "user", "text": text, "input_channel": "rest",
                           "parse_data": state["latest_message"]})
        events += [{"event": "slot", "name": k, "value": v} for k, v in (slot_events or {}).items()]
        state["events"] = events
        state["active_loop"] = active_loop or {}
        return Tracker.from_dict(state)

    return build
