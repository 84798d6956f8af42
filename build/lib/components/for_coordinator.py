"""Rasa NLU component: messages written to a coordinator are not understood by the assistant.

While a coordinator holds a conversation (bot/web/channel.py), the widget's channel marks the
person's messages with `for_coordinator` in their metadata. Placed last in the pipeline, this
component then replaces whatever the others found by the intent `for_coordinator` (confidence 1,
no ranking) and no entity: nothing fills the assistant's slots, and nothing is counted among the
observatory's « questions non comprises » (`nlu_fallback`, `out_of_scope`). Other messages pass
unchanged.
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
                message.set(ENTITIES, [], add_to_output=True)
        return messages
