"""The schema of release fc26e57, the last one made by `create_all` (migrations/release_fc26e57.py).

A database made by that release (or any later one before migrations) has these tables and no
`alembic_version`: knowledge/migrate.py stamps it with this revision instead of running it.

Revision ID: 0001
Revises:
"""
import importlib.util
import sys
from pathlib import Path

from alembic import op


def _release_models():
    """migrations/release_fc26e57.py, loaded by its path: the `cotesoin` command does not have the
    project's root on its import path, and `migrations` is not an installed package."""
    name = "cotesoin_migrations_release_fc26e57"
    if name not in sys.modules:
        path = Path(__file__).resolve().parent.parent / "release_fc26e57.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


release_fc26e57 = _release_models()

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    release_fc26e57.Base.metadata.create_all(op.get_bind())


def downgrade() -> None:
    release_fc26e57.Base.metadata.drop_all(op.get_bind())
