"""Engine and session factory, built lazily on first use and disposable. The first use brings the
database to the current schema (knowledge/migrate.py: Alembic's migrations/, no `create_all`)."""
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from knowledge import migrate, settings

_engine: Optional[Engine] = None
_sessions: Optional[sessionmaker] = None
_building = threading.Lock()


def _sqlite_foreign_keys(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets its parent folder created and foreign keys enforced."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        options = {}
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            # Connections kept and reused (SQLAlchemy 1.4 opens one per session for a file: a
            # fifth of the action server's time went to opening them), as SQLAlchemy 2 does.
            options["poolclass"] = QueuePool
        engine = create_engine(url, future=True, connect_args={"check_same_thread": False}, **options)
        event.listen(engine, "connect", _sqlite_foreign_keys)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


def get_engine() -> Engine:
    """The engine, built once; safe from several threads (the web channel asks from a thread pool:
    the session factory is set before the engine, so no thread sees an engine without it)."""
    global _engine, _sessions
    if _engine is None:
        with _building:
            if _engine is None:
                engine = make_engine(settings.database_url())
                try:
                    migrate.upgrade(engine)  # the current schema, whatever release made the database
                except BaseException:  # unavailable database: try again on next use, not a half-built state
                    engine.dispose()
                    raise
                _sessions = sessionmaker(engine, future=True, expire_on_commit=False)
                _engine = engine
    return _engine


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session committed on success and rolled back on error."""
    get_engine()
    session = _sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dispose() -> None:
    """Close every pooled connection and forget the engine (next use rebuilds it)."""
    global _engine, _sessions
    if _engine is not None:
        _engine.dispose()
    _engine = None
    _sessions = None
