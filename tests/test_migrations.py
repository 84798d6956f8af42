"""The partner database's migrations (knowledge/migrate.py, migrations/): a database made by the last
release before migrations (fc26e57) comes to the current schema with nothing lost, the migrations
give the schema the models describe, and `cotesoin db upgrade` says what it did."""
import os
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from knowledge import db, migrate
from knowledge.models import Base
from migrations import release_fc26e57 as release


def _backends():
    params = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get("TEST_POSTGRES_URL"):
        params.append(pytest.param("postgresql", id="postgresql"))
    return params


def _drop_everything(engine) -> None:
    tables = sa.MetaData()
    tables.reflect(engine, only=lambda name, _: name in Base.metadata.tables or name == "alembic_version")
    tables.drop_all(engine)


@pytest.fixture(params=_backends())
def engine(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'ancienne.db'}" if request.param == "sqlite" else os.environ["TEST_POSTGRES_URL"]
    made = db.make_engine(url)
    _drop_everything(made)
    yield made
    _drop_everything(made)
    made.dispose()


REMINDED_AT = datetime(2026, 11, 20, 9, 30)
CLOSED_AT = datetime(2026, 11, 20, 17, 45)


def _release_database(engine) -> dict:
    """A database as release fc26e57 made and filled it: partner data, an account, requests (one
    reminded, one closed with a note), audit lines. Returns the rows written, by table."""
    release.Base.metadata.create_all(engine)
    rows = {
        "communes": [{"id": 1, "name": "Saint-Brevin-les-Pins", "postal_code": "44250", "epci": "Pornic Agglo",
                      "latitude": 47.2464, "longitude": -2.1672}],
        "professions": [{"code": "infirmier", "label": "Infirmier·ère", "synonyms": ["IDE"], "description": "",
                         "training": {}, "pay": "", "bridges": [], "link": ""}],
        "structures": [{"id": "S1", "name": "EHPAD Les Tilleuls", "type": "ehpad", "commune_id": 1, "address": "",
                        "phone": "02 40 00 00 00", "email": "", "website": "", "sector": "public"}],
        "openings": [
            {"id": ident, "structure_id": "S1", "profession_code": "infirmier", "title": title, "contract": "CDI",
             "work_time": "temps plein", "commune_id": 1, "published_on": date(2026, 10, 1),
             "closes_on": closes_on, "description": "", "contact": ""}
            for ident, title, closes_on in [
                ("O1", "Infirmier·ère de nuit", date(2026, 11, 19)),  # closed in the console
                ("O2", "Infirmier·ère — pool de remplacement", date(2026, 12, 31)),  # closed, then reopened there
                ("O3", "Infirmier·ère de jour", date(2026, 12, 31)),  # never touched in the console
            ]],
        "housing": [
            {"id": "L1", "name": "Studios des stagiaires", "type": "residence", "commune_id": 1,
             "duration": "1 semaine à 3 mois", "contact": "02 40 00 00 01"},
            {"id": "L2", "name": "Appartement T2", "type": "location", "commune_id": 1,
             "duration": "selon disponibilités", "contact": "02 40 00 00 02"},
        ],
        "coordinators": [{"id": 1, "email": "lea.martin@paysderetz.fr", "name": "Léa Martin",
                          "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c2Vs$aGFzaA", "active": True,
                          "failed_logins": 0, "created_at": datetime(2026, 10, 1, 8)}],
        "coordinator_requests": [
            {"id": 1, "sender_id": "tg-5551234", "channel": "telegram", "topic": "jobs",
             "criteria": {"profession": "aide-soignant", "commune": "Pornic"}, "status": "open",
             "created_at": datetime(2026, 11, 20, 9), "contact": None},
            {"id": 2, "sender_id": "web-9f2c", "channel": "web", "topic": "housing", "criteria": {},
             "status": "closed", "created_at": datetime(2026, 11, 18, 14), "claimed_by_id": 1,
             "claimed_at": datetime(2026, 11, 18, 14, 5), "closed_at": datetime(2026, 11, 18, 15),
             "outcome": "answered", "contact": "06 12 34 56 78", "contact_consent_text": "J'accepte d'être rappelée",
             "contact_consent_at": datetime(2026, 11, 18, 14, 1)},
        ],
        "request_notes": [{"id": 1, "request_id": 2, "coordinator_id": 1,
                           "text": "Rappelée, logement trouvé à Paimbœuf", "created_at": datetime(2026, 11, 18, 15)}],
        "audit_trail": [
            {"id": 1, "at": datetime(2026, 11, 18, 14, 5), "coordinator_id": 1, "action": "claim", "request_id": 2,
             "detail": ""},
            {"id": 2, "at": REMINDED_AT, "coordinator_id": None, "action": "unclaimed_reminder", "request_id": 1,
             "detail": ""},
            {"id": 3, "at": CLOSED_AT, "coordinator_id": 1, "action": "opening_closed", "request_id": None,
             "detail": "O1 — Infirmier·ère de nuit"},
            {"id": 4, "at": CLOSED_AT, "coordinator_id": 1, "action": "opening_closed", "request_id": None,
             "detail": "O2 — Infirmier·ère — pool de remplacement"},
            {"id": 5, "at": datetime(2026, 11, 21, 10), "coordinator_id": 1, "action": "opening_updated",
             "request_id": None, "detail": "O2 — Infirmier·ère — pool de remplacement (date limite)"},
        ],
    }
    with engine.begin() as connection:
        for table, values in rows.items():
            for row in values:  # one by one: each with its own columns
                connection.execute(release.Base.metadata.tables[table].insert().values(**row))
    return rows


def _read(engine, table: str, columns, metadata=Base.metadata) -> list:
    """The rows of `table` (its `columns`, typed as `metadata` declares them), by primary key."""
    typed = metadata.tables[table]
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(
            sa.select(*(typed.c[c] for c in columns)).order_by(*typed.primary_key.columns))]


def _default(table: str, column: str):
    """What the release wrote in a column left out of a row: its Python default, else NULL."""
    default = release.Base.metadata.tables[table].c[column].default
    return None if default is None or callable(default.arg) else default.arg


def _schema_differences(engine) -> list:
    with engine.connect() as connection:
        # Only the partner tables: the database may also hold Rasa's (PostgreSQL shared with the tracker store).
        ours = {"compare_type": False,
                "include_name": lambda name, kind, _: kind != "table" or name in Base.metadata.tables}
        return compare_metadata(MigrationContext.configure(connection, opts=ours), Base.metadata)


def test_a_database_of_the_last_release_is_upgraded_with_nothing_lost(engine):
    rows = _release_database(engine)
    assert migrate.upgrade(engine) is None  # no revision: made by create_all
    for table, values in rows.items():
        columns = list(release.Base.metadata.tables[table].c.keys())
        assert _read(engine, table, columns, release.Base.metadata) == [
            {column: row.get(column, _default(table, column)) for column in columns} for row in values], table
    with engine.connect() as connection:
        assert migrate.current(connection) == migrate.head()
        tables = set(sa.inspect(connection).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert _schema_differences(engine) == []
    # The reminder, an audit line until now, is the request's own column.
    requests = _read(engine, "coordinator_requests", ["id", "reminded_at"])
    assert [r["reminded_at"] for r in requests] == [REMINDED_AT, None]
    # An opening closed in the console (its latest change there) is marked so, not found in the audit's text.
    assert _read(engine, "openings", ["id", "closed_by_coordinator_at"]) == [
        {"id": "O1", "closed_by_coordinator_at": CLOSED_AT}, {"id": "O2", "closed_by_coordinator_at": None},
        {"id": "O3", "closed_by_coordinator_at": None}]
    # Housing stays are read from the duration text the release kept (unknown text: not filtered on).
    assert _read(engine, "housing", ["id", "min_stay_months", "max_stay_months"]) == [
        {"id": "L1", "min_stay_months": 0.23, "max_stay_months": 3.0},
        {"id": "L2", "min_stay_months": None, "max_stay_months": None}]
    assert migrate.upgrade(engine) == migrate.head()  # then nothing more to do


def test_every_migration_from_scratch_gives_the_schema_of_the_models(engine):
    with engine.begin() as connection:
        command.upgrade(migrate.config(connection), "head")
    assert _schema_differences(engine) == []


def test_an_empty_database_gets_the_current_schema_at_once(engine):
    assert migrate.upgrade(engine) is None
    with engine.connect() as connection:
        assert migrate.current(connection) == migrate.head()
    assert _schema_differences(engine) == []


def test_an_alert_already_waiting_for_its_reconsent_keeps_a_month_from_the_question(engine):
    """0009: the alerts waiting for their yearly re-consent before the column existed get the time
    of that question (their link's), so that the purge counts the month from it."""
    with engine.begin() as connection:
        command.upgrade(migrate.config(connection), "0008")
    made, confirmed, asked = datetime(2025, 11, 1, 9), datetime(2025, 11, 1, 10), datetime(2026, 11, 2, 9)
    row = {"sender_id": "web-1", "channel": "socketio", "email": "lea@exemple.fr", "communes": [],
           "consent_text": "D'accord ?", "created_at": made, "active": True}
    with engine.begin() as connection:
        subscriptions = sa.Table("alert_subscriptions", sa.MetaData(), autoload_with=connection)
        connection.execute(subscriptions.insert(), [
            # Waiting for its re-consent: confirmed once (consent renewed after creation), unconfirmed now.
            {**row, "id": 1, "consent_at": confirmed, "confirmation_sent_at": asked, "confirmed_at": None,
             "confirm_token": "a", "unsubscribe_token": "x"},
            # Never confirmed: its link is the first one.
            {**row, "id": 2, "consent_at": made, "confirmation_sent_at": made, "confirmed_at": None,
             "confirm_token": "b", "unsubscribe_token": "y"},
            # Confirmed.
            {**row, "id": 3, "consent_at": confirmed, "confirmation_sent_at": made, "confirmed_at": confirmed,
             "confirm_token": "c", "unsubscribe_token": "z"},
        ])
    with engine.begin() as connection:
        command.upgrade(migrate.config(connection), "head")
    assert [r["reconsent_asked_at"] for r in _read(engine, "alert_subscriptions", ["id", "reconsent_asked_at"])] == [
        asked, None, None]


def test_the_reminder_is_marked_once_on_the_request(loaded_db):
    from knowledge.coordination import handoff
    from knowledge.coordination.models import CoordinatorRequest

    with db.session_scope() as session:
        request = CoordinatorRequest(sender_id="web-1", channel="web", topic="jobs", criteria={})
        session.add(request)
        session.flush()
        request_id = request.id
    assert handoff.mark_reminded(request_id) and not handoff.mark_reminded(request_id)
    assert not handoff.mark_reminded(request_id + 1000)
    with db.session_scope() as session:
        assert session.get(CoordinatorRequest, request_id).reminded_at is not None


def test_cotesoin_db_upgrade_brings_an_old_database_up_to_date(tmp_path, monkeypatch, capsys):
    from bot import cli

    url = f"sqlite:///{tmp_path / 'cotesoin.db'}"
    old = db.make_engine(url)
    _release_database(old)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'trackers.db'}")
    assert cli.main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert f"schéma initial → {migrate.head()}" in out and f"Base de données au schéma {migrate.head()}" in out
    assert "Base des conversations mise à jour : index de l'observatoire" in out
    assert _schema_differences(old) == []
    conversations = db.make_engine(f"sqlite:///{tmp_path / 'trackers.db'}")
    indexes = {index["name"] for index in sa.inspect(conversations).get_indexes("events")}
    assert "ix_events_type_name_timestamp_sender_id" in indexes
    conversations.dispose()
    assert cli.main(["db", "upgrade"]) == 0
    assert "mise à jour" not in capsys.readouterr().out
    old.dispose()
