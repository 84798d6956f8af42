"""Discovering the professions: forums, job datings, visits, immersions, internships."""
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import AnswerAction, topic
from actions.formatting import counted, event_extra, resource_line
from actions.messages import say
from actions.places import answer_places
from knowledge.partners import fit, queries, topics
from knowledge.partners.criteria import Criteria
from knowledge.partners.topics import Topic


def answer_discovery(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    criteria = Criteria.from_tracker(tracker)
    profession = criteria.value("profession")
    answer_places(dispatcher, tracker, "discovery",
                  lambda communes: fit.for_profession(topics.find(Topic.DISCOVERY, communes), profession),
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
