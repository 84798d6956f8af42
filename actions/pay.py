"""Pay and working conditions: overtime, bonuses, night premiums, the salary at a given employer.

components/first_answer_policy.py runs `action_pay` for a message that components/message_cues.py
marked `pay` (knowledge/pay.yml). The assistant does not know each employer's pay: it says what it
depends on (the employer and its collective agreement), gives the profession's usual pay when a
profession is known (`salaire` of the professions' file), and offers a coordinator who can ask.
Never a list of structures.
"""
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import AnswerAction, buttons, topic
from actions.messages import say
from actions.pending import set_pending
from knowledge.partners import queries
from knowledge.partners.criteria import Criteria
from knowledge.partners.naming import ANY, canonical
from knowledge.partners.topics import Topic
from knowledge.texts import text


def _profession(tracker: Tracker) -> Optional[queries.ProfessionInfo]:
    """The profession named in the message, else the one of the conversation; None when unknown."""
    named = [canonical("profession", e.get("value")) for e in tracker.latest_message.get("entities", [])
             if e.get("entity") == "profession"]
    code = next((c for c in named if c and c != ANY), None) or Criteria.from_tracker(tracker).value("profession")
    if code is None:
        return None
    try:
        return queries.get_profession(code)
    except queries.NotFound:
        return None


def answer_pay(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    say(dispatcher, "pay_depends")
    profession = _profession(tracker)
    if profession is not None and profession.pay:
        say(dispatcher, "pay_profession", label=profession.label, pay=profession.pay)
    elif profession is None:
        say(dispatcher, "pay_which_profession")
    choices = [(text("button.talk_to_a_coordinator"), "/request_human")]
    if profession is not None:
        choices.append((text("button.the_openings"), f'/search_jobs{{"profession":"{profession.code}"}}'))
    say(dispatcher, "pay_coordinator", buttons=buttons(choices))
    return [topic(Topic.PROFESSION), set_pending(None)]


class ActionPay(AnswerAction):
    action_name = "action_pay"
    answer = staticmethod(answer_pay)
