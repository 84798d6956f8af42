"""Console sessions kept server-side (`console_sessions`) and failed logins (`login_failures`).

Databases made by `create_all` after release fc26e57 may have them already: created when missing.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "console_sessions" not in existing:
        op.create_table(
            "console_sessions",
            sa.Column("token_hash", sa.String(64), primary_key=True),
            sa.Column("coordinator_id", sa.Integer, sa.ForeignKey("coordinators.id", ondelete="CASCADE"),
                      nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
        )
        op.create_index("ix_console_sessions_coordinator_id", "console_sessions", ["coordinator_id"])
    if "login_failures" not in existing:
        op.create_table(
            "login_failures",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("key", sa.String(300), nullable=False),
            sa.Column("at", sa.DateTime, nullable=False),
        )
        op.create_index("ix_login_failures_key", "login_failures", ["key"])
        op.create_index("ix_login_failures_at", "login_failures", ["at"])


def downgrade() -> None:
    op.drop_table("login_failures")
    op.drop_table("console_sessions")
