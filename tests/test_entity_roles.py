"""Roles of the `profession` entity (issue 17): `current` for the job a person has, `target` for the
one they aim at. The training and held-out data use only these two roles, on professions only, and
the components after the CRF (synonyms, normaliser) keep the role the CRF predicted."""
import re
from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.entity_synonyms import EntitySynonymMapper
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from components.entity_normaliser import EntityNormaliser

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "nlu" / "intents").glob("*.yml")) + [ROOT / "tests" / "nlu" / "heldout.yml"]


def annotated():
    for path in FILES:
        for example in load_data(str(path)).intent_examples:
            for entity in example.get("entities") or []:
                yield path.name, example.get("text"), entity


def test_only_professions_carry_a_role_and_only_current_or_target():
    roles = [(name, text, e["entity"], e["role"]) for name, text, e in annotated() if "role" in e]
    assert {(entity, role) for _, _, entity, role in roles} == {("profession", "current"), ("profession", "target")}
    by_role = {role: sum(1 for *_, r in roles if r == role) for role in ("current", "target")}
    assert by_role["current"] >= 100 and by_role["target"] >= 60, by_role


@pytest.mark.parametrize("phrase, role", [(r"je suis", "current"), (r"(?<!viens de )devenir", "target"),
                                          (r"je vise le diplôme d'", "target")])
def test_the_same_context_always_gets_the_same_role(phrase, role):
    """A context annotated here and not there would teach the CRF both: every « je suis [métier] »
    is `current`, every « devenir [métier] » is `target` (« je viens de devenir » is `current`),
    in the training and held-out files."""
    pattern = re.compile(phrase + r"\s*(?:une?\s+|l'|d')?\[[^\]]+\](\(profession\)|\{[^}]*\})", re.IGNORECASE)
    seen = 0
    for path in FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            for match in pattern.finditer(line):
                annotation = match.group(1)
                if annotation.startswith("(") or '"entity": "profession"' in annotation:
                    seen += 1
                    assert f'"role": "{role}"' in annotation, f"{path.name}: {line.strip()}"
    assert seen >= 5


def role_entity(text, fragment, value, role):
    start = text.index(fragment)
    return {"entity": "profession", "value": value, "start": start, "end": start + len(fragment),
            "role": role, "confidence_role": 0.9, "extractor": "CRFEntityExtractor"}


def test_the_synonym_mapper_and_the_normaliser_keep_the_role(loaded_db, tmp_path):
    """The normaliser maps onto the professions of the partner database (the fixture folder's)."""
    text = "je suis aides soignantes et je vise le diplôme d'infirmiere"
    message = Message(data={"text": text, "entities": [
        role_entity(text, "aides soignantes", "aides soignantes", "current"),
        role_entity(text, "infirmiere", "infirmiere", "target")]})
    mapper = EntitySynonymMapper.create(
        {}, LocalModelStorage(tmp_path), Resource("synonyms"), ExecutionContext(GraphSchema({}), "test"),
        synonyms={"aides soignantes": "aide_soignant"})
    mapper.process([message])
    EntityNormaliser().process([message])
    found = {(e["value"], e.get("role")) for e in message.get("entities")}
    assert found == {("aide_soignant", "current"), ("infirmier", "target")}
