"""Hand a conversation over to the Côté Soin coordinators, and offer a call back when nobody can answer.

During the office hours of `knowledge/coordination/handoff.yml` the request is recorded and a Rasa reminder
(`EXTERNAL_handoff_unclaimed`) comes back after `claim_delay_minutes`: if the request is still open
and nobody left a contact, the assistant offers a call back (Rasa keeps reminders in memory only:
the web site sends the ones a restart lost, bot/web/console/reminders.py). Outside the hours it
says when the coordinators are there and offers the call back at once. The call back is a yes/no question (the
`pending` slot is "callback"); "oui" starts `callback_form`, which asks for an e-mail address or a
French phone number and keeps it with the exact consent question, then forgets it from the slots.
"""
import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ReminderScheduled, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.answers import AnswerAction, buttons
from actions.contact import means_cancel, parse_contact
from actions.messages import say
from actions.pending import Pending, set_pending, waiting_for
from actions.unavailable import DATABASE_ERRORS
from knowledge.coordination import handoff, handoff_spool, privacy
from knowledge.coordination.handoff_settings import REMINDER_INTENT, REQUEST_ENTITY, claim_delay, settings
from knowledge.partners.criteria import Criteria
from knowledge.partners.queries import NotFound
from knowledge.texts import text

logger = logging.getLogger(__name__)

CALLBACK_FORM = "callback_form"
CONTACT_SLOT = "callback_contact"
CONSENT_SLOT = "callback_consent"
# After this many messages without a readable contact, the form gives up (nothing is kept).
MAX_CONTACT_ATTEMPTS = 3


def unclaimed_reminder(request_id: int, delay: timedelta, now: Optional[datetime] = None) -> Dict[str, Any]:
    """Come back after `delay`. One reminder per request: Rasa replaces a job of the same name, and
    the name is global to the server, hence the request id in it."""
    return ReminderScheduled(
        REMINDER_INTENT,
        trigger_date_time=(now or datetime.now(timezone.utc)) + delay,
        entities=[{"entity": REQUEST_ENTITY, "value": str(request_id)}],
        name=f"handoff_unclaimed_{request_id}",
        kill_on_user_message=False,
    )


def consent_question() -> Optional[str]:
    """The call-back question, with the retention of knowledge/coordination/privacy.yml; None if it cannot be read."""
    try:
        months = privacy.retention()["contact_months_after_close"]
    except (OSError, KeyError, TypeError, ValueError) as error:
        logger.error("Durée de conservation des contacts illisible (knowledge/coordination/privacy.yml) : %s. "
                     "Pas de proposition de rappel.", error)
        return None
    return text("callback_offer", retention_months=months)


def offer_callback(dispatcher: CollectingDispatcher) -> List[Dict[str, Any]]:
    """Ask whether to keep a contact; the exact question is kept to be saved with the contact.

    Without a readable retention period, no contact is asked for (the request stays in the queue)."""
    consent = consent_question()
    if consent is None:
        return []
    dispatcher.utter_message(text=consent, buttons=buttons([(text("button.yes_contact_me"), "/affirm"),
                                                            (text("button.no_thanks"), "/deny")]))
    return [set_pending(Pending.CALLBACK), SlotSet(CONSENT_SLOT, consent)]


def request_human(dispatcher: CollectingDispatcher, tracker: Tracker,
                  now: Optional[datetime] = None) -> List[Dict[str, Any]]:
    """Record (or refresh) the request with who, where, what about and the criteria collected.
    With the database unavailable, the request is kept on disk for the site to record later."""
    request = {"sender_id": tracker.sender_id, "channel": tracker.get_latest_input_channel() or "inconnu",
               "topic": tracker.get_slot("topic") or ""}
    try:
        request["criteria"] = Criteria.from_tracker(tracker).as_dict()  # canonical names come from the database
        request_id, created = handoff.record_request(**request)
    except DATABASE_ERRORS as error:
        logger.error("Base indisponible : demande de mise en relation gardée en attente (%s)",
                     error.__class__.__name__)
        raw = {slot: tracker.get_slot(slot) for slot in Criteria.__dataclass_fields__ if tracker.get_slot(slot)}
        handoff_spool.keep(**{"criteria": raw, **request})
        say(dispatcher, "handoff_kept")
        return [set_pending(None)]
    handoff_settings = settings()
    is_open = handoff_settings.is_open(now)
    events: List[Dict[str, Any]] = [set_pending(None)]
    if not created:
        say(dispatcher, "handoff_already", request_id=request_id)
        request = handoff.current_request(tracker.sender_id)
        if not is_open and request is not None and request.status == handoff.OPEN and not request.contact:
            events += offer_callback(dispatcher)
        return events
    if is_open:
        say(dispatcher, "handoff_recorded", request_id=request_id)
        return events + [unclaimed_reminder(request_id, claim_delay(handoff_settings), now)]
    say(dispatcher, "handoff_recorded_closed", request_id=request_id, hours=handoff_settings.describe(),
        next_opening=handoff_settings.describe_next_opening(now))
    return events + offer_callback(dispatcher)


def _reminded_request_id(tracker: Tracker) -> Optional[int]:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == REQUEST_ENTITY and str(entity.get("value", "")).isdigit():
            return int(entity["value"])
    return None


def handoff_unclaimed(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """The reminder: nobody has picked the request up yet, so offer a call back.

    Silent when the request was claimed or closed, a contact was left, this reminder was already
    handled (Rasa's and the console's back-up may both come), the call back was already offered, or
    the person is in the middle of a form.
    """
    request = handoff.current_request(tracker.sender_id)
    reminded = _reminded_request_id(tracker)
    if request is None or request.status != handoff.OPEN or request.contact:
        return []
    if (reminded is not None and reminded != request.id) or not handoff.mark_reminded(request.id):
        return []
    if waiting_for(tracker) is Pending.CALLBACK or (tracker.active_loop or {}).get("name"):
        return []
    say(dispatcher, "handoff_unclaimed", request_id=request.id)
    return offer_callback(dispatcher)


def decline_callback(dispatcher: CollectingDispatcher) -> List[Dict[str, Any]]:
    """« Non » to the call back, or cancelled: nothing is kept, the request stays in the queue."""
    say(dispatcher, "callback_declined")
    return [set_pending(None), SlotSet(CONTACT_SLOT, None), SlotSet(CONSENT_SLOT, None)]


def save_callback(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """After `callback_form`: keep the contact with the consent, or nothing if it was cancelled.

    The contact never stays in a slot."""
    contact = tracker.get_slot(CONTACT_SLOT)
    consent = tracker.get_slot(CONSENT_SLOT) or consent_question()
    if not contact or not consent:
        return decline_callback(dispatcher)
    forget = [set_pending(None), SlotSet(CONTACT_SLOT, None), SlotSet(CONSENT_SLOT, None)]
    request = handoff.current_request(tracker.sender_id)
    try:
        if request is None:
            raise NotFound("demande")
        handoff.save_contact(request.id, contact, consent)
    except NotFound:
        say(dispatcher, "callback_request_closed")
        return forget
    where = text("piece.at_email", contact=contact) if "@" in contact else text("piece.at_phone", contact=contact)
    say(dispatcher, "callback_saved", where=where, request_id=request.id)
    return forget


def attempts_in_form(tracker: Tracker) -> int:
    """User messages since `callback_form` started, the current one included."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == CALLBACK_FORM:
            break
        if event.get("event") == "user":
            count += 1
    return count


class ValidateCallbackForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_callback_form"

    def validate_callback_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Dict[str, Any]:
        """An e-mail or a French phone number, normalised; « annuler » / « non » ends the form."""
        message = str(value or "")
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        stop = {CONTACT_SLOT: None, "requested_slot": None}
        if means_cancel(message, intent):
            return stop
        contact = parse_contact(message)
        if contact is not None:
            return {CONTACT_SLOT: contact}
        if attempts_in_form(tracker) >= MAX_CONTACT_ATTEMPTS:
            say(dispatcher, "callback_give_up")
            return stop
        say(dispatcher, "callback_invalid")
        return {CONTACT_SLOT: None}


class ActionAskCallbackContact(Action):
    """The form's question (the text lives in knowledge/texts/, like every custom action's)."""

    def name(self) -> Text:
        return "action_ask_callback_contact"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict[str, Any]]:
        say(dispatcher, "callback_ask")
        return []


class ActionRequestHuman(AnswerAction):
    action_name = "action_request_human"
    answer = staticmethod(request_human)


class ActionHandoffUnclaimed(AnswerAction):
    action_name = "action_handoff_unclaimed"
    answer = staticmethod(handoff_unclaimed)


class ActionSaveCallback(AnswerAction):
    action_name = "action_save_callback"
    answer = staticmethod(save_callback)
