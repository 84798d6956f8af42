"""The installation form (`plan_form`): start it with what the conversation already said, then read
each typed answer; « passer » skips a question, a commune or profession named on the way changes it.
"""
from datetime import date
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import plan_answers as answers
from actions.answers import buttons, topic
from actions.apply import cancels
from actions.messages import say
from actions.places import example_commune
from actions.unavailable import ends_form_when_unavailable
from knowledge import cues
from knowledge.partners.criteria import Criteria
from knowledge.partners.naming import ANY, canonical, means_any
from knowledge.partners.normalise import key
from knowledge.partners.plan_builder import EPCI_PREFIX, describe_situation, named_epci
from knowledge.partners.topics import Topic
from knowledge.texts import text, texts

FORM = "plan_form"
SLOTS = ("plan_profession", "plan_commune", "plan_arrival", "plan_hours", "plan_children", "plan_car",
         "plan_partner", "plan_housing", "plan_practice")
NEAR = "pres de"
# Set once a plan was shown: « Préparer mon installation » then offers to resume it (nlu/rules/plan.yml).
MADE = "plan_made"


def user_messages(tracker: Tracker) -> List[Dict[str, Any]]:
    return [e.get("parse_data") or {} for e in tracker.events if e.get("event") == "user"]


def entity_values(messages: List[Dict[str, Any]], entity: str, role: Optional[str] = None) -> List[Any]:
    return [e.get("value") for m in messages for e in m.get("entities") or []
            if e.get("entity") == entity and (role is None or e.get("role") == role)]


def said_answers(text: str, today: date) -> Dict[str, Any]:
    """The form's answers a message states without doubt, whatever was asked (arrival month,
    working hours, children's ages as the message cues read them, a car or none, the practice):
    the same readers as the typed answers, with the stricter words of plan.yml."""
    read = {"plan_arrival": answers.said_arrival(text, today),
            "plan_hours": answers.said_hours(text),
            "plan_children": cues.children_ages(text) or None,
            "plan_car": answers.car_from_conversation([text]),
            "plan_practice": answers.said_practice(text)}
    if read["plan_car"] is not None:
        read["plan_car"] = "oui" if read["plan_car"] else "non"
    return {slot: value for slot, value in read.items() if value is not None}


def _agreed(readings: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The answers on which all the messages that state them agree (two different months: neither)."""
    values: Dict[str, List[Any]] = {}
    for reading in readings:
        for slot, value in reading.items():
            if value not in values.setdefault(slot, []):
                values[slot].append(value)
    return {slot: found[0] for slot, found in values.items() if len(found) == 1}


def known_answers(tracker: Tracker, today: Optional[date] = None) -> Dict[str, Any]:
    """The form's answers the conversation already gave: profession, commune, and what the person's
    messages stated without doubt (`said_answers`: arrival, hours, children, car, practice; or night
    work in the `work_time` slot, children's ages in the cues, a liberal installation asked about)."""
    messages = user_messages(tracker)
    texts = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    known: Dict[str, Any] = _agreed([said_answers(t, today or date.today()) for t in texts])
    profession = canonical("profession", tracker.get_slot("profession"))
    if profession:
        known["plan_profession"] = profession
    commune = canonical("commune", tracker.get_slot("commune"))
    if commune:
        known["plan_commune"] = commune
    if "plan_hours" not in known and canonical("work_time", tracker.get_slot("work_time")) == "nuit":
        known["plan_hours"] = "nuit"
    ages = sorted({int(a) for a in entity_values(messages, "child_age")} | set(known.get("plan_children") or []))
    if ages:
        known["plan_children"] = ages
    has_car = answers.car_from_conversation(texts)
    if has_car is not None:
        known["plan_car"] = "oui" if has_car else "non"
    if "plan_practice" not in known and any((m.get("intent") or {}).get("name") == "ask_installation"
                                            for m in messages):
        known["plan_practice"] = "liberal"
    return known


def situation(tracker: Tracker) -> Dict[str, Any]:
    """The plan's situation from the form's slots (skipped answers left out)."""
    profession, target_profession = professions(tracker)
    car = answers.answered(tracker.get_slot("plan_car"))
    values = {
        "profession": profession,
        "target_profession": target_profession,
        "commune": answers.answered(tracker.get_slot("plan_commune")),
        "arrival": answers.answered(tracker.get_slot("plan_arrival")),
        "hours": answers.answered(tracker.get_slot("plan_hours")),
        "children": answers.answered(tracker.get_slot("plan_children")) or [],
        "car": None if car is None else car == "oui",
        "partner": answers.answered(tracker.get_slot("plan_partner")),
        "housing": tracker.get_slot("plan_housing") if tracker.get_slot("plan_housing") != answers.SKIPPED else None,
        "practice": answers.answered(tracker.get_slot("plan_practice")),
    }
    return {k: v for k, v in values.items() if v not in (None, [], "")}


def _last_named(messages: List[Dict[str, Any]], role: str) -> Optional[str]:
    named = [canonical("profession", v) for v in entity_values(messages, "profession", role)]
    return next((code for code in reversed(named) if code), None)


def professions(tracker: Tracker) -> Tuple[Optional[str], Optional[str]]:
    """(profession, target profession): the form's answer is the profession whose openings are
    sought (the question asks for the one aimed at); when it is the one the person said they aim at
    (role `target`) and they named another they hold now (role `current`), that one is their
    profession and the answer their target (« aide-soignante, je veux devenir infirmière »). A
    profession changed in the form is never overridden by one named earlier."""
    return professions_of(tracker.get_slot("plan_profession"), user_messages(tracker))


def professions_of(answer: Any, messages: List[Dict[str, Any]]) -> Tuple[Optional[str], Optional[str]]:
    """`professions` from the form's answer (a slot value) and the person's messages."""
    chosen = answers.answered(answer)
    if chosen in (None, ANY):
        return None, None
    current, target = _last_named(messages, "current"), _last_named(messages, "target")
    if current and current != chosen and target == chosen:
        return current, chosen
    return chosen, None


def aimed_first(message: Dict[str, Any]) -> Optional[str]:
    """The profession a message names, as the `profession` slot's mappings read it: the one aimed
    at (role `target`), else one named without a role, else the one held now."""
    for role in ("target", None, "current"):
        named = [e.get("value") for e in message.get("entities") or []
                 if e.get("entity") == "profession" and e.get("role") == role]
        if named:
            return named[-1]
    return None


@ends_form_when_unavailable
class ActionPlanStart(Action):
    """Say what the form is about and fill in what is already known (never asked twice)."""

    def name(self) -> Text:
        return "action_plan_start"

    def answers_kept(self, tracker: Tracker) -> Dict[str, Any]:
        return {slot: tracker.get_slot(slot) for slot in SLOTS if tracker.get_slot(slot) is not None}

    def answers_known(self, tracker: Tracker) -> Dict[str, Any]:
        return {slot: value for slot, value in known_answers(tracker).items() if tracker.get_slot(slot) is None}

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[EventType]:
        kept, known = self.answers_kept(tracker), self.answers_known(tracker)
        slots = dict(kept, **known)
        facts = situation_from(slots)
        facts["profession"], facts["target_profession"] = professions_of(slots.get("plan_profession"),
                                                                         user_messages(tracker))
        facts = describe_situation(facts)
        said = text("plan_known", facts=" ; ".join(facts)) if facts else ""
        say(dispatcher, "plan_start", known=said)
        emptied = [SlotSet(slot, None) for slot in SLOTS
                   if slot not in slots and tracker.get_slot(slot) is not None]
        return emptied + [SlotSet(slot, value) for slot, value in known.items()] + [topic(Topic.PLAN)]


# The answers « Modifier mes réponses » takes again from the conversation: nothing else of the old plan.
REREAD_ON_CHANGE = ("plan_profession", "plan_commune")


class ActionPlanChange(ActionPlanStart):
    """« Modifier mes réponses »: the form again from the start, its old answers forgotten except the
    commune and the profession read again from the conversation."""

    def name(self) -> Text:
        return "action_plan_change"

    def answers_kept(self, tracker: Tracker) -> Dict[str, Any]:
        return {}

    def answers_known(self, tracker: Tracker) -> Dict[str, Any]:
        return {slot: value for slot, value in known_answers(tracker).items() if slot in REREAD_ON_CHANGE}


class ActionPlanAgain(Action):
    """« Préparer mon installation » once a plan was made: resume it, or change the answers."""

    def name(self) -> Text:
        return "action_plan_again"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[EventType]:
        say(dispatcher, "plan_again", buttons=buttons([(text("button.resume_my_plan"), "/plan_resume"),
                                                      (text("button.change_my_answers"), "/plan_change")]))
        return [topic(Topic.PLAN)]


def situation_from(slots: Dict[str, Any]) -> Dict[str, Any]:
    """A situation from slot values alone (what ActionPlanStart repeats back; the professions are
    read with the messages, `professions_of`)."""
    car = answers.answered(slots.get("plan_car"))
    return {"commune": answers.answered(slots.get("plan_commune")),
            "arrival": answers.answered(slots.get("plan_arrival")),
            "hours": answers.answered(slots.get("plan_hours")),
            "children": answers.answered(slots.get("plan_children")),
            "car": None if car is None else car == "oui",
            "practice": answers.answered(slots.get("plan_practice"))}


def cancelled(tracker: Tracker) -> bool:
    """The form ended with none of its answers: « annuler » / « stop » emptied it (a skipped
    question keeps its « passé » mark, and a finished form has at least the profession)."""
    return all(tracker.get_slot(slot) is None for slot in SLOTS)


@ends_form_when_unavailable
class ValidatePlanForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_plan_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        """« annuler » / « stop » at any question: the form ends and keeps nothing, not even what
        the conversation had filled in (a plain « non » stays an answer: car, children…)."""
        if tracker.get_slot("requested_slot") in SLOTS and cancels(tracker.latest_message.get("text") or ""):
            return [SlotSet(slot, None) for slot in SLOTS] + [SlotSet("requested_slot", None),
                                                              SlotSet(MADE, None)]
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> List[Text]:
        """The practice is asked only of professions that may work as liberal."""
        profession = answers.answered(tracker.get_slot("plan_profession"))
        if not answers.may_be_liberal(None if profession == ANY else profession):
            return [slot for slot in domain_slots if slot != "plan_practice"]
        return domain_slots

    async def extract_plan_profession(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[str, Any]:
        named = aimed_first(tracker.latest_message)
        if named and tracker.get_slot("requested_slot") != "plan_partner":  # not the partner's job
            return {"plan_profession": named}
        return self._typed("plan_profession", tracker)

    async def extract_plan_commune(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[str, Any]:
        if tracker.get_slot("requested_slot") == "plan_commune":
            epci = named_epci(tracker.latest_message.get("text") or "")
            if epci:
                return {"plan_commune": EPCI_PREFIX + epci}
        named = entity_values([tracker.latest_message], "commune")
        if named and tracker.get_slot("requested_slot") != "plan_partner":  # not where the partner works
            return {"plan_commune": named[-1]}
        return self._typed("plan_commune", tracker)

    @staticmethod
    def _typed(slot: str, tracker: Tracker) -> Dict[str, Any]:
        """The raw text as the answer to the question just asked."""
        if tracker.get_slot("requested_slot") != slot:
            return {}
        said = tracker.latest_message.get("text") or ""
        return {slot: said} if said.strip() else {}

    async def get_extraction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[EventType]:
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        requested = tracker.get_slot("requested_slot")
        if requested in SLOTS and requested not in ("plan_profession", "plan_commune"):
            events += [SlotSet(slot, value) for slot, value in self._typed(requested, tracker).items()]
        return events + self._ahead(requested, tracker)

    @staticmethod
    def _ahead(requested: Optional[str], tracker: Tracker) -> List[EventType]:
        """Answers to questions not asked yet, stated without doubt in the answer to this one
        (« 2 enfants de 3 et 6 ans, et je travaille de nuit »): those questions are not asked.
        Never in the partner's answer (« il travaille de nuit » is not the person's hours)."""
        if requested not in SLOTS or requested == "plan_partner":
            return []
        said = said_answers(tracker.latest_message.get("text") or "", date.today())
        return [SlotSet(slot, value) for slot, value in said.items()
                if slot != requested and tracker.get_slot(slot) is None]

    @staticmethod
    def _hint(slot: str, tracker: Tracker) -> str:
        """What to write when the answer is not understood (`plan_hint.*`); none for a free answer.
        Its example commune is never the one being discussed."""
        key = f"plan_hint.{slot[len('plan_'):]}"
        if key not in texts():
            return ""
        return text(key, example=example_commune([Criteria.from_tracker(tracker).value("commune")]))

    @staticmethod
    def _changed_course(tracker: Tracker) -> bool:
        """A commune or profession named while another question was asked: no complaint, ask again."""
        return bool(entity_values([tracker.latest_message], "commune")
                    or entity_values([tracker.latest_message], "profession"))

    def _read(self, slot: str, value: Any, parsed: Any, dispatcher: CollectingDispatcher,
              tracker: Tracker) -> Dict[str, Any]:
        if isinstance(value, str) and answers.is_skip(value):
            return {slot: answers.SKIPPED}
        if parsed is None:
            if not (tracker.get_slot("requested_slot") == slot and self._changed_course(tracker)
                    and slot not in ("plan_profession", "plan_commune")):
                say(dispatcher, "plan_not_understood", hint=self._hint(slot, tracker))
            return {slot: None}
        return {slot: parsed}

    def validate_plan_profession(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        parsed = ANY if means_any(str(value)) else canonical("profession", value)
        return self._read("plan_profession", value, parsed, dispatcher, tracker)

    def validate_plan_commune(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        said = str(value)
        if said.startswith(EPCI_PREFIX):
            return {"plan_commune": said}
        if means_any(said):
            return {"plan_commune": ANY}
        spoken = key(said)
        if spoken.startswith(NEAR + " "):
            said = said[said.lower().find("de") + 2:]
        return self._read("plan_commune", value, canonical("commune", said.strip()), dispatcher, tracker)

    def validate_plan_arrival(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        if isinstance(value, str) and len(value) == 7 and value[4] == "-" and value.replace("-", "").isdigit():
            return {"plan_arrival": value}
        return self._read("plan_arrival", value, answers.arrival(str(value), date.today()), dispatcher, tracker)

    def validate_plan_hours(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        return self._read("plan_hours", value, answers.hours(str(value)), dispatcher, tracker)

    def validate_plan_children(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        if isinstance(value, list):
            return {"plan_children": value}
        parsed = answers.children(str(value))
        if parsed == []:
            parsed = answers.NONE
        return self._read("plan_children", value, parsed, dispatcher, tracker)

    def validate_plan_car(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        if value in ("oui", "non"):
            return {"plan_car": value}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        has = answers.car(str(value), intent)
        return self._read("plan_car", value, None if has is None else ("oui" if has else "non"), dispatcher, tracker)

    def validate_plan_partner(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        said = str(value).strip()
        parsed = answers.NONE if answers.is_none(said) else said[:120]
        return self._read("plan_partner", value, parsed or None, dispatcher, tracker)

    def validate_plan_housing(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        return self._read("plan_housing", value, answers.housing(str(value)), dispatcher, tracker)

    def validate_plan_practice(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        return self._read("plan_practice", value, answers.practice(str(value)), dispatcher, tracker)

