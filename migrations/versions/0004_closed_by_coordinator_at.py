"""`openings.closed_by_coordinator_at`: an opening closed in the console, as long as that is its
latest console change, is a column instead of being found by splitting the audit trail's text
(« O12 — Infirmier de nuit ») on « — ». Filled from those audit lines: the openings whose latest
`opening_created` / `opening_updated` / `opening_closed` line is a closing get its time.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# As release fc26e57 wrote them (knowledge/partners/importer.py's audit_subject then).
OPENING_AUDITS = ("opening_created", "opening_updated", "opening_closed")
SUBJECT_SEPARATOR = " — "


def upgrade() -> None:
    with op.batch_alter_table("openings") as table:
        table.add_column(sa.Column("closed_by_coordinator_at", sa.DateTime, nullable=True))
    audit = sa.table("audit_trail", sa.column("id", sa.Integer), sa.column("at", sa.DateTime),
                     sa.column("action", sa.String), sa.column("detail", sa.Text))
    openings = sa.table("openings", sa.column("id", sa.String), sa.column("closed_by_coordinator_at", sa.DateTime))
    connection = op.get_bind()
    latest = {}
    for action, at, detail in connection.execute(
            sa.select(audit.c.action, audit.c.at, audit.c.detail)
            .where(audit.c.action.in_(OPENING_AUDITS)).order_by(audit.c.id)):
        latest[detail.split(SUBJECT_SEPARATOR, 1)[0]] = (action, at)
    for ident, (action, at) in latest.items():
        if action == "opening_closed":
            connection.execute(openings.update().where(openings.c.id == ident).values(closed_by_coordinator_at=at))


def downgrade() -> None:
    with op.batch_alter_table("openings") as table:
        table.drop_column("closed_by_coordinator_at")
