"""Discovering the professions: forums, job datings, visits, immersions, internships."""
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import AnswerAction, topic
from actions.criteria import Criteria
from actions.formatting import event_extra, plural, resource_line
from actions.messages import say
from actions.places import answer_places
from knowledge import queries


def answer_discovery(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    answer_places(dispatcher, tracker, "discovery", lambda communes: queries.upcoming_events(communes),
                  lambda r: resource_line(r, event_extra(r)))
    criteria = Criteria.from_tracker(tracker)
    internships = queries.find_openings(profession=criteria.value("profession"), contract="stage", limit=0).total
    say(dispatcher, "discovery_internships",
                             internships=plural(internships, "offre de stage", "offres de stage"))
    return [topic("discovery")]


class ActionDiscovery(AnswerAction):
    action_name = "action_discovery"
    answer = staticmethod(answer_discovery)
