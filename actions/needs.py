"""Several needs in one message: a short answer to each, in the order of knowledge/needs.yml.

components/first_answer_policy.py runs `action_answer_needs` when components/message_cues.py
found two needs or more (`need` entities, with the children's ages as `child_age` in months).
Each need gets one heading and at most BRIEF_LIMIT lines, in the commune asked (or the nearest
ones); the buttons lead to the full answer of each topic.
"""
from typing import Any, Callable, Dict, List, Optional, Sequence

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import living
from actions.answers import AnswerAction, buttons
from actions.formatting import (
    apply_buttons,
    childcare_extra,
    counted,
    housing_extra,
    in_commune,
    months,
    opening_line,
    resource_line,
    structure_extra,
)
from actions.jobs import alert_button, describe
from actions.messages import say
from actions.pending import set_pending
from actions.places import example_commune
from knowledge import cues
from knowledge.partners import queries, topics, vocabulary
from knowledge.partners.criteria import Criteria
from knowledge.partners.queries import Resource
from knowledge.partners.topics import Topic
from knowledge.texts import text

BRIEF_LIMIT = 3
PLAN_FROM_NEEDS = 3
TOPIC_BUTTONS = {  # need -> (title's text key, payload)
    "jobs": ("button.all_openings", "/search_jobs"),
    "childcare": ("button.childcare", "/ask_childcare"),
    "housing": ("button.housing", "/ask_housing"),
    "mobility": ("button.transport", "/ask_mobility"),
    "spouse_job": ("button.spouse_job", "/ask_spouse_job"),
    "installation": ("button.set_up_in_practice", "/ask_installation"),
}


def _entity_values(tracker: Tracker, entity: str) -> List[Any]:
    return [e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == entity]


def _ages_text(ages: Sequence[int]) -> str:
    return text("needs_ages", ages=", ".join(months(a) for a in ages)) if ages else ""


def _fits_ages(resource: Resource, ages: Sequence[int]) -> bool:
    low = resource.details.get("min_age_months") or 0
    high = resource.details.get("max_age_months")
    return all(low <= age and (high is None or age <= high) for age in ages)


def _brief_places(dispatcher: CollectingDispatcher, name: str, commune: Optional[str],
                  find: Callable[[Optional[List[str]]], List[Resource]], line: Callable[[Resource], str],
                  **values: Any) -> None:
    """One heading and a few lines, in `commune` or else the nearest communes."""
    found = find([commune] if commune else None)
    where = in_commune(commune)
    if commune and not found:
        found = find(queries.neighbours(commune))
        where = text("near_commune", commune=commune)
    if not found:
        say(dispatcher, f"needs_{name}_none", where=where, **values)
        return
    lines = [line(r) for r in found[:BRIEF_LIMIT]]
    if len(found) > BRIEF_LIMIT:
        lines.append(text("needs_more", count=len(found) - BRIEF_LIMIT))
    dispatcher.utter_message(text="\n".join([text(f"needs_{name}", where=where, **values), *lines]))


def _jobs(dispatcher: CollectingDispatcher, criteria: Criteria, commune: Optional[str]) -> None:
    """The openings in brief, each with its « Postuler » button, and the alert offered (always when
    none is open); without a profession, ask it."""
    if criteria.value("profession") is None:
        say(dispatcher, "needs_jobs_profession", example=example_commune([commune]))
        return
    search = queries.find_openings(profession=criteria.value("profession"), communes=criteria.communes(),
                                   contract=criteria.value("contract_type"), work_time=criteria.value("work_time"),
                                   limit=BRIEF_LIMIT)
    if not search.total and commune:
        criteria = Criteria(criteria.profession, None, criteria.contract_type, criteria.work_time)
        search = queries.find_openings(profession=criteria.value("profession"),
                                       contract=criteria.value("contract_type"),
                                       work_time=criteria.value("work_time"), limit=BRIEF_LIMIT)
    if not search.total:
        say(dispatcher, "needs_jobs_none", criteria=describe(criteria), buttons=buttons([alert_button()]))
        return
    lines = [opening_line(o) for o in search.openings]
    if search.total > len(search.openings):
        lines.append(text("needs_more", count=search.total - len(search.openings)))
    heading = text("needs_jobs", criteria=describe(criteria), count=counted(search.total, "opening"))
    dispatcher.utter_message(text="\n".join([heading, *lines]),
                             buttons=apply_buttons(search.openings) + buttons([alert_button()]))


def answer_needs(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    named = set(_entity_values(tracker, "need"))
    needs = [n for n in cues.need_order() if n in named]
    ages = sorted({int(a) for a in _entity_values(tracker, "child_age")})
    criteria = Criteria.from_tracker(tracker)
    commune = criteria.value("commune")
    say(dispatcher, "needs_intro")
    for need in needs:
        if need == "jobs":
            _jobs(dispatcher, criteria, commune)
        elif need == "childcare":
            atypical = cues.atypical_hours(tracker.latest_message.get("text") or "")
            find = living.childcare_for(living.works_at_night(tracker), atypical)
            _brief_places(dispatcher, "childcare", commune,
                          lambda communes, find=find: [r for r in find(communes) if _fits_ages(r, ages)],
                          lambda r: resource_line(r, childcare_extra(r)), ages=_ages_text(ages))
        elif need == "housing":
            _brief_places(dispatcher, "housing", commune, living.housing_for(living.housing_situation(tracker)),
                          lambda r: resource_line(r, housing_extra(r)))
        elif need == "mobility":
            _brief_places(dispatcher, "mobility", commune, living.mobility_for(tracker),
                          lambda r: resource_line(r, vocabulary.type_label("mobility_types", r.type)))
        elif need == "spouse_job":
            _brief_places(dispatcher, "spouse_job", commune,
                          lambda communes: topics.find(Topic.SPOUSE_JOB, communes), resource_line)
        elif need == "installation":
            _brief_places(dispatcher, "installation", commune,
                          lambda communes: topics.find(Topic.INSTALLATION, communes),
                          lambda r: resource_line(r, structure_extra(r)))
    # Three needs or more make a whole move: the installation plan (actions/plan_form.py) is offered.
    plan = [(text("button.prepare_my_move"), "/plan_move")] if len(needs) >= PLAN_FROM_NEEDS else []
    say(dispatcher, "needs_next", example=example_commune([commune]), buttons=buttons(
        [(text(TOPIC_BUTTONS[n][0]), TOPIC_BUTTONS[n][1]) for n in needs] + plan
        + [(text("button.talk_to_a_coordinator"), "/request_human")]))
    return [set_pending(None)]


class ActionAnswerNeeds(AnswerAction):
    action_name = "action_answer_needs"
    answer = staticmethod(answer_needs)
