"""Safety first: a medical emergency or distress is answered before any topic.

components/first_answer_policy.py runs `action_safety` right after a message in which
components/message_cues.py found the words of knowledge/safety.yml (the `safety` entity). A form
in progress is left (its next question would read as if nothing had been said).
"""
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import AnswerAction, buttons
from actions.messages import say
from actions.pending import Pending, set_pending
from knowledge.texts import text

SAFETY_ENTITY = "safety"


def safety_kind(tracker: Tracker) -> str:
    kinds = [e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == SAFETY_ENTITY]
    return "emergency" if "emergency" in kinds or not kinds else kinds[0]


def stop_form(tracker: Tracker) -> List[Dict[str, Any]]:
    """A form in progress (the job search) is left: its question would come right after the numbers."""
    if (tracker.active_loop or {}).get("name"):
        return [ActiveLoop(None), SlotSet("requested_slot", None)]
    return []


def answer_safety(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """« Appelez le 15 (SAMU) ou le 112 » first for an emergency; the 3114 then a coordinator for distress."""
    if safety_kind(tracker) == "emergency":
        say(dispatcher, "safety_emergency")
        return stop_form(tracker)
    say(dispatcher, "safety_distress")
    say(dispatcher, "safety_offer_human", buttons=buttons([
        (text("button.yes_a_coordinator"), "/request_human"), (text("button.no_thanks"), "/deny"),
    ]))
    return stop_form(tracker) + [set_pending(Pending.HUMAN)]


class ActionSafety(AnswerAction):
    action_name = "action_safety"
    answer = staticmethod(answer_safety)
