"""The partner structures of Côté Soin, and the help desks for setting up a practice."""
from collections import Counter
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import AnswerAction, topic
from actions.criteria import Criteria
from actions.formatting import resource_line, structure_extra
from actions.messages import say
from actions.places import answer_places, mentions
from knowledge import queries, vocabulary

INSTALLATION_HELP = ["guichet_installation", "cpts", "msp"]


def answer_partners(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    keywords = vocabulary.vocabulary()["structure_keywords"]
    types = sorted({kind for word, kind in keywords.items() if mentions(tracker, [word])}) or None
    if types is None and Criteria.from_tracker(tracker).value("commune") is None:
        counts = Counter(vocabulary.structure_type_label(s.type) for s in queries.find_structures())
        say(dispatcher, "partners_overview", count=sum(counts.values()),
                                 kinds=", ".join(f"{label} ({n})" for label, n in counts.most_common()))
        return [topic("partners")]
    answer_places(dispatcher, tracker, "partners", lambda communes: queries.find_structures(types, communes),
                  lambda r: resource_line(r, structure_extra(r)))
    say(dispatcher, "partners_next")
    return [topic("partners")]


def answer_installation(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    say(dispatcher, "installation_aids")
    answer_places(dispatcher, tracker, "installation",
                  lambda communes: queries.find_structures(INSTALLATION_HELP, communes),
                  lambda r: resource_line(r, structure_extra(r)))
    say(dispatcher, "installation_next")
    return [topic("installation")]


class ActionPartners(AnswerAction):
    action_name = "action_partners"
    answer = staticmethod(answer_partners)


class ActionInstallation(AnswerAction):
    action_name = "action_installation"
    answer = staticmethod(answer_installation)
