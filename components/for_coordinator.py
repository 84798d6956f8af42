"""Rasa NLU component: messages written to a coordinator are not understood by the assistant.

While a coordinator holds a conversation (bot/web/channel.py), the widget's channel marks the
person's messages with `for_coordinator` in their metadata. Placed last in the pipeline, this
component then replaces whatever the others found by the intent `for_coordinator` (confidence 1,
no ranking) and no entity but the `safety` cue (components/message_cues.py, which fills no slot):
nothing fills the assistant's slots, nothing is counted among the observatory's « questions non
comprises » (`nlu_fallback`, `out_of_scope`), and the conversation keeps the trace of an emergency or
distress the channel answered first (bot/held.py `safety_answer`). Other messages pass unchanged.
"""
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, METADATA
from rasa.shared.nlu.training_data.message import Message

# The metadata key set by the channel, and the intent the message then gets (domain.yml, handoff).
FOR_COORDINATOR = "for_coordinator"
# The one entity kept: the emergency or distress cue.
SAFETY_ENTITY = "safety"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ForCoordinator(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "ForCoordinator":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if (message.get(METADATA) or {}).get(FOR_COORDINATOR) is True:
                message.set(INTENT, {"name": FOR_COORDINATOR, "confidence": 1.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
                kept = [e for e in message.get(ENTITIES) or [] if e.get("entity") == SAFETY_ENTITY]
                message.set(ENTITIES, kept, add_to_output=True)
        return messages
