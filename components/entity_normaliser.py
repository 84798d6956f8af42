"""Rasa NLU component: canonical values for extracted entities, and communes the CRF missed.

Runs after the CRF and the EntitySynonymMapper. Each `profession`, `commune`, `contract_type` and
`work_time` entity gets the canonical value known to the partner database ("st brevin" →
"Saint-Brevin-les-Pins", "infirmiere" → "infirmier"); entities that match nothing keep their text
so the dialogue can say it did not recognise them. A name the CRF cut in two (« Saint | Brevin »,
« Saint | Michel ») is joined again when the whole is a known name. Communes and professions named
in the text but not extracted are added.
"""
import logging
import re
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
# What may stand between two pieces of one name: spaces, hyphens, apostrophes.
NAME_GAP = re.compile(r"[\s\-'’]*")
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
            text = message.get(TEXT) or ""
            entities = [self._normalised(e) for e in self._joined(text, message.get(ENTITIES, []))]
            entities += self._missed(text, entities)
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
    def _joined(text: str, entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Neighbouring pieces of one kind and role joined when together they make a known name."""
        joined: List[Dict[str, Any]] = []
        for entity in entities:
            previous = joined[-1] if joined else None
            if (previous is not None and entity.get("entity") in NORMALISED
                    and (previous.get("entity"), previous.get("role")) == (entity.get("entity"), entity.get("role"))
                    and isinstance(previous.get("end"), int) and isinstance(entity.get("start"), int)
                    and previous["end"] <= entity["start"]
                    and NAME_GAP.fullmatch(text[previous["end"]:entity["start"]])):
                whole = text[previous["start"]:entity["end"]]
                if naming.canonical(entity["entity"], whole) is not None:
                    processors = [*previous.get("processors", []), "EntityNormaliser"]
                    joined[-1] = {**previous, "value": whole, "end": entity["end"], "processors": processors}
                    continue
            joined.append(entity)
        return joined

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
