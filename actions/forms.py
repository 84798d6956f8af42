"""Validation of the job-search form: canonical values, "peu importe", clear re-asks."""
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.jobs import PAGE_SIZE
from actions.messages import say
from actions.unavailable import ends_form_when_unavailable
from knowledge.partners import queries
from knowledge.partners.criteria import Criteria
from knowledge.partners.naming import ANY, canonical, means_any

# Intents whose text may be read as a direct answer to the form's question.
ANSWER_INTENTS = {"inform", "nlu_fallback", "affirm"}
# Criteria the form does not ask for but takes when given.
OPTIONAL_SLOTS = ("contract_type", "work_time")


def fits_one_page(tracker: Tracker) -> bool:
    """Whether the openings for the profession (and contract, schedule) anywhere fit on one page."""
    criteria = Criteria.from_tracker(tracker)
    if criteria.profession is None:
        return False
    total = queries.find_openings(profession=criteria.value("profession"), contract=criteria.value("contract_type"),
                                  work_time=criteria.value("work_time"), limit=0).total
    return total <= PAGE_SIZE


@ends_form_when_unavailable
class ValidateJobSearchForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_job_search_form"

    @staticmethod
    def _typed_answer(slot: str, tracker: Tracker) -> Dict[str, Any]:
        """Read the raw text as the answer to the question just asked, when nothing was extracted."""
        if tracker.get_slot("requested_slot") != slot:
            return {}
        message = tracker.latest_message
        if any(e.get("entity") == slot for e in message.get("entities", [])):
            return {}
        text = message.get("text") or ""
        if means_any(text):
            return {slot: ANY}
        if (message.get("intent") or {}).get("name") in ANSWER_INTENTS and text and not text.startswith("/"):
            return {slot: text}
        return {}

    async def extract_profession(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[str, Any]:
        return self._typed_answer("profession", tracker)

    async def extract_commune(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[str, Any]:
        return self._typed_answer("commune", tracker)

    @staticmethod
    def _validate(slot: str, value: Any, dispatcher: CollectingDispatcher, unknown_response: str) -> Dict[str, Any]:
        found = canonical(slot, value)
        if found is None:
            shown = value[-1] if isinstance(value, list) and value else value
            say(dispatcher, unknown_response, value=str(shown)[:60])
        return {slot: found}

    def validate_profession(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> Dict[str, Any]:
        return self._validate("profession", value, dispatcher, "unknown_profession")

    def validate_commune(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> Dict[str, Any]:
        return self._validate("commune", value, dispatcher, "unknown_commune")

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> List[Text]:
        """The commune is asked only when the openings of the territory would not fit on one page."""
        if "commune" in domain_slots and tracker.get_slot("commune") is None and fits_one_page(tracker):
            return [slot for slot in domain_slots if slot != "commune"]
        return domain_slots

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[EventType]:
        """Also keep optional criteria given on the way ("en CDI"), so the form goes on asking."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        given = tracker.slots_to_validate()
        return events + [SlotSet(slot, canonical(slot, given[slot])) for slot in OPTIONAL_SLOTS if slot in given]


