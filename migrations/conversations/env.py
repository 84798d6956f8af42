"""Alembic's environment for the conversations database (Rasa's tracker store, TRACKER_STORE_URL):
our additions to it, Rasa's own tables being Rasa's. Its revisions are kept in their own table,
`alembic_version_conversations`, since the partner and the conversations databases may be one
(PostgreSQL). knowledge/migrate.py passes the connection."""
from alembic import context

from knowledge.migrate import CONVERSATIONS_VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, version_table=CONVERSATIONS_VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
