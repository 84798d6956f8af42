"""The schema of release fc26e57, the last one made by `create_all` (migrations/release_fc26e57.py).

A database made by that release (or any later one before migrations) has these tables and no
`alembic_version`: knowledge/migrate.py stamps it with this revision instead of running it.

Revision ID: 0001
Revises:
"""
from alembic import op

from migrations import release_fc26e57

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    release_fc26e57.Base.metadata.create_all(op.get_bind())


def downgrade() -> None:
    release_fc26e57.Base.metadata.drop_all(op.get_bind())
