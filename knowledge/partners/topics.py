"""The topics of a conversation (the values of the `topic` slot) and the partner data each one lists.

One list for the assistant (each answer sets the slot, actions/answers.py `topic()`; a criterion given
alone answers the topic again, actions/dialogue.py) and the coordinators' console (the resources shown
beside a request, bot/web/console/requests.py). Their labels for the coordinators are the `topics` of
vocabulary.yml.

`find(topic, communes)` is the query the assistant runs for a topic before the filters it takes from
what the person said (a housing for their stay, childcare at night or at extended hours, mobility
without a car, events open to their profession, the kinds of structures named, actions/): the console
shows that list, so it shows what the assistant itself would list for the topic.
"""
from enum import Enum
from typing import Callable, Dict, List, Optional, Sequence

from knowledge.partners import queries, vocabulary
from knowledge.partners.queries import Resource

# The resources of a topic in some communes (None: the whole territory).
Find = Callable[[Optional[Sequence[str]]], List[Resource]]


class Topic(str, Enum):
    JOBS = "jobs"  # openings (actions/jobs.py); the console shows them for every request
    PROFESSION = "profession"  # a profession described (actions/professions.py)
    TRAINING = "training"  # how to train for it (actions/professions.py)
    DISCOVERY = "discovery"  # forums, job datings, visits (actions/discovery.py)
    HOUSING = "housing"  # (actions/living.py)
    CHILDCARE = "childcare"
    MOBILITY = "mobility"
    SPOUSE_JOB = "spouse_job"  # employment services for the partner
    INSTALLATION = "installation"  # help desks for setting up a practice (actions/partners.py)
    PARTNERS = "partners"  # the partner structures
    PLAN = "plan"  # the installation plan (actions/plan.py, actions/plan_form.py)


def structure_types(topic: Topic) -> List[str]:
    """The kinds of structures listed for `topic` (vocabulary.yml `topic_structure_types`)."""
    return list(vocabulary.vocabulary()["topic_structure_types"][Topic(topic).value])


def _structures(topic: Topic) -> Find:
    return lambda communes: queries.find_structures(structure_types(topic), communes)


# Looked up in `queries` at each call, so that a test replacing a query replaces it here too.
BASE_QUERIES: Dict[Topic, Find] = {
    Topic.DISCOVERY: lambda communes: queries.upcoming_events(communes),
    Topic.HOUSING: lambda communes: queries.find_housing(communes),
    Topic.CHILDCARE: lambda communes: queries.find_childcare(communes),
    Topic.MOBILITY: lambda communes: queries.find_mobility(communes),
    Topic.SPOUSE_JOB: _structures(Topic.SPOUSE_JOB),
    Topic.INSTALLATION: _structures(Topic.INSTALLATION),
    Topic.PARTNERS: lambda communes: queries.find_structures(None, communes),
}


def lists_resources(topic: Optional[str]) -> bool:
    """Whether the assistant lists partner data for `topic` (a slot value; jobs, professions,
    training and the plan have answers of their own)."""
    return topic in BASE_QUERIES


def find(topic: Topic, communes: Optional[Sequence[str]] = None) -> List[Resource]:
    """The resources the assistant lists for `topic` in `communes`, before its per-person filters.

    KeyError for a topic that lists none (see `lists_resources`)."""
    return BASE_QUERIES[Topic(topic)](communes)
