"""Turning what people type into canonical communes and professions."""
from pathlib import Path

import pytest

from knowledge import db
from knowledge.partners import importer, queries
from knowledge.partners.normalise import Canonicaliser, key

FIXTURE_DIR = Path(__file__).parent / "data" / "knowledge"


# -- key ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("Paimbœuf", "paimboeuf"),
    ("PAIMBŒUF", "paimboeuf"),
    ("Chauvé", "chauve"),
    ("Saint-Brevin-les-Pins", "saint brevin les pins"),
    ("  Cheix-en-Retz  ", "cheix en retz"),
    ("St-Brevin", "saint brevin"),
    ("st brevin", "saint brevin"),
    ("ST. BREVIN", "saint brevin"),
    ("Ste Pazanne", "sainte pazanne"),
    ("Sainte-Pazanne", "sainte pazanne"),
    ("aide-soignante", "aide soignante"),
    ("Aide–Soignante", "aide soignante"),  # en dash
    ("infirmière diplômée d'État", "infirmiere diplomee d etat"),
    ("aide_soignant", "aide soignant"),
    ("100 %", "100 %"),
    ("", ""),
    ("  -- ", ""),
])
def test_key(text, expected):
    assert key(text) == expected


def test_key_keeps_words_that_only_start_like_abbreviations():
    assert key("Stéphane") == "stephane"
    assert key("est") == "est"


# -- canonicalisers built from the fixture database -----------------------------------------------------
@pytest.fixture(scope="module")
def names(tmp_path_factory):
    """naming_vocabulary() of tests/data/knowledge, imported once for the module into SQLite."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", f"sqlite:///{tmp_path_factory.mktemp('normalise') / 'names.db'}")
        db.dispose()
        try:
            importer.import_folder(FIXTURE_DIR)
            return queries.naming_vocabulary()
        finally:
            db.dispose()


@pytest.fixture(scope="module")
def communes(names) -> Canonicaliser:
    return Canonicaliser(names["commune"], places=True)


@pytest.fixture(scope="module")
def professions(names) -> Canonicaliser:
    return Canonicaliser(names["profession"])


def test_names_come_from_the_fixture_database(names):
    assert set(names["commune"]) == {"Pornic", "Saint-Brevin-les-Pins", "Paimbœuf", "Vue", "Rouans", "Cheix-en-Retz"}
    assert set(names["profession"]) == {"infirmier", "aide_soignant", "agent_service_hospitalier"}


@pytest.mark.parametrize("typed, expected", [
    ("Pornic", "Pornic"),
    ("PORNIC", "Pornic"),
    ("pornic ", "Pornic"),
    ("pornik", "Pornic"),  # one wrong letter
    ("pornc", "Pornic"),  # one missing letter
    ("le clion sur mer", "Pornic"),  # merged former commune (territoire.yml)
    ("paimboeuf", "Paimbœuf"),
    ("Paimboeuf", "Paimbœuf"),
    ("paimbeuf", "Paimbœuf"),
    ("st brevin", "Saint-Brevin-les-Pins"),  # alias, after "st" -> "saint"
    ("St-Brevin", "Saint-Brevin-les-Pins"),
    ("brevin", "Saint-Brevin-les-Pins"),
    ("saint brevin les pins", "Saint-Brevin-les-Pins"),
    ("ST BREVIN LES PINS", "Saint-Brevin-les-Pins"),
    ("st brevin les pin", "Saint-Brevin-les-Pins"),
    ("cheix en retz", "Cheix-en-Retz"),
    ("Cheix", "Cheix-en-Retz"),
    ("rouan", "Rouans"),
    ("Vue", "Vue"),
    ("vue", "Vue"),
])
def test_commune_variants(communes, typed, expected):
    assert communes.canonical(typed) == expected


@pytest.mark.parametrize("typed, expected", [
    ("infirmier", "infirmier"),
    ("infirmiere", "infirmier"),
    ("Infirmière", "infirmier"),
    ("infirmieres", "infirmier"),
    ("infimière", "infirmier"),  # missing letter
    ("infirmeir", "infirmier"),  # swapped letters
    ("IDE", "infirmier"),
    ("ide", "infirmier"),
    ("infirmière diplômée d'état", "infirmier"),
    ("aide soignante", "aide_soignant"),
    ("Aide-Soignante", "aide_soignant"),
    ("aide-soignant", "aide_soignant"),
    ("aide soigante", "aide_soignant"),
    ("AS", "aide_soignant"),
    ("ASH", "agent_service_hospitalier"),
    ("agent des services hospitaliers", "agent_service_hospitalier"),
    ("agent de service hospitalier", "agent_service_hospitalier"),
])
def test_profession_variants(professions, typed, expected):
    assert professions.canonical(typed) == expected


@pytest.mark.parametrize("typed", [
    "bonjour", "pour", "mer", "sur mer", "saint", "sainte", "port", "porte", "vie", "vues", "rue", "plage",
    "Nantes", "Pornichet", "Saint-Nazaire", "la plaine", "", "   ",
])
def test_words_that_are_not_communes(communes, typed):
    assert communes.canonical(typed) is None


@pytest.mark.parametrize("typed", [
    "bonjour", "aide", "aider", "une aide", "ami", "idee", "side", "ash tree", "médecin", "infirmerie de l'école",
    "agent immobilier", "",
])
def test_words_that_are_not_professions(professions, typed):
    assert professions.canonical(typed) is None


def test_an_empty_canonicaliser_is_false():
    assert not Canonicaliser({})
    assert Canonicaliser({}).canonical("Pornic") is None
    assert Canonicaliser({"Pornic": []})


# -- find_in: names inside a sentence ------------------------------------------------------------------
def spans(found, text):
    return [(value, text[start:end]) for value, start, end in found]


def test_find_in_a_sentence(communes, professions):
    text = "Bonjour, je suis IDE et je cherche un poste à St-Brevin ou à paimboeuf, pas à Nantes."

    assert spans(communes.find_in(text), text) == [
        ("Saint-Brevin-les-Pins", "St-Brevin"), ("Paimbœuf", "paimboeuf")]
    assert spans(professions.find_in(text), text) == [("infirmier", "IDE")]


def test_find_in_prefers_the_longest_name(communes):
    text = "un logement à Saint Brevin les Pins pour mon stage"

    assert spans(communes.find_in(text), text) == [("Saint-Brevin-les-Pins", "Saint Brevin les Pins")]


def test_find_in_several_professions(professions):
    text = "Je suis aide-soignante, mon mari est infirmier diplômé d'État et ma fille ASH."

    assert spans(professions.find_in(text), text) == [
        ("aide_soignant", "aide-soignante"),
        ("infirmier", "infirmier diplômé d'État"),
        ("agent_service_hospitalier", "ASH"),
    ]


def test_find_in_uses_exact_keys_only(communes):
    # no fuzzy search in free text: a typo is left to the NLU entity + canonical()
    assert communes.find_in("je cherche sur pornik") == []


@pytest.mark.parametrize("text", [
    "Bonjour, je voudrais vivre près de la mer pour mon travail",
    "tu as des offres pour une aide à domicile ?",
    "Saint quoi ? Je ne connais pas le port.",
    "j'ai besoin d'aide pour trouver une crèche",
])
def test_find_in_ignores_ordinary_words(communes, professions, text):
    assert communes.find_in(text) == []
    assert professions.find_in(text) == []
