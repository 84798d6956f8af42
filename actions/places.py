"""Answers that list resources of the territory, in the asked commune or around it."""
from typing import Callable, List, Optional, Sequence

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.criteria import Criteria
from actions.formatting import in_commune
from actions.messages import say
from knowledge import queries
from knowledge.normalise import key
from knowledge.queries import Resource

LIMIT = 5


def mentions(tracker: Tracker, words: Sequence[str]) -> bool:
    """Whether the latest message contains one of `words` (compared without accents/case)."""
    text = f" {key(tracker.latest_message.get('text') or '')} "
    return any(f" {key(word)} " in text for word in words)


def answer_places(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    prefix: str,
    find: Callable[[Optional[List[str]]], List[Resource]],
    line: Callable[[Resource], str],
) -> List[Resource]:
    """Send the resources found in the user's commune, or else in the nearest communes.

    Uses the responses `<prefix>_found` (where), `<prefix>_nearby` (commune) and `<prefix>_none`
    (where); returns what was shown.
    """
    commune = Criteria.from_tracker(tracker).value("commune")
    found = find([commune] if commune else None)
    response = f"{prefix}_found"
    if commune and not found:
        found = find(queries.neighbours(commune))
        response = f"{prefix}_nearby"
    if not found:
        say(dispatcher, f"{prefix}_none", where=in_commune(commune))
        return []
    say(dispatcher, response, where=in_commune(commune), commune=commune)
    dispatcher.utter_message(text="\n".join(line(r) for r in found[:LIMIT]))
    if len(found) > LIMIT:
        say(dispatcher, "more_places", count=len(found) - LIMIT)
    return found
