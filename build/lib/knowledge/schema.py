"""Every table of the partner database, for the migrations and a new database (knowledge/migrate.py,
migrations/env.py).

The one root module that imports the packages: their `models` modules only (tables on the root
`Base`, knowledge/models.py), so that `Base.metadata` holds every table whichever module first
opened the database. tests/test_layering.py allows this import and no other upward one.
"""
from knowledge import audit  # noqa: F401  (the audit trail's table)
from knowledge.coordination import models as coordination_models  # noqa: F401
from knowledge.models import Base
from knowledge.partners import models as partners_models  # noqa: F401

__all__ = ["Base"]
