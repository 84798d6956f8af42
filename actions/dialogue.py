"""Turns that depend on what came before: follow-ups, yes/no answers, misunderstandings."""
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import Answer, AnswerAction, buttons
from actions.discovery import answer_discovery
from actions.handoff import CALLBACK_FORM, decline_callback, request_human
from actions.jobs import decline_more, show_more_openings, show_openings
from actions.living import answer_childcare, answer_housing, answer_mobility, answer_spouse_job
from actions.messages import say
from actions.partners import answer_installation, answer_partners, show_more_partners
from actions.pending import Pending, set_pending, waiting_for
from actions.privacy import erase_data
from actions.professions import TARGET, answer_profession, answer_training
from knowledge.partners.criteria import Criteria
from knowledge.partners.topics import Topic
from knowledge.texts import text

# The answer given again to a criterion alone, by the topic the conversation is on (the plan has none).
TOPICS: Dict[Topic, Answer] = {
    Topic.JOBS: show_openings,
    Topic.PROFESSION: answer_profession,
    Topic.TRAINING: answer_training,
    Topic.DISCOVERY: answer_discovery,
    Topic.HOUSING: answer_housing,
    Topic.CHILDCARE: answer_childcare,
    Topic.MOBILITY: answer_mobility,
    Topic.SPOUSE_JOB: answer_spouse_job,
    Topic.INSTALLATION: answer_installation,
    Topic.PARTNERS: answer_partners,
}
MISUNDERSTOOD = {"nlu_fallback", "out_of_scope"}
CRITERIA = {"profession", "commune", "contract_type", "work_time"}
# A message this short that names a criterion is a criterion given alone ("Et à Pornic ?").
SHORT_MESSAGE_WORDS = 5


def looks_for_work(tracker: Tracker) -> bool:
    """A profession with a place, a contract or a schedule (« ASH en CDD sur Corsept ») is a job search."""
    criteria = Criteria.from_tracker(tracker)
    return criteria.profession is not None and any(
        getattr(criteria, slot) is not None for slot in ("commune", "contract_type", "work_time"))


def aims_at_profession(tracker: Tracker) -> bool:
    return any(e.get("entity") == "profession" and e.get("role") == TARGET
               for e in tracker.latest_message.get("entities", []))


def follow_up(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """A criterion given alone ("et à Vue ?") answers the current topic again with it; with no
    topic yet, a profession and another criterion are answered with the openings. A profession aimed
    at (entity role `target`: « je vise le diplôme d'infirmière ») is a training question."""
    if aims_at_profession(tracker):
        return answer_training(dispatcher, tracker)
    answer = TOPICS.get(tracker.get_slot("topic") or "")
    if answer is not None:
        return answer(dispatcher, tracker)
    if looks_for_work(tracker):
        return show_openings(dispatcher, tracker)
    say(dispatcher, "what_about", buttons=buttons([
        (text("button.job_openings"), "/search_jobs"), (text("button.the_profession"), "/ask_profession"),
        (text("button.train"), "/ask_training"), (text("button.find_housing"), "/ask_housing"),
    ]))
    return []


def answer_yes(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    pending = waiting_for(tracker)
    if pending is Pending.MORE_JOBS:
        return show_more_openings(dispatcher, tracker)
    if pending is Pending.MORE_PARTNERS:
        return show_more_partners(dispatcher, tracker)
    if pending is Pending.HUMAN:
        return request_human(dispatcher, tracker)
    if pending is Pending.CALLBACK:
        # A rule starts the form on this "oui" (nlu/rules/handoff.yml); this is only a safety net.
        return [FollowupAction(CALLBACK_FORM)]
    if pending is Pending.ERASE:
        return erase_data(dispatcher, tracker)
    dispatcher.utter_message(response="utter_help")
    return []


def answer_more(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """« voir la suite »: the next page of the last list, or say there is nothing more and show the menu."""
    pending = waiting_for(tracker)
    if pending is Pending.MORE_JOBS:
        return show_more_openings(dispatcher, tracker)
    if pending is Pending.MORE_PARTNERS:
        return show_more_partners(dispatcher, tracker)
    say(dispatcher, "nothing_more")
    dispatcher.utter_message(response="utter_help")
    return []


def answer_no(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    pending = waiting_for(tracker)
    if pending is Pending.CALLBACK:
        return decline_callback(dispatcher)
    if pending is Pending.MORE_JOBS:
        return decline_more(dispatcher, tracker)
    say(dispatcher, "no_problem")
    return [set_pending(None)]


def misunderstood_in_a_row(tracker: Tracker) -> int:
    """How many of the latest user messages in a row were not understood or out of scope."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if (event.get("parse_data", {}).get("intent") or {}).get("name") not in MISUNDERSTOOD:
            break
        count += 1
    return count


def is_bare_criterion(tracker: Tracker) -> bool:
    message = tracker.latest_message
    named = any(e.get("entity") in CRITERIA for e in message.get("entities", []))
    return named and len((message.get("text") or "").split()) <= SHORT_MESSAGE_WORDS


def fallback(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """An honest answer and the menu; from the second misunderstanding in a row, offer a human.

    A short unclear message that names a criterion is taken as one given alone (`follow_up`).
    """
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent == "nlu_fallback" and is_bare_criterion(tracker):
        return follow_up(dispatcher, tracker)
    if misunderstood_in_a_row(tracker) >= 2:
        say(dispatcher, "offer_human", buttons=buttons([
            (text("button.yes_a_coordinator"), "/request_human"), (text("button.no_thanks"), "/deny"),
        ]))
        return [set_pending(Pending.HUMAN)]
    response = "out_of_scope" if intent == "out_of_scope" else "not_understood"
    say(dispatcher, response)
    dispatcher.utter_message(response="utter_help")
    return []


class ActionFollowUp(AnswerAction):
    action_name = "action_follow_up"
    answer = staticmethod(follow_up)


class ActionYes(AnswerAction):
    action_name = "action_yes"
    answer = staticmethod(answer_yes)


class ActionNo(AnswerAction):
    action_name = "action_no"
    answer = staticmethod(answer_no)


class ActionMore(AnswerAction):
    action_name = "action_more"
    answer = staticmethod(answer_more)


class ActionFallback(AnswerAction):
    action_name = "action_fallback"
    answer = staticmethod(fallback)
