"""Answers fitted to the person (actions/living.py, issue 23): housing for their situation, childcare
for night work with the hours said, examples never naming the commune being discussed, no count of
zero offered as a lead. Fixture data: tests/data/knowledge (chambres stagiaires in Pornic, a studio
for newcomers in Saint-Brevin, a colocation in Paimbœuf, a gîte in Rouans; a crèche 7 h 30-18 h 30
and the hospital crèche 6 h-22 h in Pornic, a MAM in Vue…)."""
import re
from pathlib import Path

import pytest

from actions.discovery import ActionDiscovery
from actions.living import ActionChildcare, ActionHousing, ActionMobility
from knowledge import db
from knowledge.partners import importer
from knowledge.partners.models import Housing
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


# -- stays read from `duree`, childcare hours and night care, transport without a car --------------
# tests/data/living adds to the fixture, in Pornic: apartments under a bail mobilité (1 to 10 months),
# a classic lease, a stay written « selon disponibilités » and a summer one; a crèche open 6:15-21:30,
# one open at night (nuit = oui), a MAM that says it does not (nuit = non); a car rental and a
# transport on demand; a nurse's opening in Paimbœuf.
LIVING_DIR = Path(__file__).parent / "data" / "living"


@pytest.fixture
def living_db(loaded_db):
    importer.import_folder(LIVING_DIR)
    return loaded_db


async def housing_answer(make_tracker, said, slots=None):
    tracker = make_tracker(slots={"commune": "Pornic", **(slots or {})}, text=said, intent="ask_housing")
    dispatcher, _ = await run(ActionHousing, tracker)
    return texts(dispatcher)


@pytest.mark.parametrize("said, slots", [
    ("je suis infirmière, je déménage à Pornic pour un CDI", {"contract_type": "cdi"}),
    ("un logement à Pornic, on s'installe en famille", {}),
])
async def test_a_long_term_move_gets_long_stays_only(living_db, make_tracker, said, slots):
    shown = await housing_answer(make_tracker, said, slots)
    assert "Appartement T3 du bailleur social" in shown  # bail classique
    assert "Appartement de la rue des Sables" in shown  # « selon disponibilités »: kept
    assert "Appartement du bail mobilité" not in shown  # 1 to 10 months
    assert "Appartement de l'été" not in shown  # June to September
    assert "Chambres stagiaires du centre hospitalier" not in shown  # 1 week to 3 months


async def test_a_short_mission_gets_short_stays_only(living_db, make_tracker):
    shown = await housing_answer(make_tracker, "un logement à Pornic pour un remplacement de 3 semaines")
    assert "une mission courte" in shown
    for name in ("Appartement du bail mobilité", "Appartement de l'été", "Appartement de la rue des Sables"):
        assert name in shown
    assert "Appartement T3 du bailleur social" not in shown  # a classic lease


async def test_an_internship_gets_no_classic_lease(living_db, make_tracker):
    shown = await housing_answer(make_tracker, "un logement pour mon stage à Pornic")
    assert "Chambres stagiaires du centre hospitalier" in shown and "Appartement du bail mobilité" in shown
    assert "Appartement T3 du bailleur social" not in shown


async def test_the_stays_are_stored_at_import(living_db):
    with db.session_scope() as session:
        stays = {h.id: (h.duration, h.min_stay_months, h.max_stay_months) for h in session.query(Housing)}
    assert stays["liv_pornic_mobilite"] == ("bail mobilité 1 à 10 mois", 1.0, 10.0)
    assert stays["liv_pornic_classique"] == ("bail classique", 12.0, None)
    assert stays["liv_pornic_inconnu"] == ("selon disponibilités", None, None)  # text kept as written
    assert stays["log_rouans_gite"] == ("", None, None)


async def childcare_answer(make_tracker, said, slots=None):
    tracker = make_tracker(slots={"commune": "Pornic", **(slots or {})}, text=said, intent="ask_childcare")
    dispatcher, _ = await run(ActionChildcare, tracker)
    return texts(dispatcher)


async def test_childcare_says_its_opening_hours(living_db, make_tracker):
    shown = await childcare_answer(make_tracker, "une crèche à Pornic")
    line = next(line for line in shown.splitlines() if "Crèche des Horaires Longs" in line)
    assert "ouverte de 6 h 15 à 21 h 30" in line and "horaires atypiques" not in line
    mam = next(line for line in shown.splitlines() if "MAM Les Jours Heureux" in line)
    assert "ouverte de 7 h 30 à 19 h" in mam
    night = next(line for line in shown.splitlines() if "Crèche de la Veille" in line)
    assert "ouverte de 5 h 30 à 23 h" in night and "accueil la nuit" in night


@pytest.mark.parametrize("said, slots", [
    ("je travaille de nuit, une garde pour mon fils à Pornic", {}),
    ("une garde pour mes enfants", {"work_time": "nuit"}),
])
async def test_a_night_worker_is_offered_only_care_covering_the_night(living_db, make_tracker, said, slots):
    shown = await childcare_answer(make_tracker, said, slots)
    assert "Crèche de la Veille" in shown  # nuit = oui, though a crèche
    for name in ("Crèche des Horaires Longs",  # open until 21:30, nuit not said: a crèche closes at night
                 "Crèche hospitalière Les Petits Embruns", "Multi-accueil Les Moussaillons",
                 "MAM Les Jours Heureux"):  # nuit = non, though a MAM
        assert name not in shown


async def test_a_night_worker_is_told_honestly_when_no_care_covers_the_night(loaded_db, make_tracker):
    # Saint-Brevin and its neighbours have no care covering the night in the fixture.
    tracker = make_tracker(slots={"commune": "Saint-Brevin-les-Pins", "work_time": "nuit"},
                           text="une garde pour mes enfants", intent="ask_childcare")
    dispatcher, _ = await run(ActionChildcare, tracker)
    shown = texts(dispatcher)
    nearby = [line for line in shown.splitlines() if line.startswith("•")]
    assert all("MAM" in line for line in nearby), nearby
    assert nearby or "aucun mode de garde" in shown


@pytest.mark.parametrize("said", ["je n'ai pas de voiture, comment aller travailler à Pornic ?",
                                  "j'ai pas le permis, des transports à Pornic ?"])
async def test_without_a_car_no_car_rental_is_offered(living_db, make_tracker, said):
    tracker = make_tracker(slots={"commune": "Pornic"}, text=said, intent="ask_mobility")
    dispatcher, _ = await run(ActionMobility, tracker)
    shown = texts(dispatcher)
    assert "Transport à la demande de Pornic" in shown and "Location solidaire de voitures" not in shown


async def test_a_car_rental_is_offered_when_nothing_says_it_does_not_fit(living_db, make_tracker):
    tracker = make_tracker(slots={"commune": "Pornic"}, text="des transports à Pornic ?", intent="ask_mobility")
    dispatcher, _ = await run(ActionMobility, tracker)
    assert "Location solidaire de voitures" in texts(dispatcher)


# -- examples of the other answers never name the commune being discussed --------------------------
@pytest.mark.parametrize("commune, profession, contract", [("Vue", "infirmier", "liberal"),
                                                           ("Rouans", "aide_soignant", "cdi"),
                                                           ("Pornic", "infirmier", "cdi"),
                                                           ("Paimbœuf", "infirmier", "cdi")])
async def test_the_job_answer_example_is_another_commune(living_db, make_tracker, commune, profession, contract):
    from actions.jobs import ActionSearchJobs

    tracker = make_tracker(slots={"commune": commune, "profession": profession, "contract_type": contract})
    dispatcher, _ = await run(ActionSearchJobs, tracker)
    said = examples(texts(dispatcher))
    assert said and commune not in said, said


@pytest.mark.parametrize("commune", ["Pornic", "Paimbœuf", "Vue"])
async def test_the_several_needs_answer_examples_are_another_commune(loaded_db, make_tracker, commune):
    from actions.needs import ActionAnswerNeeds

    needs = [{"entity": "need", "value": value} for value in ("jobs", "housing")]
    tracker = make_tracker(slots={"commune": commune}, text=f"un travail et un logement à {commune}",
                           intent="ask_housing", entities=needs)
    dispatcher, _ = await run(ActionAnswerNeeds, tracker)
    shown = texts(dispatcher)
    said = re.findall(r"« (?:la garde d'enfants|infirmière) à ([^»]+?) »", shown)
    assert len(said) == 2 and commune not in said, said


@pytest.mark.parametrize("commune", ["Pornic", "Paimbœuf", "Vue"])
async def test_the_apply_hint_example_is_another_commune(loaded_db, make_tracker, commune):
    from actions.apply import ActionApplyWhich

    tracker = make_tracker(slots={"commune": commune}, text="je veux postuler", intent="apply")
    dispatcher, _ = await run(ActionApplyWhich, tracker)
    said = re.findall(r"« offres d'infirmier à ([^»]+?) »", texts(dispatcher))
    assert len(said) == 1 and commune not in said, said


def test_the_fixed_examples_name_no_commune(loaded_db):
    """Said at any moment of a conversation (help menu, empty message, a photo on Telegram), they cannot know the
    commune being discussed: they name none."""
    import yaml

    from knowledge.partners import queries
    from knowledge.settings import PROJECT_ROOT
    from knowledge.texts import text

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    fixed = [r["text"] for r in domain["responses"]["utter_help"]] + [text("web.empty_message"),
                                                                       text("telegram.not_text", what="ce message")]
    communes = queries.commune_names()
    assert communes
    for said in fixed:
        assert "par exemple" in said
        assert not [c for c in communes if c in said], said


# -- what the person said earlier in the conversation still holds ---------------------------------
def earlier(tracker, *messages):
    """The tracker with `messages` said before its latest one."""
    at = max(i for i, e in enumerate(tracker.events) if e.get("event") == "user")
    for message in reversed(messages):
        tracker.events.insert(at, {"event": "user", "text": message, "parse_data": {}})
    return tracker


async def test_a_long_term_move_said_earlier_still_filters_housing(living_db, make_tracker):
    tracker = earlier(make_tracker(slots={"commune": "Pornic"}, text="et un logement ?", intent="ask_housing"),
                      "je suis infirmière, on déménage en famille")
    dispatcher, _ = await run(ActionHousing, tracker)
    shown = texts(dispatcher)
    assert "une installation durable" in shown and "Appartement du bail mobilité" not in shown


async def test_night_work_and_no_car_said_earlier_still_hold(living_db, make_tracker):
    childcare = earlier(make_tracker(slots={"commune": "Pornic"}, text="et pour garder mon fils ?",
                                     intent="ask_childcare"), "je suis aide-soignante de nuit")
    dispatcher, _ = await run(ActionChildcare, childcare)
    assert "Crèche de la Veille" in texts(dispatcher) and "Crèche des Horaires Longs" not in texts(dispatcher)
    mobility = earlier(make_tracker(slots={"commune": "Pornic"}, text="et les transports ?", intent="ask_mobility"),
                       "je n'ai pas de voiture")
    dispatcher, _ = await run(ActionMobility, mobility)
    assert "Transport à la demande de Pornic" in texts(dispatcher)
    assert "Location solidaire de voitures" not in texts(dispatcher)
