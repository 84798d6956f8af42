"""Applications from the conversation (with their CV uploads and history) and alert subscriptions with
their deliveries (issue 19).

Revision ID: 0005
Revises: 0004

Databases made by `create_all` during development may have them already: created when missing.
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "alert_subscriptions" not in existing:
        op.create_table("alert_subscriptions",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("sender_id", sa.String(length=255), nullable=False),
            sa.Column("channel", sa.String(length=40), nullable=False),
            sa.Column("email", sa.String(length=254), nullable=True),
            sa.Column("profession_code", sa.String(length=60), nullable=True),
            sa.Column("communes", sa.JSON(), nullable=False),
            sa.Column("contract", sa.String(length=20), nullable=True),
            sa.Column("work_time", sa.String(length=20), nullable=True),
            sa.Column("consent_text", sa.Text(), nullable=False),
            sa.Column("consent_at", sa.DateTime(), nullable=False),
            sa.Column("confirm_token", sa.String(length=64), nullable=True),
            sa.Column("confirmation_sent_at", sa.DateTime(), nullable=True),
            sa.Column("confirmed_at", sa.DateTime(), nullable=True),
            sa.Column("unsubscribe_token", sa.String(length=64), nullable=False),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("unsubscribed_at", sa.DateTime(), nullable=True),
            sa.Column("last_digest_at", sa.DateTime(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("confirm_token"),
            sa.UniqueConstraint("unsubscribe_token")
        )
        with op.batch_alter_table("alert_subscriptions", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_alert_subscriptions_active"), ["active"], unique=False)
            batch_op.create_index(batch_op.f("ix_alert_subscriptions_sender_id"), ["sender_id"], unique=False)
    if "applications" not in existing:
        op.create_table("applications",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("reference", sa.String(length=20), nullable=False),
            sa.Column("opening_id", sa.String(length=40), nullable=False),
            sa.Column("opening_title", sa.String(length=300), nullable=False),
            sa.Column("structure_id", sa.String(length=40), nullable=False),
            sa.Column("structure_name", sa.String(length=200), nullable=False),
            sa.Column("profession_code", sa.String(length=60), nullable=False),
            sa.Column("commune", sa.String(length=100), nullable=False),
            sa.Column("recipient", sa.String(length=300), nullable=False),
            sa.Column("sender_id", sa.String(length=255), nullable=False),
            sa.Column("channel", sa.String(length=40), nullable=False),
            sa.Column("name", sa.String(length=200), nullable=False),
            sa.Column("contact", sa.String(length=254), nullable=False),
            sa.Column("message", sa.Text(), nullable=False),
            sa.Column("cv_path", sa.String(length=300), nullable=True),
            sa.Column("cv_filename", sa.String(length=200), nullable=True),
            sa.Column("cv_type", sa.String(length=100), nullable=True),
            sa.Column("consent_text", sa.Text(), nullable=False),
            sa.Column("consent_at", sa.DateTime(), nullable=False),
            sa.Column("status", sa.String(length=20), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
            sa.Column("last_error", sa.Text(), nullable=True),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("sent_at", sa.DateTime(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("reference")
        )
        with op.batch_alter_table("applications", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_applications_created_at"), ["created_at"], unique=False)
            batch_op.create_index(batch_op.f("ix_applications_next_attempt_at"), ["next_attempt_at"], unique=False)
            batch_op.create_index(batch_op.f("ix_applications_opening_id"), ["opening_id"], unique=False)
            batch_op.create_index(batch_op.f("ix_applications_sender_id"), ["sender_id"], unique=False)
            batch_op.create_index(batch_op.f("ix_applications_status"), ["status"], unique=False)
            batch_op.create_index(batch_op.f("ix_applications_structure_id"), ["structure_id"], unique=False)
    if "cv_uploads" not in existing:
        op.create_table("cv_uploads",
            sa.Column("token", sa.String(length=64), nullable=False),
            sa.Column("sender_id", sa.String(length=255), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("path", sa.String(length=300), nullable=True),
            sa.Column("filename", sa.String(length=200), nullable=True),
            sa.Column("content_type", sa.String(length=100), nullable=True),
            sa.Column("size", sa.Integer(), nullable=True),
            sa.Column("uploaded_at", sa.DateTime(), nullable=True),
            sa.PrimaryKeyConstraint("token")
        )
        with op.batch_alter_table("cv_uploads", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_cv_uploads_sender_id"), ["sender_id"], unique=False)
    if "alert_deliveries" not in existing:
        op.create_table("alert_deliveries",
            sa.Column("subscription_id", sa.Integer(), nullable=False),
            sa.Column("opening_id", sa.String(length=40), nullable=False),
            sa.Column("sent_at", sa.DateTime(), nullable=True),
            sa.ForeignKeyConstraint(["subscription_id"], ["alert_subscriptions.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("subscription_id", "opening_id")
        )
    if "application_events" not in existing:
        op.create_table("application_events",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("application_id", sa.Integer(), nullable=False),
            sa.Column("at", sa.DateTime(), nullable=False),
            sa.Column("coordinator_id", sa.Integer(), nullable=True),
            sa.Column("action", sa.String(length=40), nullable=False),
            sa.Column("detail", sa.Text(), nullable=False),
            sa.ForeignKeyConstraint(["application_id"], ["applications.id"], ondelete="CASCADE"),
            sa.ForeignKeyConstraint(["coordinator_id"], ["coordinators.id"], ),
            sa.PrimaryKeyConstraint("id")
        )
        with op.batch_alter_table("application_events", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_application_events_application_id"), ["application_id"], unique=False)


def downgrade() -> None:
    op.drop_table("application_events")
    op.drop_table("alert_deliveries")
    op.drop_table("cv_uploads")
    op.drop_table("applications")
    op.drop_table("alert_subscriptions")
