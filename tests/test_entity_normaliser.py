"""The NLU component that maps extracted entities onto the knowledge base's canonical values."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from components.entity_normaliser import EntityNormaliser


def entities_of(text, entities):
    message = Message(data={"text": text, "entities": entities})
    EntityNormaliser().process([message])
    return {(e["entity"], e["value"]) for e in message.get("entities")}


def span(text, fragment, entity):
    start = text.index(fragment)
    return {"entity": entity, "value": fragment, "start": start, "end": start + len(fragment),
            "extractor": "CRFEntityExtractor"}


@pytest.mark.parametrize("text, fragment, entity, expected", [
    ("offres IDE a pornic", "IDE", "profession", "infirmier"),
    ("je suis infirmiere", "infirmiere", "profession", "infirmier"),
    ("poste d'aide soignante", "aide soignante", "profession", "aide_soignant"),
    ("je suis ASH", "ASH", "profession", "agent_service_hospitalier"),
    ("a st brevin", "st brevin", "commune", "Saint-Brevin-les-Pins"),
    ("vers pornik", "pornik", "commune", "Pornic"),
    ("a PAIMBOEUF", "PAIMBOEUF", "commune", "Paimbœuf"),
    ("en cdi", "cdi", "contract_type", "cdi"),
    ("poste de nuit", "de nuit", "work_time", "nuit"),
])
def test_extracted_entities_get_canonical_values(loaded_db, text, fragment, entity, expected):
    assert (entity, expected) in entities_of(text, [span(text, fragment, entity)])


def test_unknown_values_keep_their_text_for_the_dialogue_to_answer(loaded_db):
    text = "a Nantes"
    assert entities_of(text, [span(text, "Nantes", "commune")]) == {("commune", "Nantes")}


def test_communes_missed_by_the_extractor_are_found_in_the_text(loaded_db):
    assert ("commune", "Saint-Brevin-les-Pins") in entities_of("un logement du cote de saint-brevin-les-pins svp", [])


@pytest.mark.parametrize("text", ["bonjour je cherche du travail", "une vue sur la mer", "pour la vie", "j'ai un as"])
def test_ordinary_words_are_not_taken_for_places_or_professions(loaded_db, text):
    assert entities_of(text, []) == set()


def test_a_short_commune_name_counts_after_a_preposition(loaded_db):
    assert ("commune", "Vue") in entities_of("un logement a vue", [])


@pytest.mark.parametrize("text, pieces, entity, expected", [
    ("Saint Brevin", ["Saint", "Brevin"], "commune", "Saint-Brevin-les-Pins"),
    ("un poste à Saint-Brevin les Pins", ["Saint-Brevin", "les Pins"], "commune", "Saint-Brevin-les-Pins"),
    ("poste d'Aide Soignante", ["Aide", "Soignante"], "profession", "aide_soignant"),
])
def test_a_name_the_extractor_cut_in_two_is_one_name(loaded_db, text, pieces, entity, expected):
    assert entities_of(text, [span(text, piece, entity) for piece in pieces]) == {(entity, expected)}


def test_two_communes_side_by_side_stay_two(loaded_db):
    text = "Pornic Vue"
    assert entities_of(text, [span(text, "Pornic", "commune"), span(text, "Vue", "commune")]) \
        == {("commune", "Pornic"), ("commune", "Vue")}
