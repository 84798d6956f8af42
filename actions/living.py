"""Settling in: housing, childcare, mobility and the spouse's job."""
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import AnswerAction, topic
from actions.criteria import Criteria
from actions.formatting import childcare_extra, housing_extra, resource_line
from actions.messages import say
from actions.places import answer_places, mentions
from knowledge import queries, vocabulary


def answer_housing(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    answer_places(dispatcher, tracker, "housing", queries.find_housing,
                  lambda r: resource_line(r, housing_extra(r)))
    say(dispatcher, "housing_next")
    return [topic("housing")]


def answer_childcare(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    atypical = (Criteria.from_tracker(tracker).value("work_time") == "nuit"
                or mentions(tracker, vocabulary.vocabulary()["atypical_hours_keywords"]))

    def find(communes):
        found = queries.find_childcare(communes, atypical_hours=atypical)
        return found or (queries.find_childcare(communes) if atypical else [])

    answer_places(dispatcher, tracker, "childcare", find, lambda r: resource_line(r, childcare_extra(r)))
    say(dispatcher, "childcare_next")
    return [topic("childcare")]


def answer_mobility(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    everywhere = len(queries.commune_names())

    def line(resource):
        served = resource.details["communes_count"]
        where = "toutes les communes" if served >= everywhere else resource.commune
        kind = resource.type.replace("_", " ")
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
