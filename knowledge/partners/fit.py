"""What suits a person: the rules shared by the assistant's answers (actions/living.py,
actions/discovery.py) and the installation plan (knowledge/partners/plan_builder.py), so that both
offer the same childcare at night, the same transport without a car and the same events.
"""
import re
from typing import List, Optional, Set

from knowledge.partners import naming, vocabulary
from knowledge.partners.queries import Resource

# « aides-soignants », « infirmières »: the words without their plural s, to find professions named.
PLURAL = re.compile(r"(\w{3,})s\b")


def covers_night(resource: Resource) -> bool:
    """Care that looks after children at night: `nuit` = oui in garde_enfants.csv or, when the
    partner did not say, a type that can (vocabulary.yml childcare_night_types)."""
    night = resource.details.get("night")
    if night is not None:
        return night
    return resource.type in vocabulary.vocabulary()["childcare_night_types"]


def types_needing_a_car() -> Set[str]:
    """The mobility types left out for a person without a car or a licence (vocabulary.yml
    mobility_situations: a rented car needs a driver)."""
    return {kind for situation in vocabulary.vocabulary()["mobility_situations"].values()
            for kind in situation["exclude"]}


def professions_named(event: Resource) -> Set[str]:
    """The professions an event's title or description names (« Job dating aides-soignants »)."""
    finder = naming.canonicalisers()["profession"]
    text = f"{event.name}. {event.description}"
    singular = PLURAL.sub(r"\1", text)
    return {value for value, _, _ in finder.find_in(f"{text}. {singular}")}


def for_profession(events: List[Resource], *professions: Optional[str]) -> List[Resource]:
    """The events open to one of `professions`: those naming it, and those naming no profession at
    all (every event when no profession is known)."""
    wanted = {p for p in professions if p}
    if not wanted:
        return events
    return [e for e, names in ((e, professions_named(e)) for e in events) if not names or names & wanted]
