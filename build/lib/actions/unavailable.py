"""When the partner database is unavailable (locked, damaged, unreachable): a French answer instead of
an empty reply, and the error logged once per message, not a traceback to the person."""
import logging
from typing import Any, Dict, List

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from actions.messages import say

logger = logging.getLogger(__name__)

# What a database that cannot answer raises (sqlite3's « database is locked », « file is not a
# database », PostgreSQL unreachable…), wrapped by SQLAlchemy.
DATABASE_ERRORS = (DBAPIError, SQLAlchemyError)


def say_unavailable(dispatcher: CollectingDispatcher, error: Exception, what: str) -> List[Dict[str, Any]]:
    logger.error("Base des partenaires indisponible pendant « %s » : %s", what, error.__class__.__name__)
    say(dispatcher, "service_unavailable")
    return []
