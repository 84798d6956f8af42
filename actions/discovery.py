"""Discovering the professions: forums, job datings, visits, immersions, internships."""
import re
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import AnswerAction, topic
from actions.formatting import counted, event_extra, resource_line
from actions.messages import say
from actions.places import answer_places
from knowledge.partners import naming, queries, topics
from knowledge.partners.criteria import Criteria
from knowledge.partners.queries import Resource
from knowledge.partners.topics import Topic

# « aides-soignants », « infirmières »: the words without their plural s, to find professions named.
PLURAL = re.compile(r"(\w{3,})s\b")


def for_profession(events: List[Resource], profession: Optional[str]) -> List[Resource]:
    """The events open to `profession`: those naming it, and those naming no profession at all."""
    if profession is None:
        return events
    finder = naming.canonicalisers()["profession"]

    def named(event: Resource) -> set:
        text = f"{event.name}. {event.description}"
        singular = PLURAL.sub(r"\1", text)
        return {value for value, _, _ in finder.find_in(f"{text}. {singular}")}

    return [e for e, names in ((e, named(e)) for e in events) if not names or profession in names]


def answer_discovery(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    criteria = Criteria.from_tracker(tracker)
    profession = criteria.value("profession")
    answer_places(dispatcher, tracker, "discovery",
                  lambda communes: for_profession(topics.find(Topic.DISCOVERY, communes), profession),
                  lambda r: resource_line(r, event_extra(r)))
    internships = queries.find_openings(profession=criteria.value("profession"), contract="stage", limit=0).total
    if internships:
        say(dispatcher, "discovery_internships", internships=counted(internships, "internship"))
    else:  # a count of zero is never offered as a lead
        say(dispatcher, "discovery_internships_none")
    return [topic(Topic.DISCOVERY)]


class ActionDiscovery(AnswerAction):
    action_name = "action_discovery"
    answer = staticmethod(answer_discovery)
