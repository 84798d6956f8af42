"""Rasa NLU component: marks safety words, several needs and children's ages as entities.

Runs after the entity extractors and never changes the intent (the evaluation scores it, and the
topic rules still apply when nothing urgent is said). It adds, from the lexicons of
`knowledge/safety.yml` and `knowledge/needs.yml` (knowledge/cues.py):

- `safety`: "emergency" or "distress", read by components/first_answer_policy.py, which answers
  it before any rule;
- `need`: one entity per need the message names (jobs, childcare, housing, mobility, spouse_job,
  installation), only when it names two or more; a profession named counts as the job search
  when two other needs are named;
- `child_age`: each child's age in months, when the message names several needs;
- `pay`: a question about pay or working conditions (knowledge/pay.yml), answered by
  actions/pay.py for the intents that file lists.
"""
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from knowledge import cues

EXTRACTOR = "MessageCues"
SAFETY_ENTITY = "safety"
NEED_ENTITY = "need"
AGE_ENTITY = "child_age"
PAY_ENTITY = "pay"
# Other needs a message must name for a profession in it to count as a job search.
OTHER_NEEDS_FOR_JOBS = 2


def cue(entity: str, found: cues.Found) -> Dict[str, Any]:
    return {"entity": entity, "value": found.value, "start": found.start, "end": found.end,
            "confidence_entity": 1.0, "extractor": EXTRACTOR}


def cues_of(text: str, entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The entities to add for `text`, given those already extracted."""
    added = []
    safety = cues.safety_found(text)
    if safety:
        added.append(cue(SAFETY_ENTITY, safety))
    needs = cues.needs_found(text)
    profession = next((e for e in entities if e.get("entity") == "profession"), None)
    if profession and len(needs) >= OTHER_NEEDS_FOR_JOBS and "jobs" not in {n.value for n in needs}:
        # The profession stands for the job search (answered first: knowledge/needs.yml's order).
        needs.insert(0, cues.Found("jobs", profession.get("start", 0), profession.get("end", 0)))
    if len(needs) >= 2:
        added += [cue(NEED_ENTITY, need) for need in needs]
        added += [cue(AGE_ENTITY, age) for age in cues.children_found(text)]
    pay = cues.pay_found(text)
    if pay:
        added.append(cue(PAY_ENTITY, pay))
    return added


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class MessageCues(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "MessageCues":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            entities = list(message.get(ENTITIES, []))
            added = cues_of(message.get(TEXT) or "", entities)
            if added:
                message.set(ENTITIES, entities + added, add_to_output=True)
        return messages
