"""Answers fitted to the person (actions/living.py, issue 23): housing for their situation, childcare
for night work with the hours said, examples never naming the commune being discussed, no count of
zero offered as a lead. Fixture data: tests/data/knowledge (chambres stagiaires in Pornic, a studio
for newcomers in Saint-Brevin, a colocation in Paimbœuf, a gîte in Rouans; a crèche 7 h 30-18 h 30
and the hospital crèche 6 h-22 h in Pornic, a MAM in Vue…)."""
import re

import pytest

from actions.discovery import ActionDiscovery
from actions.living import ActionChildcare, ActionHousing
from tests.test_actions import run, texts


def examples(text: str) -> list:
    return re.findall(r"« (?:et )?à ([^»?]+?) ?\?? ?»", text)


@pytest.mark.parametrize("said, slots, situation", [
    ("je suis infirmière, je déménage à Pornic pour un CDI", {"commune": "Pornic", "contract_type": "cdi"},
     "une installation durable"),
    ("un logement à Pornic pour ma famille", {"commune": "Pornic"}, "une installation durable"),
    ("un logement à Pornic", {"commune": "Pornic", "contract_type": "cdi"}, "une installation durable"),
])
async def test_a_long_term_move_is_not_offered_student_rooms(loaded_db, make_tracker, said, slots, situation):
    dispatcher, _ = await run(ActionHousing, make_tracker(slots=slots, text=said, intent="ask_housing"))
    shown = texts(dispatcher)
    assert "Chambres stagiaires du centre hospitalier" not in shown  # students, 1 week to 3 months
    assert situation in shown
    assert "Studio meublé Les Pins" in shown  # newcomers, 3 to 12 months, next door


async def test_a_student_gets_the_student_rooms(loaded_db, make_tracker):
    tracker = make_tracker(slots={"commune": "Pornic"}, text="logement pour mon stage à Pornic", intent="ask_housing")
    dispatcher, _ = await run(ActionHousing, tracker)
    shown = texts(dispatcher)
    assert "Chambres stagiaires du centre hospitalier" in shown and "un stage ou des études" in shown


async def test_a_short_mission_is_said_and_filtered(loaded_db, make_tracker):
    tracker = make_tracker(slots={"commune": "Rouans"}, text="un logement à Rouans pour un remplacement de 3 semaines",
                           intent="ask_housing")
    dispatcher, _ = await run(ActionHousing, tracker)
    shown = texts(dispatcher)
    assert "une mission courte" in shown and "Gîte communal de Rouans" in shown


async def test_without_a_situation_every_housing_is_listed(loaded_db, make_tracker):
    dispatcher, _ = await run(ActionHousing, make_tracker(slots={"commune": "Pornic"}, text="un logement à Pornic"))
    assert "Chambres stagiaires du centre hospitalier" in texts(dispatcher)


@pytest.mark.parametrize("commune", ["Pornic", "Paimbœuf", "Vue", "Saint-Brevin-les-Pins"])
async def test_examples_never_name_the_commune_being_discussed(loaded_db, make_tracker, commune):
    for action in (ActionHousing, ActionChildcare):
        dispatcher, _ = await run(action, make_tracker(slots={"commune": commune}, text=f"à {commune}"))
        said = examples(texts(dispatcher))
        assert said and commune not in said, (action, said)


async def test_a_night_worker_is_told_when_no_care_covers_the_night(loaded_db, make_tracker):
    tracker = make_tracker(slots={"commune": "Saint-Brevin-les-Pins", "work_time": "nuit"},
                           text="une garde pour mes enfants", intent="ask_childcare")
    dispatcher, _ = await run(ActionChildcare, tracker)
    shown = texts(dispatcher)
    assert "Crèche hospitalière" not in shown and "Accueil périscolaire" not in shown
    assert "MAM Les Lutins du Tenu" in shown or "aucun mode de garde" in shown


async def test_extended_hours_come_with_the_hours(loaded_db, make_tracker):
    tracker = make_tracker(slots={"commune": "Pornic"}, text="une crèche avec des horaires décalés à Pornic",
                           intent="ask_childcare")
    dispatcher, _ = await run(ActionChildcare, tracker)
    shown = texts(dispatcher)
    assert "horaires atypiques possibles" not in shown
    assert "horaires élargis (voir les heures ci-dessous)" in shown and "de 6 h à 22 h" in shown


@pytest.mark.parametrize("profession, lead", [("aide_soignant", False), ("infirmier", True)])
async def test_no_internship_is_never_offered_as_a_lead(loaded_db, make_tracker, profession, lead):
    # The fixture has one internship, for nurses, none for care assistants.
    tracker = make_tracker(slots={"profession": profession}, text="des stages ?", intent="ask_discovery")
    dispatcher, _ = await run(ActionDiscovery, tracker)
    shown = texts(dispatcher)
    assert "0 offre" not in shown
    assert ("Dites « offres de stage » pour les voir" in shown) is lead
    assert ("aucune offre de stage n'est publiée" in shown) is not lead
