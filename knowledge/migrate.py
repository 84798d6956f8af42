"""Bring the partner database to the current schema with Alembic (migrations/, one file per change).

`upgrade(engine)` runs the migrations the database has not had yet, none on an up-to-date one. An
empty database gets the current models' tables at once and is stamped with the latest revision
(Alembic's advice for a fresh database; tests/test_migrations.py checks that running every
migration gives the same schema). A database made before migrations (by `create_all`, release
fc26e57 or later: partner tables but no `alembic_version`) is first stamped with the first
revision, the schema of that release (the next ones create what may already be there only when
missing). Called by `cotesoin db upgrade`, by `cotesoin run` at each start and by
knowledge/db.py when it first opens the database. Adding a migration: migrations/README.md.

The conversations database (Rasa's tracker store) has a chain of its own for what we add to it
(`migrations/conversations/`: the observatory's indexes on Rasa's `events`), run by
`upgrade_conversations` from `cotesoin db upgrade` and `cotesoin run`.
"""
import functools
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from knowledge.schema import Base

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
FIRST_REVISION = "0001"


def _config(location: Path, connection=None) -> Config:
    """Alembic's configuration for the chain in `location`, on `connection` when given."""
    alembic_config = Config()
    alembic_config.set_main_option("script_location", str(location))
    if connection is not None:
        alembic_config.attributes["connection"] = connection
    return alembic_config


def config(connection=None) -> Config:
    return _config(MIGRATIONS, connection)


@functools.lru_cache(maxsize=1)
def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head()


def current(connection) -> Optional[str]:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> Optional[str]:
    """Run the missing migrations on `engine`'s database; the revision it was at (None: no revision)."""
    with engine.begin() as connection:
        before = current(connection)
        tables = set(sa.inspect(connection).get_table_names())
        if not tables & set(Base.metadata.tables):
            # Empty (a version row left by dropped tables is not a schema): the current tables at once.
            Base.metadata.create_all(connection)
            command.stamp(config(connection), "head", purge=True)
            return before
        if before == head():
            return before
        if before is None:
            command.stamp(config(connection), FIRST_REVISION)
        command.upgrade(config(connection), "head")
    return before


# The conversations database (Rasa's tracker store): our additions only, a chain of their own.
CONVERSATIONS_MIGRATIONS = MIGRATIONS / "conversations"
CONVERSATIONS_VERSION_TABLE = "alembic_version_conversations"


def conversations_config(connection=None) -> Config:
    return _config(CONVERSATIONS_MIGRATIONS, connection)


@functools.lru_cache(maxsize=1)
def conversations_head() -> str:
    return ScriptDirectory.from_config(conversations_config()).get_current_head()


def upgrade_conversations(engine: Engine) -> Optional[str]:
    """Run the missing migrations of the conversations database (the observatory's indexes on
    Rasa's `events`); the revision it was at."""
    with engine.begin() as connection:
        before = MigrationContext.configure(connection, opts={"version_table": CONVERSATIONS_VERSION_TABLE}
                                            ).get_current_revision()
        if before != conversations_head():
            command.upgrade(conversations_config(connection), "head")
    return before
