"""The observatory's indexes on Rasa's `events` table (Rasa only indexes `sender_id`), created here
rather than by the observatory at first use. `events` is Rasa's: made here with Rasa 3.6's columns
(knowledge/coordination/transcripts.py) when Rasa has not made it yet, as Rasa's store then finds it.

Revision ID: c001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "c001"
down_revision = None
branch_labels = None
depends_on = None

# name → columns, as the observatory's queries read them (knowledge/conversations/observatory.py).
INDEXES = {
    # messages and sessions of a period, with who (covering: the activity never reads the rows)
    "ix_events_type_name_timestamp_sender_id": ["type_name", "timestamp", "sender_id"],
    "ix_events_type_name_action_name_timestamp": ["type_name", "action_name", "timestamp"],  # one slot's values
    "ix_events_type_name_intent_name_timestamp": ["type_name", "intent_name", "timestamp"],  # misunderstood messages
}


def upgrade() -> None:
    from knowledge.coordination import transcripts

    connection = op.get_bind()
    transcripts.events.create(connection, checkfirst=True)
    existing = {index["name"] for index in sa.inspect(connection).get_indexes("events")}
    for name, columns in INDEXES.items():
        if name not in existing:
            op.create_index(name, "events", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, "events")
