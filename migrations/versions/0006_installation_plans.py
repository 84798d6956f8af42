"""Installation plans (« Mon projet d'installation », issue 20).

Revision ID: 0006
Revises: 0005

Databases made by `create_all` during development may have them already: created when missing.
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "installation_plans" not in existing:
        op.create_table("installation_plans",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("token", sa.String(length=64), nullable=False),
            sa.Column("sender_id", sa.String(length=255), nullable=False),
            sa.Column("commune", sa.String(length=100), nullable=False),
            sa.Column("situation", sa.JSON(), nullable=False),
            sa.Column("sections", sa.JSON(), nullable=False),
            sa.Column("gaps", sa.JSON(), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False),
            sa.Column("expires_at", sa.DateTime(), nullable=False),
            sa.Column("request_id", sa.Integer(), nullable=True),
            sa.Column("email", sa.String(length=254), nullable=True),
            sa.Column("email_consent_text", sa.Text(), nullable=True),
            sa.Column("email_consent_at", sa.DateTime(), nullable=True),
            sa.Column("email_sent_at", sa.DateTime(), nullable=True),
            sa.ForeignKeyConstraint(["request_id"], ["coordinator_requests.id"], ondelete="SET NULL"),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("token")
        )
        with op.batch_alter_table("installation_plans", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_installation_plans_commune"), ["commune"], unique=False)
            batch_op.create_index(batch_op.f("ix_installation_plans_created_at"), ["created_at"], unique=False)
            batch_op.create_index(batch_op.f("ix_installation_plans_expires_at"), ["expires_at"], unique=False)
            batch_op.create_index(batch_op.f("ix_installation_plans_request_id"), ["request_id"], unique=False)
            batch_op.create_index(batch_op.f("ix_installation_plans_sender_id"), ["sender_id"], unique=False)


def downgrade() -> None:
    op.drop_table("installation_plans")
