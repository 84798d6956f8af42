"""When the partner database is unavailable (locked, damaged, unreachable): a French answer instead of
an empty reply, and the error logged once per message, not a traceback to the person.

`say_unavailable` is what a topic answer (actions/answers.py) says; `ends_form_when_unavailable`
wraps the `run` of a form's validation or question, which also ends the form. The answer Rasa runs
once a form has ended stays silent for that message (`already_said`): no second copy, no
« vous avez annulé »."""
import functools
import logging
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from actions.messages import say
from knowledge.texts import text

logger = logging.getLogger(__name__)

# What a database that cannot answer raises (sqlite3's « database is locked », « file is not a
# database », PostgreSQL unreachable…), wrapped by SQLAlchemy.
DATABASE_ERRORS = (DBAPIError, SQLAlchemyError)


def already_said(tracker: Tracker) -> bool:
    """The unavailable answer was given since the person's latest message (by a form that ended)."""
    said = text("service_unavailable")
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot" and event.get("text") == said:
            return True
    return False


def say_unavailable(dispatcher: CollectingDispatcher, error: Exception, what: str) -> List[Dict[str, Any]]:
    logger.error("Base des partenaires indisponible pendant « %s » : %s", what, error.__class__.__name__)
    dispatcher.messages.clear()  # what was written before the failure is half an answer
    say(dispatcher, "service_unavailable")
    return []


def ends_form_when_unavailable(action_class):
    """Class decorator for a form's validation action or question (`action_ask_*`) and for what
    starts a form: a database error during `run` gives the French answer and ends the form (its
    requested slot emptied, no active loop), instead of an exception that leaves the person
    without a reply."""
    run = action_class.run

    @functools.wraps(run)
    async def guarded(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict[str, Any]]:
        try:
            return await run(self, dispatcher, tracker, domain)
        except DATABASE_ERRORS as error:
            return say_unavailable(dispatcher, error, self.name()) + [SlotSet("requested_slot", None),
                                                                      ActiveLoop(None)]

    action_class.run = guarded
    return action_class
