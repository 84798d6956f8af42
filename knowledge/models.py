"""The one declarative `Base` of the partner database: every package's tables (knowledge/partners/models.py,
knowledge/coordination/models.py, knowledge/audit.py) are declared on it, so that one metadata holds them all
(knowledge/schema.py gathers them for Alembic and for a new database)."""
from sqlalchemy.orm import declarative_base

Base = declarative_base()
