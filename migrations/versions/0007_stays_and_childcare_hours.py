"""Housing stays read from `duree` (`min_stay_months`, `max_stay_months`) and the optional opening
hours and night care of childcare places (`opens_at`, `closes_at`, `night`), issue 23.

The stays of existing housing rows are read from their `duration` text now (knowledge/partners/stays.py;
the next import reads them again); childcare hours stay empty until a file gives them.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

from knowledge.partners import stays

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("housing") as table:
        table.add_column(sa.Column("min_stay_months", sa.Float, nullable=True))
        table.add_column(sa.Column("max_stay_months", sa.Float, nullable=True))
    with op.batch_alter_table("childcare") as table:
        table.add_column(sa.Column("opens_at", sa.String(5), nullable=True))
        table.add_column(sa.Column("closes_at", sa.String(5), nullable=True))
        table.add_column(sa.Column("night", sa.Boolean, nullable=True))
    connection = op.get_bind()
    housing = sa.table("housing", sa.column("id"), sa.column("duration"), sa.column("min_stay_months"),
                       sa.column("max_stay_months"))
    for row in connection.execute(sa.select(housing.c.id, housing.c.duration)).all():
        shortest, longest = stays.stay_months(row.duration)
        if shortest is not None or longest is not None:
            connection.execute(housing.update().where(housing.c.id == row.id)
                               .values(min_stay_months=shortest, max_stay_months=longest))


def downgrade() -> None:
    with op.batch_alter_table("childcare") as table:
        table.drop_column("night")
        table.drop_column("closes_at")
        table.drop_column("opens_at")
    with op.batch_alter_table("housing") as table:
        table.drop_column("max_stay_months")
        table.drop_column("min_stay_months")
