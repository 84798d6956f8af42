"""Discovering the professions: forums, job datings, visits, immersions, internships."""
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import topic, topic_action
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
    if internships:
        say(dispatcher, "discovery_internships", internships=plural(internships, "offre de stage", "offres de stage"))
    else:  # a count of zero is never offered as a lead
        say(dispatcher, "discovery_internships_none")
    return [topic("discovery")]


ActionDiscovery = topic_action("action_discovery", answer_discovery)
