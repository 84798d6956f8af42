"""« Mon projet d'installation »: the plan as one reply, its page link, the e-mail request, the
hand-over to a coordinator. The form that collects the situation is actions/plan_form.py; the
plan is built by knowledge/partners/plan_builder.py and kept by knowledge/coordination/plans.py.
"""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.answers import AnswerAction, buttons, topic
from actions.contact import means_cancel, parse_email
from actions.formatting import french_moment, short
from actions.handoff import request_human
from actions.messages import say
from actions.plan_form import MADE, cancelled, situation
from knowledge.coordination import handoff, mail_settings, plans
from knowledge.coordination.applications import apply_payload
from knowledge.partners import plan_builder
from knowledge.partners.topics import Topic
from knowledge.texts import text

EMAIL_SLOT = "plan_email"
NEXT_BUTTONS = [("button.receive_my_plan", "/plan_receive"),  # (title's text key, payload)
                ("button.hand_my_project_over", "/plan_handover")]


def page_url(token: str) -> str:
    return plans.page_url(token)


def item_line(item: Dict[str, Any]) -> str:
    line = f"• {item['name']}" + (f" ({item['commune']})" if item.get("commune") else "")
    if item.get("detail"):
        line += f" — {item['detail']}"
    if item.get("contact"):
        line += f"\n  Contact : {item['contact']}"
    return line


def plan_text(plan: Dict[str, Any], where: str, url: str) -> str:
    """The plan as one message: a few lines per section, a section cut short ending on the link to
    it on the plan's page (`url`), then what is missing (no blank line: Rasa's channels cut a
    message in two at each one)."""
    limit = plan_builder.settings()["brief_limit"]
    parts = [text("plan_heading", where=where)]
    for section in plan["sections"]:
        lines = [f"▸ {section['title']}"] + [item_line(i) for i in section["items"][:limit]]
        if len(section["items"]) > limit:
            lines.append(text("plan_section_more", count=len(section["items"]) - limit,
                              url=f"{url}#s-{section['key']}"))  # the section's anchor on the page
        parts.append("\n".join(lines))
    if not plan["sections"]:
        parts.append(text("plan_empty"))
    if plan["gaps"]:
        parts.append("\n".join([text("plan_gaps"), *(f"• {g['text']}" for g in plan["gaps"]),
                                text("plan_gaps_offer")]))
    return "\n".join(parts)


def apply_buttons(plan: Dict[str, Any]) -> List[Dict[str, str]]:
    """A « Postuler » button per opening shown in the reply (the apply form of actions/apply.py)."""
    limit = plan_builder.settings()["brief_limit"]
    jobs = [i for s in plan["sections"] if s["key"] == "jobs" for i in s["items"][:limit] if i.get("opening_id")]
    return [{"title": text("button.apply", title=short(i["name"])), "payload": apply_payload(i["opening_id"])}
            for i in jobs]


def _where(facts: Dict[str, Any]) -> str:
    commune = facts.get("commune") or ""
    if commune.startswith(plan_builder.EPCI_PREFIX):
        return commune[len(plan_builder.EPCI_PREFIX):]
    if commune and commune != "peu_importe":
        return text("plan_where_short.commune", commune=commune)
    return text("plan_where_short.territory")


def answer_plan(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """Build the plan from the form's answers, keep it (for its page and the observatory), show it;
    after « annuler » nothing is built nor kept."""
    if cancelled(tracker):
        say(dispatcher, "plan_cancelled", buttons=buttons([(text("button.prepare_my_move"), "/plan_move")]))
        return []
    facts = situation(tracker)
    plan = plan_builder.build(facts)
    kept = plans.save(tracker.sender_id, facts, plan)
    dispatcher.utter_message(text=plan_text(plan, _where(facts), page_url(kept.token)), buttons=apply_buttons(plan))
    say(dispatcher, "plan_next", buttons=buttons([(text(key), payload) for key, payload in NEXT_BUTTONS]))
    return [topic(Topic.PLAN), SlotSet(MADE, True)]


def send_link(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """« Recevoir mon plan »: the link to its page, and the e-mail offered."""
    plan = plans.latest(tracker.sender_id)
    if plan is None:
        say(dispatcher, "plan_none_yet", buttons=buttons([(text("button.prepare_my_move"), "/plan_move")]))
        return []
    say(dispatcher, "plan_link", days=plan_builder.settings()["page_days"], url=page_url(plan.token),
        until=f"{plan.expires_at:%d/%m/%Y}")
    if mail_settings.smtp() is None:
        say(dispatcher, "plan_email_unavailable", url=page_url(plan.token))
        return []
    say(dispatcher, "plan_email_offer", buttons=buttons([(text("button.yes_by_email"), "/plan_email"),
                                                         (text("button.no_thanks"), "/deny")]))
    return []


def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """« Confier mon projet »: the request for a coordinator, with the plan as its case file."""
    plan = plans.latest(tracker.sender_id)
    events = request_human(dispatcher, tracker)
    request = handoff.current_request(tracker.sender_id)
    if plan is not None and request is not None:
        plans.attach_request(plan.id, request.id)
        say(dispatcher, "plan_handed_over", request_id=request.id)
    return events


def email_question() -> str:
    return text("plan_email_ask", days=plan_builder.settings()["page_days"])


class ActionAskPlanEmail(Action):
    def name(self) -> Text:
        return "action_ask_plan_email"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[EventType]:
        dispatcher.utter_message(text=email_question())
        return []


class ValidatePlanEmailForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_plan_email_form"

    async def extract_plan_email(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[str, Any]:
        if tracker.get_slot("requested_slot") != EMAIL_SLOT:
            return {}
        return {EMAIL_SLOT: tracker.latest_message.get("text") or ""}

    def validate_plan_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> Dict[str, Any]:
        said = str(value or "")
        if means_cancel(said, (tracker.latest_message.get("intent") or {}).get("name")):
            return {EMAIL_SLOT: None, "requested_slot": None}
        email = parse_email(said)
        if email is None:
            say(dispatcher, "plan_email_invalid")
        return {EMAIL_SLOT: email}


def save_email(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """Keep the address with the plan and the consent question (sent by the outbox); never in a slot."""
    email = tracker.get_slot(EMAIL_SLOT)
    plan = plans.latest(tracker.sender_id)
    if not email or plan is None:
        say(dispatcher, "plan_email_cancelled")
        return [SlotSet(EMAIL_SLOT, None)]
    if mail_settings.smtp() is None:  # no server to send it: keep nothing, say so, give the link
        say(dispatcher, "plan_email_unavailable", url=page_url(plan.token))
        return [SlotSet(EMAIL_SLOT, None)]
    later = plans.request_email(plan.id, email, email_question())
    if later is None:
        say(dispatcher, "plan_email_saved", email=email)
    else:
        say(dispatcher, "plan_email_later", email=email, when=french_moment(later), url=page_url(plan.token))
    return [SlotSet(EMAIL_SLOT, None)]


class ActionPlanReply(AnswerAction):
    action_name = "action_plan_reply"
    answer = staticmethod(answer_plan)


class ActionPlanLink(AnswerAction):
    action_name = "action_plan_link"
    answer = staticmethod(send_link)


class ActionPlanHandover(AnswerAction):
    action_name = "action_plan_handover"
    answer = staticmethod(hand_over)


class ActionPlanEmailSave(AnswerAction):
    action_name = "action_plan_email_save"
    answer = staticmethod(save_email)
