"""Settling in: housing, childcare, mobility and the spouse's job.

Lists are filtered by what the person said about themselves (knowledge/vocabulary.yml): housing by
their situation (a stage or studies, a short mission, a long-term move), childcare by night work
(only care that can look after children at night). Examples of other communes never name the
commune being discussed.
"""
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import AnswerAction, topic
from actions.criteria import Criteria
from actions.formatting import age_range, housing_extra, resource_line
from actions.messages import say
from actions.places import answer_places, example_commune, mentions
from knowledge import queries, vocabulary
from knowledge.queries import Resource


def housing_situation(tracker: Tracker) -> Optional[str]:
    """`student`, `short_mission` or `long_term`: from the words of the message, else the contract sought."""
    situations = vocabulary.vocabulary()["housing_situations"]
    for name, situation in situations.items():
        if mentions(tracker, situation["words"]):
            return name
    contract = Criteria.from_tracker(tracker).value("contract_type")
    return next((name for name, situation in situations.items() if contract in situation["contracts"]), None)


def fits(resource: Resource, situation: Optional[str]) -> bool:
    if situation is None:
        return True
    return resource.type not in vocabulary.vocabulary()["housing_situations"][situation]["exclude"]


def answer_housing(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    situation = housing_situation(tracker)
    line = lambda r: resource_line(r, housing_extra(r))  # noqa: E731
    if situation is None:
        shown = answer_places(dispatcher, tracker, "housing", queries.find_housing, line)
    else:
        label = vocabulary.vocabulary()["housing_situations"][situation]["label"]
        shown = answer_places(dispatcher, tracker, "housing_for",
                              lambda communes: [r for r in queries.find_housing(communes) if fits(r, situation)],
                              line, situation=label)
    say(dispatcher, "housing_next", example=_example(tracker, shown))
    return [topic("housing")]


def works_at_night(tracker: Tracker) -> bool:
    return (Criteria.from_tracker(tracker).value("work_time") == "nuit"
            or mentions(tracker, vocabulary.vocabulary()["night_work_keywords"]))


def childcare_extra(resource: Resource) -> str:
    """Ages, and « horaires élargis » with the hours the partner gave (its description), never a
    vague « horaires atypiques »."""
    parts = [age_range(resource.details.get("min_age_months"), resource.details.get("max_age_months"))]
    if resource.details.get("atypical_hours"):
        parts.append("horaires élargis (voir les heures ci-dessous)" if resource.description
                     else "horaires élargis : demandez les heures")
    return ", ".join(p for p in parts if p)


def answer_childcare(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    line = lambda r: resource_line(r, childcare_extra(r))  # noqa: E731
    if works_at_night(tracker):
        night_types = vocabulary.vocabulary()["childcare_night_types"]
        shown = answer_places(
            dispatcher, tracker, "childcare_night",
            lambda communes: [r for r in queries.find_childcare(communes) if r.type in night_types], line)
    else:
        atypical = mentions(tracker, vocabulary.vocabulary()["atypical_hours_keywords"])

        def find(communes):
            found = queries.find_childcare(communes, atypical_hours=atypical)
            return found or (queries.find_childcare(communes) if atypical else [])

        shown = answer_places(dispatcher, tracker, "childcare", find, line)
    say(dispatcher, "childcare_next", example=_example(tracker, shown))
    return [topic("childcare")]


def _example(tracker: Tracker, shown: List[Resource]) -> str:
    return example_commune([Criteria.from_tracker(tracker).value("commune"), *(r.commune for r in shown)])


def answer_mobility(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    everywhere = len(queries.commune_names())

    def line(resource):
        served = resource.details["communes_count"]
        where = "toutes les communes" if served >= everywhere else resource.commune
        kind = vocabulary.type_label("mobility_types", resource.type)
        return resource_line(queries.Resource(resource.id, resource.name, resource.type, "", resource.contact,
                                              resource.description), f"{kind}, {where}")

    answer_places(dispatcher, tracker, "mobility", queries.find_mobility, line)
    say(dispatcher, "mobility_next")
    return [topic("mobility")]


def answer_spouse_job(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    answer_places(dispatcher, tracker, "spouse_job",
                  lambda communes: queries.find_structures(["emploi"], communes), resource_line)
    say(dispatcher, "spouse_job_next")
    return [topic("spouse_job")]


class ActionHousing(AnswerAction):
    action_name = "action_housing"
    answer = staticmethod(answer_housing)


class ActionChildcare(AnswerAction):
    action_name = "action_childcare"
    answer = staticmethod(answer_childcare)


class ActionMobility(AnswerAction):
    action_name = "action_mobility"
    answer = staticmethod(answer_mobility)


class ActionSpouseJob(AnswerAction):
    action_name = "action_spouse_job"
    answer = staticmethod(answer_spouse_job)
