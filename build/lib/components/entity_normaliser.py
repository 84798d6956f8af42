"""Rasa NLU component: canonical values for extracted entities, and communes the CRF missed.

Runs after the CRF and the EntitySynonymMapper. Each `profession`, `commune`, `contract_type` and
`work_time` entity gets the canonical value known to the partner database ("st brevin" →
"Saint-Brevin-les-Pins", "infirmiere" → "infirmier"); entities that match nothing keep their text
so the dialogue can say it did not recognise them. Communes and professions named in the text but
not extracted are added.
"""
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from knowledge.partners import naming

logger = logging.getLogger(__name__)

NORMALISED = ("profession", "commune", "contract_type", "work_time")
FOUND_IN_TEXT = ("commune", "profession")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class EntityNormaliser(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "EntityNormaliser":
        return cls()

    def __init__(self) -> None:
        self._ready: Optional[bool] = None

    def _available(self) -> bool:
        """Whether the names could be read from the database (tried once; logged when not)."""
        if self._ready is None:
            try:
                self._ready = bool(naming.canonicalisers()["commune"])
            except Exception as error:  # noqa: BLE001 - the assistant must still answer
                logger.warning("Entity normaliser disabled, partner database unavailable: %s", error)
                self._ready = False
        return self._ready

    def process(self, messages: List[Message]) -> List[Message]:
        if not self._available():
            return messages
        for message in messages:
            entities = [self._normalised(e) for e in message.get(ENTITIES, [])]
            entities += self._missed(message.get(TEXT) or "", entities)
            message.set(ENTITIES, entities, add_to_output=True)
        return messages

    @staticmethod
    def _normalised(entity: Dict[str, Any]) -> Dict[str, Any]:
        if entity.get("entity") not in NORMALISED:
            return entity
        value = naming.canonical(entity["entity"], entity.get("value"))
        if value is None or value == entity.get("value"):
            return entity
        processors = [*entity.get("processors", []), "EntityNormaliser"]
        return {**entity, "value": value, "processors": processors}

    @staticmethod
    def _missed(text: str, entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        covered = [(e.get("start", -1), e.get("end", -1)) for e in entities]
        added = []
        for kind in FOUND_IN_TEXT:
            if any(e.get("entity") == kind for e in entities):
                continue
            for value, start, end in naming.canonicalisers()[kind].find_in(text):
                if any(s < end and start < e for s, e in covered):
                    continue
                added.append({"entity": kind, "value": value, "start": start, "end": end,
                              "confidence_entity": 1.0, "extractor": "EntityNormaliser"})
        return added
