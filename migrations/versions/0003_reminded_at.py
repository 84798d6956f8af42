"""`coordinator_requests.reminded_at`: when the unclaimed reminder of a request was handled, a
column instead of an audit row (`unclaimed_reminder`) looked up by its action name. Filled from
those audit rows (the earliest of each request).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coordinator_requests") as table:
        table.add_column(sa.Column("reminded_at", sa.DateTime, nullable=True))
    op.execute("""
        UPDATE coordinator_requests SET reminded_at = (
            SELECT min(audit_trail.at) FROM audit_trail
            WHERE audit_trail.request_id = coordinator_requests.id AND audit_trail.action = 'unclaimed_reminder')
    """)


def downgrade() -> None:
    with op.batch_alter_table("coordinator_requests") as table:
        table.drop_column("reminded_at")
