"""The e-mail of an installation plan goes through the web process's outbox: its attempts and the
time of the next one (back-off like the applications').

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("installation_plans") as table:
        table.add_column(sa.Column("email_attempts", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("email_next_attempt_at", sa.DateTime(), nullable=True))
        table.create_index("ix_installation_plans_email_next_attempt_at", ["email_next_attempt_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("installation_plans") as table:
        table.drop_index("ix_installation_plans_email_next_attempt_at")
        table.drop_column("email_next_attempt_at")
        table.drop_column("email_attempts")
