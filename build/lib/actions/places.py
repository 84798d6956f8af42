"""Answers that list resources of the territory, in the asked commune or around it."""
from typing import Callable, List, Optional, Sequence

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.formatting import in_commune
from actions.messages import say
from knowledge.partners import queries, vocabulary
from knowledge.partners.criteria import Criteria
from knowledge.partners.normalise import key
from knowledge.partners.queries import Resource

LIMIT = 5


def _contains(message: str, words: Sequence[str]) -> bool:
    text = f" {key(message)} "
    return any(f" {key(word)} " in text for word in words)


def mentions(tracker: Tracker, words: Sequence[str]) -> bool:
    """Whether the latest message contains one of `words` (compared without accents/case)."""
    return _contains(tracker.latest_message.get("text") or "", words)


def said_before(tracker: Tracker, words: Sequence[str]) -> bool:
    """Whether an earlier message of the conversation (since its last restart, before the latest
    one) contains one of `words`: what the person said about themselves still holds."""
    said = [e.get("text") or "" for e in tracker.events_after_latest_restart() if e.get("event") == "user"]
    return any(_contains(message, words) for message in said[:-1])


def answer_places(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    prefix: str,
    find: Callable[[Optional[List[str]]], List[Resource]],
    line: Callable[[Resource], str],
    **values: str,
) -> List[Resource]:
    """Send the resources found in the user's commune, or else in the nearest communes.

    Uses the responses `<prefix>_found` (where), `<prefix>_nearby` (commune) and `<prefix>_none`
    (where), filled with `values` too; returns what was shown.
    """
    commune = Criteria.from_tracker(tracker).value("commune")
    found = find([commune] if commune else None)
    response = f"{prefix}_found"
    if commune and not found:
        found = find(queries.neighbours(commune))
        response = f"{prefix}_nearby"
    if not found:
        say(dispatcher, f"{prefix}_none", where=in_commune(commune), **values)
        return []
    say(dispatcher, response, where=in_commune(commune), commune=commune, **values)
    dispatcher.utter_message(text="\n".join(line(r) for r in found[:LIMIT]))
    if len(found) > LIMIT:
        say(dispatcher, "more_places", count=len(found) - LIMIT,
            example=example_commune([commune, *(r.commune for r in found)]))
    return found


def example_commune(avoid: Sequence[Optional[str]]) -> str:
    """A commune for an example (« et à Pornic ? »): never the one being discussed or just listed."""
    examples = vocabulary.vocabulary()["example_communes"]
    return next((c for c in examples if c not in avoid), next(c for c in examples if c != avoid[0]))
