"""« M'alerter des nouvelles offres »: the alert form (consent, then an e-mail outside Telegram),
saved in knowledge/coordination/alerts.py; « arrêter les alertes » / `/stop_alertes` stops them in one step."""
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.answers import AnswerAction, buttons
from actions.apply import _said, cancels
from actions.contact import parse_email
from actions.jobs import describe
from actions.messages import say
from actions.unavailable import ends_form_when_unavailable
from knowledge.coordination import alerts, mail_settings
from knowledge.partners import queries
from knowledge.partners.criteria import Criteria
from knowledge.texts import text

CONSENT, EMAIL, CONSENT_TEXT = "alert_consent", "alert_email", "alert_consent_text"
YES, WITH_NEIGHBOURS = "yes", "neighbours"
NEIGHBOUR_WORDS = {"voisines", "avec les communes voisines", "oui avec les communes voisines", "et les voisines"}
YES_WORDS = {"oui", "oui m'alerter", "m'alerter", "ok", "d'accord", "volontiers", "/affirm"}
NO_WORDS = {"non", "non merci", "/deny", "pas maintenant"}


def by_telegram(tracker: Tracker) -> bool:
    return tracker.get_latest_input_channel() == alerts.TELEGRAM or tracker.sender_id.startswith("telegram-")


def _stop() -> Dict[str, Any]:
    return {CONSENT: None, EMAIL: None, "requested_slot": None}


class ValidateAlertForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_alert_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> List[Text]:
        """On Telegram the chat is the address: no e-mail asked."""
        return [CONSENT] if by_telegram(tracker) else [CONSENT, EMAIL]

    def validate_alert_consent(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[str, Any]:
        said = _said(value)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if said in NEIGHBOUR_WORDS:
            return {CONSENT: WITH_NEIGHBOURS}
        if said in YES_WORDS or intent == "affirm":
            return {CONSENT: YES}
        if cancels(value) or said in NO_WORDS or intent == "deny":
            return _stop()
        say(dispatcher, "alert_consent_unclear")
        return {CONSENT: None}

    def validate_alert_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> Dict[str, Any]:
        if cancels(value) or _said(value) in NO_WORDS:
            return _stop()
        email = parse_email(str(value or ""))
        if email is None:
            say(dispatcher, "alert_email_invalid")
            return {EMAIL: None}
        return {EMAIL: email}


@ends_form_when_unavailable
class ActionAskAlertConsent(Action):
    """What will be kept and why: the exact sentence is saved with the subscription."""

    def name(self) -> Text:
        return "action_ask_alert_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict[str, Any]]:
        consent = text("alert_consent_telegram" if by_telegram(tracker) else "alert_consent_email",
                       criteria=describe(Criteria.from_tracker(tracker)))
        choices = [(text("button.yes_alert_me"), "/affirm")]
        if Criteria.from_tracker(tracker).value("commune"):
            choices.append((text("button.yes_with_neighbour_communes"), "voisines"))
        dispatcher.utter_message(text=consent, buttons=buttons(choices + [(text("button.no_thanks"), "/deny")]))
        return [SlotSet(CONSENT_TEXT, consent)]


class ActionAskAlertEmail(Action):
    def name(self) -> Text:
        return "action_ask_alert_email"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict[str, Any]]:
        say(dispatcher, "alert_ask_email")
        return []


def _criteria(tracker: Tracker) -> Dict[str, Any]:
    """The search's criteria; the commune with its neighbours when the person chose so."""
    criteria = Criteria.from_tracker(tracker)
    commune: Optional[str] = criteria.value("commune")
    communes = [commune] if commune else []
    if commune and tracker.get_slot(CONSENT) == WITH_NEIGHBOURS:
        communes += [name for name in queries.neighbours(commune) if name != commune]
    return {"profession": criteria.value("profession"), "communes": communes,
            "contract": criteria.value("contract_type"), "work_time": criteria.value("work_time")}


def save_alert(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    forget = [SlotSet(CONSENT, None), SlotSet(EMAIL, None), SlotSet(CONSENT_TEXT, None)]
    telegram = by_telegram(tracker)
    email = tracker.get_slot(EMAIL)
    consent = tracker.get_slot(CONSENT_TEXT)
    if tracker.get_slot(CONSENT) not in (YES, WITH_NEIGHBOURS) or not consent or (not telegram and not email):
        say(dispatcher, "alert_declined")
        return forget
    sub = alerts.subscribe(tracker.sender_id,
                           alerts.TELEGRAM if telegram else (tracker.get_latest_input_channel() or "web"),
                           consent, email=None if telegram else email, **_criteria(tracker))
    if telegram:
        say(dispatcher, "alert_saved_telegram")
    elif sub.confirmed:
        say(dispatcher, "alert_already_email", email=email)
    elif mail_settings.smtp() is None:  # the link waits for a server (bot/alerts/send.py)
        say(dispatcher, "alert_saved_email_no_mail_server", email=email)
    else:
        held = alerts.link_held(sub.id)
        say(dispatcher, {alerts.LINK_SENT: "alert_link_already_sent", alerts.LINK_AFTER_OTHER: "alert_link_after_other"}
            .get(held, "alert_saved_email"), email=email)
    return forget


def stop_alerts(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    stopped = alerts.unsubscribe_sender(tracker.sender_id)
    say(dispatcher, "alert_stopped" if stopped else "alert_none")
    return []


class ActionSaveAlert(AnswerAction):
    action_name = "action_save_alert"
    answer = staticmethod(save_alert)


class ActionStopAlerts(AnswerAction):
    action_name = "action_stop_alerts"
    answer = staticmethod(stop_alerts)
