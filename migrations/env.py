"""Alembic's environment for the partner database (knowledge/migrate.py runs it; so does `alembic`
with alembic.ini at the project root, to write a new migration: see migrations/README.md).

The connection comes from knowledge/migrate.py (`config.attributes["connection"]`), or else from
the database URL of the settings (DATABASE_URL). SQLite needs `render_as_batch` to change a table.
"""
from alembic import context

from knowledge import db, settings
from knowledge.schema import Base

config = context.config


def run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = db.make_engine(config.get_main_option("sqlalchemy.url") or settings.database_url())
    try:
        with engine.connect() as fresh:
            run(fresh)
    finally:
        engine.dispose()
