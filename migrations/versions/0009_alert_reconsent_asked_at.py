"""`alert_subscriptions.reconsent_asked_at`: when the yearly re-consent of an e-mail alert was asked.
The purge deletes a subscription left unconfirmed a month after it was made *or after its
re-consent was asked* — not a month after it was made, which killed the re-consent link of every
year-old alert at the next purge.

Filled for the subscriptions already waiting for their re-consent: unconfirmed now, but confirmed
once (their consent was renewed after they were made), the link's time being the question's.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_subscriptions") as table:
        table.add_column(sa.Column("reconsent_asked_at", sa.DateTime(), nullable=True))
    subscriptions = sa.table("alert_subscriptions", sa.column("confirmed_at", sa.DateTime),
                             sa.column("consent_at", sa.DateTime), sa.column("created_at", sa.DateTime),
                             sa.column("confirmation_sent_at", sa.DateTime),
                             sa.column("reconsent_asked_at", sa.DateTime))
    op.execute(subscriptions.update().where(
        subscriptions.c.confirmed_at.is_(None), subscriptions.c.consent_at > subscriptions.c.created_at)
        .values(reconsent_asked_at=sa.func.coalesce(subscriptions.c.confirmation_sent_at,
                                                    subscriptions.c.consent_at)))


def downgrade() -> None:
    with op.batch_alter_table("alert_subscriptions") as table:
        table.drop_column("reconsent_asked_at")
