"""Settling in: housing, childcare, mobility and the spouse's job.

Lists are filtered by what the person said about themselves (knowledge/partners/vocabulary.yml): housing by
their situation (a stage or studies, a short mission, a long-term move: the housing's type and the
stays its `duree` allows), childcare by night work (only care that looks after children at night),
mobility by whether they have a car. Examples of other communes never name the
commune being discussed.
"""
from typing import Any, Callable, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import AnswerAction, topic
from actions.formatting import childcare_extra, housing_extra, resource_line
from actions.messages import say
from actions.places import answer_places, example_commune, mentions, said_before
from knowledge.partners import fit, queries, stays, topics, vocabulary
from knowledge.partners.criteria import Criteria
from knowledge.partners.queries import Resource
from knowledge.partners.topics import Topic
from knowledge.texts import text


def housing_situation(tracker: Tracker) -> Optional[str]:
    """`student`, `short_mission` or `long_term`: from the words of the message, else the contract
    sought, else the words of the person's earlier messages."""
    situations = vocabulary.vocabulary()["housing_situations"]
    for name, situation in situations.items():
        if mentions(tracker, situation["words"]):
            return name
    contract = Criteria.from_tracker(tracker).value("contract_type")
    by_contract = next((name for name, situation in situations.items() if contract in situation["contracts"]), None)
    return by_contract or next(
        (name for name, situation in situations.items() if said_before(tracker, situation["words"])), None)


def fits(resource: Resource, situation: Optional[str]) -> bool:
    """Whether a housing suits the situation: a type that does, and stays that can host theirs (a
    housing whose `duree` could not be read is kept)."""
    if situation is None:
        return True
    wanted = vocabulary.vocabulary()["housing_situations"][situation]
    low, high = wanted.get("stay_months") or (None, None)
    return (resource.type not in wanted["exclude"]
            and stays.fits(resource.details.get("stay_months") or stays.UNKNOWN, (low, high)))


def housing_for(situation: Optional[str]) -> Callable[[Optional[List[str]]], List[Resource]]:
    """The housing query for the person's situation (all housing when it is not known)."""
    return lambda communes: [r for r in topics.find(Topic.HOUSING, communes) if fits(r, situation)]


def answer_housing(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    situation = housing_situation(tracker)
    line = lambda r: resource_line(r, housing_extra(r))  # noqa: E731
    if situation is None:
        shown = answer_places(dispatcher, tracker, "housing", lambda communes: topics.find(Topic.HOUSING, communes),
                              line)
    else:
        label = vocabulary.vocabulary()["housing_situations"][situation]["label"]
        shown = answer_places(dispatcher, tracker, "housing_for", housing_for(situation), line, situation=label)
    say(dispatcher, "housing_next", example=_example(tracker, shown))
    return [topic(Topic.HOUSING)]


def works_at_night(tracker: Tracker) -> bool:
    """Night work in the criteria, or said in this message or an earlier one."""
    words = vocabulary.vocabulary()["night_work_keywords"]
    return (Criteria.from_tracker(tracker).value("work_time") == "nuit"
            or mentions(tracker, words) or said_before(tracker, words))


def childcare_for(night: bool, atypical: bool) -> Callable[[Optional[List[str]]], List[Resource]]:
    """The childcare query: for a night worker only care covering the night; for extended hours
    the places with them first (all places when none has)."""
    if night:
        return lambda communes: [r for r in topics.find(Topic.CHILDCARE, communes) if fit.covers_night(r)]

    def find(communes):
        found = queries.find_childcare(communes, atypical_hours=True) if atypical else []
        return found or topics.find(Topic.CHILDCARE, communes)

    return find


def answer_childcare(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    line = lambda r: resource_line(r, childcare_extra(r))  # noqa: E731
    night = works_at_night(tracker)
    atypical = mentions(tracker, vocabulary.vocabulary()["atypical_hours_keywords"])
    shown = answer_places(dispatcher, tracker, "childcare_night" if night else "childcare",
                          childcare_for(night, atypical), line)
    say(dispatcher, "childcare_next", example=_example(tracker, shown))
    return [topic(Topic.CHILDCARE)]


def _example(tracker: Tracker, shown: List[Resource]) -> str:
    return example_commune([Criteria.from_tracker(tracker).value("commune"), *(r.commune for r in shown)])


def mobility_for(tracker: Tracker) -> Callable[[Optional[List[str]]], List[Resource]]:
    """The mobility query without the types that do not fit what the person said (« pas de
    permis », « pas de voiture »: no car rental; knowledge/partners/vocabulary.yml mobility_situations)."""
    excluded = {kind for situation in vocabulary.vocabulary()["mobility_situations"].values()
                if mentions(tracker, situation["words"]) or said_before(tracker, situation["words"])
                for kind in situation["exclude"]}
    return lambda communes: [r for r in topics.find(Topic.MOBILITY, communes) if r.type not in excluded]


def answer_mobility(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    everywhere = len(queries.commune_names())

    def line(resource):
        served = resource.details["communes_count"]
        where = text("piece.all_communes") if served >= everywhere else resource.commune
        kind = vocabulary.type_label("mobility_types", resource.type)
        return resource_line(queries.Resource(resource.id, resource.name, resource.type, "", resource.contact,
                                              resource.description), f"{kind}, {where}")

    answer_places(dispatcher, tracker, "mobility", mobility_for(tracker), line)
    say(dispatcher, "mobility_next")
    return [topic(Topic.MOBILITY)]


def answer_spouse_job(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    answer_places(dispatcher, tracker, "spouse_job", lambda communes: topics.find(Topic.SPOUSE_JOB, communes),
                  resource_line)
    say(dispatcher, "spouse_job_next")
    return [topic(Topic.SPOUSE_JOB)]


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
