"""« Postuler »: the apply form (name, contact, a few words, a CV, then a summary to check).

Started by the « Postuler » button of an opening (`/apply{"opening_id": …}`). The contact is read
as in the call-back form (actions/contact.py). « annuler » at any step ends the form and nothing
is kept. On « Envoyer » the application is written to the outbox (knowledge/coordination/applications.py)
with the exact consent sentence shown; the web process e-mails it or it waits in the
coordinators' queue.
"""
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict
from unidecode import unidecode

from actions.answers import AnswerAction, buttons
from actions.contact import means_cancel, parse_contact
from actions.messages import say
from actions.places import example_commune
from actions.unavailable import ends_form_when_unavailable
from knowledge.coordination import applications, cv_files, privacy
from knowledge.partners.criteria import Criteria
from knowledge.partners.queries import NotFound
from knowledge.texts import text

FORM = "apply_form"
OPENING, NAME, CONTACT, MESSAGE, CV, CONFIRM, CONSENT = (
    "apply_opening", "apply_name", "apply_contact", "apply_message", "apply_cv", "apply_confirm", "apply_consent")
CV_TOKEN_ENTITY = "cv_token"
# Filled by the person (and emptied again by « Modifier »).
FILLED = (NAME, CONTACT, MESSAGE, CV, CONFIRM)
# The value of an optional step left out (« passer »).
NONE = "-"
SEND, EDIT = "send", "edit"
SKIP_WORDS = {"passer", "je passe", "non", "non merci", "rien", "aucun", "pas de message", "pas de cv",
              "sans", "sans cv", "sans message", "pas maintenant", "/deny"}
SEND_WORDS = {"envoyer", "envoyez", "oui", "ok", "j'envoie", "oui envoyer", "valider", "/affirm"}
EDIT_WORDS = {"modifier", "corriger", "changer", "recommencer"}
STRICT_CANCEL = {"annuler", "annule", "annulez", "j'annule", "stop", "laisse tomber", "laissez tomber",
                 "je ne veux plus postuler", "/stop"}
MAX_MESSAGE = 2000
MAX_NAME = 100
ACCEPTED_FILES = ".pdf,.docx,.odt,.jpg,.jpeg,.png"


def _said(value: Any) -> str:
    return " ".join(re.sub(r"[^a-z'/ ]+", " ", unidecode(str(value or "")).lower()).split())


def cancels(value: Any) -> bool:
    """« annuler », « stop »… (a plain « non » is an answer in the optional steps)."""
    said = _said(value)
    return said in STRICT_CANCEL or said.split(" ")[0] in {"annuler", "stop"}


def _stop() -> Dict[str, Any]:
    return {slot: None for slot in FILLED} | {"requested_slot": None}


def _intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def _cv_token(tracker: Tracker) -> Optional[str]:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == CV_TOKEN_ENTITY and entity.get("value"):
            return str(entity["value"])
    return None


def _target(tracker: Tracker) -> Optional[applications.OpeningTarget]:
    try:
        return applications.opening_target(tracker.get_slot(OPENING) or "")
    except NotFound:
        return None


def retention_months() -> int:
    return int(privacy.retention().get("applications_months_after_sending", 6))


@ends_form_when_unavailable
class ValidateApplyForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_apply_form"

    def validate_apply_opening(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[str, Any]:
        try:
            applications.opening_target(str(value or ""))
        except NotFound:
            say(dispatcher, "apply_opening_closed")
            return {OPENING: None} | _stop()
        return {OPENING: value}

    def validate_apply_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> Dict[str, Any]:
        name = " ".join(str(value or "").split())
        if means_cancel(name, _intent(tracker)):
            return _stop()
        if len(name) < 2 or name.startswith("/") or parse_contact(name) or not re.search(r"[^\W\d_]", name):
            say(dispatcher, "apply_name_invalid")
            return {NAME: None}
        return {NAME: name[:MAX_NAME]}

    def validate_apply_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[str, Any]:
        message = str(value or "")
        if means_cancel(message, _intent(tracker)):
            return _stop()
        contact = parse_contact(message)
        if contact is None:
            say(dispatcher, "callback_invalid")
            return {CONTACT: None}
        return {CONTACT: contact}

    def validate_apply_message(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[str, Any]:
        if cancels(value):
            return _stop()
        if _said(value) in SKIP_WORDS:
            return {MESSAGE: NONE}
        return {MESSAGE: str(value).strip()[:MAX_MESSAGE]}

    def validate_apply_cv(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> Dict[str, Any]:
        token = _cv_token(tracker)
        if token is not None:
            upload = cv_files.uploaded(token, tracker.sender_id)
            if upload is None:
                say(dispatcher, "apply_cv_missing")
                return {CV: None}
            say(dispatcher, "apply_cv_received", filename=upload.filename)
            return {CV: token}
        if cancels(value):
            return _stop()
        if _said(value) in SKIP_WORDS:
            return {CV: NONE}
        say(dispatcher, "apply_cv_how")
        return {CV: None}

    def validate_apply_confirm(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[str, Any]:
        said = _said(value)
        if cancels(value) or said in {"non", "/deny"}:
            return _stop()
        if said in SEND_WORDS:
            return {CONFIRM: SEND}
        if said in EDIT_WORDS or said.split(" ")[0] in EDIT_WORDS:
            say(dispatcher, "apply_edit")
            return {slot: None for slot in FILLED}
        say(dispatcher, "apply_confirm_unclear")
        return {CONFIRM: None}


@ends_form_when_unavailable
class AskAction(Action):
    """The question of one step of the form (texts in knowledge/texts/)."""

    slot = ""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
        raise NotImplementedError

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict[str, Any]]:
        return self.ask(dispatcher, tracker)


class ActionAskApplyName(AskAction):
    slot = NAME

    def ask(self, dispatcher, tracker):
        target = _target(tracker)
        if target is not None:
            say(dispatcher, "apply_start", title=target.title, structure=target.structure, commune=target.commune)
        say(dispatcher, "apply_ask_name")
        return []


class ActionAskApplyContact(AskAction):
    slot = CONTACT

    def ask(self, dispatcher, tracker):
        say(dispatcher, "apply_ask_contact")
        return []


class ActionAskApplyMessage(AskAction):
    slot = MESSAGE

    def ask(self, dispatcher, tracker):
        say(dispatcher, "apply_ask_message", buttons=buttons([(text("button.skip"), "passer")]))
        return []


class ActionAskApplyCv(AskAction):
    """Issues the single-use upload token: the widget shows a file button, Telegram takes a document."""

    slot = CV

    def ask(self, dispatcher, tracker):
        token = cv_files.issue_token(tracker.sender_id)
        say(dispatcher, "apply_ask_cv", buttons=buttons([(text("button.no_cv"), "passer")]))
        # Under "data": what the socket.io channel passes to the widget as is (Telegram ignores it).
        dispatcher.utter_message(json_message={"data": {"upload": {
            "url": f"/cv/{token}", "accept": ACCEPTED_FILES, "max_bytes": cv_files.MAX_BYTES}}})
        return []


def consent_sentence(structure: str) -> str:
    return text("apply_consent", structure=structure, months=retention_months())


class ActionAskApplyConfirm(AskAction):
    """The summary to check, with the consent sentence (kept, word for word, with the application)."""

    slot = CONFIRM

    def ask(self, dispatcher, tracker):
        target = _target(tracker)
        if target is None:
            say(dispatcher, "apply_opening_closed")
            return [SlotSet(CONFIRM, None)]
        message = tracker.get_slot(MESSAGE)
        cv = cv_files.uploaded(tracker.get_slot(CV) or "", tracker.sender_id)
        consent = consent_sentence(target.structure)
        say(dispatcher, "apply_summary", title=target.title, structure=target.structure, commune=target.commune,
            candidate=tracker.get_slot(NAME), contact=tracker.get_slot(CONTACT),
            message=message if message and message != NONE else text("piece.none_given"),
            cv=cv.filename if cv else text("piece.none_given"), consent=consent,
            buttons=buttons([(text("button.send"), "envoyer"), (text("button.edit"), "modifier"),
                             (text("button.cancel"), "annuler")]))
        return [SlotSet(CONSENT, consent)]


def _forget() -> List[Dict[str, Any]]:
    return [SlotSet(slot, None) for slot in (OPENING, *FILLED, CONSENT)]


def submit_application(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """After the form: record the application (the outbox), or keep nothing when it was cancelled."""
    token = tracker.get_slot(CV)
    if tracker.get_slot(CONFIRM) != SEND or not tracker.get_slot(CONSENT):
        cv_files.discard(tracker.sender_id)
        if tracker.get_slot(OPENING) and _target(tracker) is not None:
            say(dispatcher, "apply_cancelled")
        return _forget()
    try:
        recorded = applications.record(
            tracker.get_slot(OPENING), tracker.sender_id, tracker.get_latest_input_channel() or "",
            tracker.get_slot(NAME), tracker.get_slot(CONTACT),
            "" if tracker.get_slot(MESSAGE) in (None, NONE) else tracker.get_slot(MESSAGE),
            tracker.get_slot(CONSENT), cv_token=None if token in (None, NONE) else token)
    except NotFound:
        cv_files.discard(tracker.sender_id)
        say(dispatcher, "apply_opening_closed")
        return _forget()
    cv_files.discard(tracker.sender_id)
    if recorded.status == applications.PENDING:
        say(dispatcher, "apply_sent", reference=recorded.reference, structure=recorded.structure)
    elif applications.email_address(recorded.recipient) is not None:  # queued: no SMTP server to send it
        say(dispatcher, "apply_queued_no_mail_server", reference=recorded.reference, structure=recorded.structure)
    else:
        say(dispatcher, "apply_queued", reference=recorded.reference, structure=recorded.structure)
    return _forget()


def apply_which(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """« je veux postuler » typed, without the button of an opening; the example names another commune
    than the one being discussed."""
    say(dispatcher, "apply_which", example=example_commune([Criteria.from_tracker(tracker).value("commune")]))
    return []


class ActionApplyWhich(AnswerAction):
    action_name = "action_apply_which"
    answer = staticmethod(apply_which)


class ActionSubmitApplication(AnswerAction):
    action_name = "action_submit_application"
    answer = staticmethod(submit_application)
