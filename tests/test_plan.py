"""Issue 20, « Mon projet d'installation »: the form, the plan and its storage, on the partner data
made for these tests (tests/data/knowledge_plan). Entities are built by hand the way the NLU sends
them, so these tests do not depend on the model."""
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions import living, plan_answers
from actions.needs import ActionAnswerNeeds
from actions.plan import ActionPlanHandover, ActionPlanLink, ActionPlanReply, ValidatePlanEmailForm
from actions.plan_form import MADE, SLOTS, ActionPlanAgain, ActionPlanChange, ActionPlanStart, ValidatePlanForm
from knowledge.coordination import handoff, plans, privacy
from knowledge.partners import fit, importer, naming, plan_builder, queries, vocabulary
from knowledge.partners.naming import ANY
from knowledge.partners.queries import NotFound
from knowledge.texts import text
from tests.test_actions import button_payloads, slot, texts

FOLDER = Path(__file__).parent / "data" / "knowledge_plan"
DOMAIN = {"forms": {"plan_form": {"required_slots": list(SLOTS)},
                    "plan_email_form": {"required_slots": ["plan_email"]}},
          "slots": {}}
TODAY = date(2026, 12, 7)


@pytest.fixture
def plan_db(database_url):
    importer.import_folder(FOLDER)
    naming.forget()
    return database_url


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action().run(dispatcher, tracker, DOMAIN)
    return dispatcher, events


def build(**situation):
    return plan_builder.build(situation, today=TODAY)


def section(plan, key):
    found = [s for s in plan["sections"] if s["key"] == key]
    return [item["name"] for item in found[0]["items"]] if found else []


def gap_kinds(plan):
    return [g["kind"] for g in plan["gaps"]]


# -- the plan: childcare by age and hours ---------------------------------------------------------------
def test_a_baby_gets_the_creche_and_a_school_child_the_periscolaire(plan_db):
    plan = build(commune="Vue", children=[8, 84])
    childcare = section(plan, "childcare")
    assert childcare[0] == "Micro-crèche Les Petits Galets"
    assert "Accueil de loisirs du Tenu" in childcare
    assert childcare.count("Micro-crèche Les Petits Galets") == 1  # not for the 7-year-old


def test_night_work_gets_only_care_covering_the_night_as_the_assistant_answers(plan_db):
    plan = build(commune="Pornic", hours="nuit", children=[48])
    childcare = section(plan, "childcare")
    assert childcare == ["MAM Les Coquillages"]  # home-based care; the school's garderie closes at night
    assert [i["detail"] for s in plan["sections"] if s["key"] == "childcare" for i in s["items"]] == [
        "pour l'enfant de 4 ans, la nuit"]
    assert "childcare_night" not in gap_kinds(plan)
    # The same rule as the assistant's childcare answer (actions/living.py): nothing else is offered.
    rule = living.childcare_for(night=True, atypical=False)
    assert set(childcare) <= {r.name for r in rule(["Pornic", *queries.neighbours("Pornic")])}


def test_a_creche_open_6_to_21_is_not_offered_to_a_night_worker_and_the_gap_is_said(plan_db):
    day = section(build(commune="Vue", hours="jour", children=[8]), "childcare")
    assert "Micro-crèche Les Petits Galets" in day  # extended hours (6 h – 21 h), not night
    night = build(commune="Vue", hours="nuit", children=[8, 84])
    assert "Micro-crèche Les Petits Galets" not in section(night, "childcare")
    assert section(night, "childcare") == []  # nothing covers the night near Vue (the MAM is at Pornic)
    assert [g["text"] for g in night["gaps"] if g["kind"] == "childcare_night"] == [
        "aucun mode de garde la nuit pour un enfant de 8 mois à Vue et autour",
        "aucun mode de garde la nuit pour un enfant de 7 ans à Vue et autour"]
    assert "childcare" not in gap_kinds(night)  # one gap per child, the precise one


def test_a_school_age_child_gets_the_periscolaire_first_with_day_hours(plan_db):
    day = section(build(commune="Pornic", hours="jour", children=[48]), "childcare")
    # The database lists the MAM first (extended hours); for a 4-year-old the school's care comes first.
    assert day[0] == "Garderie de l'école du Val" and day.index("MAM Les Coquillages") > 0
    assert section(build(commune="Vue", children=[8]), "childcare")[0] == "Micro-crèche Les Petits Galets"


def test_mixed_hours_count_as_atypical(plan_db):
    mixed = build(commune="Pornic", hours="mixte", children=[48])
    assert section(mixed, "childcare")[0] == "MAM Les Coquillages"  # extended hours before the garderie
    details = [i["detail"] for s in mixed["sections"] if s["key"] == "childcare" for i in s["items"]]
    assert details[0] == "pour l'enfant de 4 ans, horaires décalés"
    assert "childcare_atypical" in gap_kinds(build(commune="Vue", hours="mixte", children=[84]))
    assert "childcare_atypical" not in gap_kinds(build(commune="Vue", hours="jour", children=[84]))


def test_no_childcare_at_all_for_the_age_is_a_gap(plan_db):
    plan = build(commune="Vue", children=[156])  # 13 years: past every age range nearby
    assert section(plan, "childcare") == [] and "childcare" in gap_kinds(plan)


# -- transport ------------------------------------------------------------------------------------------
def test_without_a_car_the_car_rental_is_left_out(plan_db):
    with_car = section(build(commune="Vue", car=True), "mobility")
    without = section(build(commune="Vue", car=False), "mobility")
    assert "Location de voitures du Tenu" in with_car  # location_solidaire, the code of real data
    assert "Location de voitures du Tenu" not in without and "Ligne de car du Tenu" in without
    assert "Permis solidaire de Retz" in without  # a licence aid helps without a car


def test_the_plan_lists_use_the_codes_of_the_vocabulary():
    """A code unknown to vocabulary.yml matches no real row: the behaviour would work on a fixture only."""
    config, known = plan_builder.settings(), vocabulary.vocabulary()
    assert set(config["short_stay_types"]) <= set(known["housing_types"])
    assert set(config["school_childcare_types"]) <= set(known["childcare_types"])
    assert set(config["practice_types"] + config["training_types"]) <= set(known["structure_types"])
    assert fit.types_needing_a_car() and fit.types_needing_a_car() <= set(known["mobility_types"])
    assert plan_builder.installation_help_types() == ["guichet_installation", "cpts"]
    assert "needs_a_car" not in config and "employment_types" not in config  # one home: vocabulary.yml


def test_the_plan_fixture_uses_the_codes_of_the_vocabulary(database_url):
    report = importer.import_folder(FOLDER)
    kept = text("import.types_kept", file="F", values="V").split(" : ")[1]  # « types non répertoriés… »
    assert kept and not [notice for notice in report.notices if kept in notice]


def test_transport_kinds_are_shown_with_their_french_labels(plan_db):
    plan = build(commune="Vue", car=True)
    details = {i["name"]: i["detail"] for s in plan["sections"] if s["key"] == "mobility" for i in s["items"]}
    assert details["Vélos électriques de l'Estuaire"] == "vélo"
    assert details["Permis solidaire de Retz"] == "aide au permis"
    assert details["Location de voitures du Tenu"] == "location solidaire"


def test_transport_serves_the_training_institute_commune(plan_db):
    assert "Vélos électriques de l'Estuaire" in section(build(commune="Vue", car=False), "mobility")


# -- liberal practice, partner, housing, events ---------------------------------------------------------------
def test_liberal_practice_adds_aids_and_practices(plan_db):
    liberal = build(profession="kinesitherapeute", commune="Vue", practice="liberal")
    salaried = build(profession="kinesitherapeute", commune="Vue", practice="salarie")
    assert section(liberal, "installation")[0] == "Guichet Installation Jade"
    assert "Cabinet kiné du Canal" in section(liberal, "installation")
    assert section(salaried, "installation") == []
    jobs = [s for s in liberal["sections"] if s["key"] == "jobs"][0]["items"]
    assert jobs[0]["opening_id"] == "o_kine_rouans"  # the hook for « Postuler » (apply issue)


def test_the_partner_gets_the_employment_service_and_its_absence_nearby_is_said(plan_db):
    plan = build(commune="Vue", partner="maçon")
    assert section(plan, "partner") == ["Maison de l'emploi de l'Estuaire"]
    assert "partner" in gap_kinds(plan)
    assert section(build(commune="Vue"), "partner") == []  # nobody asked


def test_short_stays_only_when_asked_and_none_is_a_gap(plan_db):
    assert section(build(commune="Vue", housing="court"), "housing") == ["Chambres chez l'habitant du Migron"]
    assert section(build(commune="Vue", housing="aucun"), "housing") == []
    plan = build(commune="La Plaine-sur-Mer", housing="court")
    assert "housing_short" in gap_kinds(plan)
    near = build(commune="Vue", arrival="2027-01")
    assert section(near, "housing")[0] == "Chambres chez l'habitant du Migron"


def test_short_stays_come_first_only_when_the_arrival_is_near(plan_db):
    near = section(build(commune="Vue", arrival="2027-01"), "housing")
    far = section(build(commune="Vue", arrival="2027-09"), "housing")
    assert near[0] == "Chambres chez l'habitant du Migron"  # at Frossay, a short stay
    assert far[0] == "Logements du Canal"  # at Cheix-en-Retz, let by the year: the communes' order
    assert sorted(near) == sorted(far)


def test_events_before_the_arrival_month_only(plan_db):
    before_april = section(build(arrival="2099-03"), "events")
    assert before_april == ["Job dating aides-soignants", "Visite du bloc pour infirmières"]
    assert "events" in gap_kinds(build(arrival="2027-01"))


def test_events_are_those_open_to_the_profession_as_the_assistant_lists_them(plan_db):
    kine = section(build(profession="kinesitherapeute", arrival="2099-04"), "events")
    assert kine == ["Forum des métiers du prendre-soin"]  # not « Job dating aides-soignants »
    nurse = section(build(profession="infirmier", arrival="2099-04"), "events")
    assert nurse == ["Visite du bloc pour infirmières", "Forum des métiers du prendre-soin"]
    retraining = section(build(profession="aide_soignant", target_profession="infirmier", arrival="2099-04"), "events")
    assert retraining == ["Job dating aides-soignants", "Visite du bloc pour infirmières",
                          "Forum des métiers du prendre-soin"]


# -- answers typed in the form ------------------------------------------------------------------------------
@pytest.mark.parametrize("read, said, expected", [
    (lambda t: plan_answers.arrival(t, TODAY), "en mars", "2027-03"),
    (lambda t: plan_answers.arrival(t, TODAY), "à la rentrée", "2027-09"),
    (lambda t: plan_answers.arrival(t, TODAY), "le mois prochain", "2027-01"),
    (lambda t: plan_answers.arrival(t, TODAY), "03/2027", "2027-03"),
    (plan_answers.hours, "jour et nuit", "mixte"),
    (plan_answers.hours, "surtout de nuit", "nuit"),
    (plan_answers.children, "un bébé de 8 mois et une fille de 4 ans", [8, 48]),
    (plan_answers.children, "3 et 6 ans", [36, 72]),
    (plan_answers.children, "2 enfants de 3 et 6 ans", [36, 72]),
    (plan_answers.children, "pas d'enfant", []),
    (plan_answers.car, "non, pas de voiture", False),
    (plan_answers.car, "oui j'ai une voiture", True),
    (plan_answers.housing, "une courte durée le temps de trouver", "court"),
    (plan_answers.practice, "en libéral", "liberal"),
])
def test_typed_answers_are_read(read, said, expected):
    assert read(said) == expected


async def test_passer_skips_the_question(plan_db, make_tracker):
    tracker = make_tracker(slots={"requested_slot": "plan_hours", "plan_profession": "infirmier",
                                  "plan_commune": "Vue", "plan_arrival": "2027-03"},
                           text="passer", intent="nlu_fallback", active_loop={"name": "plan_form"})
    dispatcher, events = await run(ValidatePlanForm, tracker)
    assert slot(events, "plan_hours") == plan_answers.SKIPPED
    assert "pas compris" not in texts(dispatcher)


async def test_an_answer_not_understood_is_asked_again_with_a_hint(plan_db, make_tracker):
    tracker = make_tracker(slots={"requested_slot": "plan_car"}, text="bof", intent="nlu_fallback",
                           active_loop={"name": "plan_form"})
    dispatcher, events = await run(ValidatePlanForm, tracker)
    assert slot(events, "plan_car") is None
    assert "Je n'ai pas compris" in texts(dispatcher) and "« oui » ou « non »" in texts(dispatcher)


@pytest.mark.parametrize("commune", ["Pornic", "Paimbœuf", "Vue"])
async def test_the_plan_commune_hint_example_is_another_commune(plan_db, make_tracker, commune):
    """The plan asks where the person will settle while the conversation was about `commune`."""
    tracker = make_tracker(slots={"commune": commune, "requested_slot": "plan_commune"},
                           text="là où il y a la mer", intent="nlu_fallback", active_loop={"name": "plan_form"})
    dispatcher, _ = await run(ValidatePlanForm, tracker)
    assert "Je n'ai pas compris" in texts(dispatcher)
    said = re.findall(r"« près de ([^»]+?) »", texts(dispatcher))
    assert len(said) == 1 and commune not in said, said


async def test_a_new_commune_given_on_the_way_replaces_the_old_one_without_complaint(plan_db, make_tracker):
    tracker = make_tracker(slots={"requested_slot": "plan_hours", "plan_commune": "Vue"},
                           text="finalement plutôt à Pornic", intent="inform",
                           entities=[{"entity": "commune", "value": "Pornic"}], active_loop={"name": "plan_form"})
    dispatcher, events = await run(ValidatePlanForm, tracker)
    assert slot(events, "plan_commune") == "Pornic"
    assert slot(events, "plan_hours") is None and "pas compris" not in texts(dispatcher)


async def test_a_commune_in_the_partner_answer_does_not_change_the_place(plan_db, make_tracker):
    tracker = make_tracker(slots={"requested_slot": "plan_partner", "plan_commune": "Vue"},
                           text="il est électricien à Pornic", intent="inform",
                           entities=[{"entity": "commune", "value": "Pornic"}], active_loop={"name": "plan_form"})
    dispatcher, events = await run(ValidatePlanForm, tracker)
    assert slot(events, "plan_partner") == "il est électricien à Pornic"
    assert "plan_commune" not in [e["name"] for e in events if e["event"] == "slot"]
    assert "pas compris" not in texts(dispatcher)


async def test_the_practice_is_not_asked_of_an_aide_soignant(plan_db, make_tracker):
    form = ValidatePlanForm()
    tracker = make_tracker(slots={"plan_profession": "aide_soignant"})
    asked = await form.required_slots(list(SLOTS), CollectingDispatcher(), tracker, DOMAIN)
    assert "plan_practice" not in asked and "plan_car" in asked


async def test_the_start_reuses_what_was_said_earlier(plan_db, make_tracker):
    message = {"text": "kiné, bébé de 8 mois, on n'a qu'une seule voiture", "intent": {"name": "ask_childcare"},
               "entities": [{"entity": "child_age", "value": 8}]}
    tracker = make_tracker(slots={"profession": "kinesitherapeute", "commune": "Vue", "work_time": "nuit"},
                           text=message["text"], intent="ask_childcare", entities=message["entities"])
    dispatcher, events = await run(ActionPlanStart, tracker)
    assert slot(events, "plan_profession") == "kinesitherapeute"
    assert slot(events, "plan_commune") == "Vue"
    assert slot(events, "plan_hours") == "nuit"
    assert slot(events, "plan_children") == [8]
    assert slot(events, "plan_car") == "oui"
    shown = texts(dispatcher)
    assert "passer" in shown and "Commune : Vue ; Horaires : de nuit" in shown


async def test_the_start_reuses_hours_children_arrival_car_and_practice_said_in_earlier_messages(plan_db,
                                                                                                  make_tracker):
    tracker = make_tracker(slots={"commune": "Vue"}, text="Préparer mon installation", intent="plan_move")
    said_earlier(tracker, "je travaille de nuit, on arrive à la rentrée et je veux rester salariée", [])
    said_earlier(tracker, "une crèche pour mes deux enfants de 2 et 5 ans, je suis sans permis", [])
    dispatcher, events = await run(ActionPlanStart, tracker)
    assert slot(events, "plan_hours") == "nuit"
    assert slot(events, "plan_children") == [24, 60]
    assert slot(events, "plan_arrival") == plan_answers.arrival("septembre", date.today())
    assert slot(events, "plan_car") == "non"
    assert slot(events, "plan_practice") == "salarie"
    shown = texts(dispatcher)
    assert "Voici ce que je sais" in shown or "déjà dit" in shown
    for fact in ("Commune : Vue", "de nuit", "2 ans", "5 ans", "septembre"):
        assert fact in shown, (fact, shown)


@pytest.mark.parametrize("earlier, unread", [
    (["on n'a qu'une voiture pour deux"], None),                       # a car, not « no car »
    (["j'ai 35 ans et je cherche un poste"], "plan_children"),          # the person's age, not a child's
    (["la crèche ferme en août", "on arrive en mars"], "plan_arrival"),  # two months: neither taken
    (["en libéral ou salariée, je ne sais pas"], "plan_practice"),     # both: nothing taken
    (["les deux me vont"], "plan_hours"),                                 # « les deux » means nothing here
    (["mars ou avril peut-être"], "plan_arrival"),                       # a month without « en » / « à la »
])
async def test_the_start_takes_only_what_earlier_messages_say_without_doubt(plan_db, make_tracker, earlier, unread):
    tracker = make_tracker(text="Préparer mon installation", intent="plan_move")
    for message in earlier:
        said_earlier(tracker, message, [])
    _, events = await run(ActionPlanStart, tracker)
    if unread:
        assert unread not in [e["name"] for e in events if e["event"] == "slot"], events
    else:
        assert slot(events, "plan_car") == "oui"


async def test_an_answer_stating_a_later_one_fills_both_and_the_later_is_not_asked(plan_db, make_tracker):
    tracker = make_tracker(slots={"requested_slot": "plan_children", "plan_profession": "aide_soignant",
                                  "plan_commune": "Vue", "plan_arrival": plan_answers.SKIPPED},
                           text="2 enfants de 3 et 6 ans, et je travaille de nuit", intent="inform",
                           active_loop={"name": "plan_form"})
    dispatcher, events = await run(ValidatePlanForm, tracker)
    assert slot(events, "plan_children") == [36, 72]
    assert slot(events, "plan_hours") == "nuit"
    assert "pas compris" not in texts(dispatcher)
    requested = [e["value"] for e in events if e["event"] == "slot" and e["name"] == "requested_slot"]
    assert requested and requested[-1] not in ("plan_hours", "plan_children"), requested


async def test_an_answer_ahead_never_replaces_an_answer_already_given(plan_db, make_tracker):
    tracker = make_tracker(slots={"requested_slot": "plan_car", "plan_hours": "jour"},
                           text="non, sans permis, et on arrive en mars", intent="deny",
                           active_loop={"name": "plan_form"})
    _, events = await run(ValidatePlanForm, tracker)
    assert slot(events, "plan_car") == "non"
    assert slot(events, "plan_arrival") == plan_answers.arrival("mars", date.today())
    assert "plan_hours" not in [e["name"] for e in events if e["event"] == "slot"]


async def test_the_partner_answer_fills_no_other_question(plan_db, make_tracker):
    tracker = make_tracker(slots={"requested_slot": "plan_partner"},
                           text="il est infirmier de nuit en libéral, il a 2 enfants de 4 et 9 ans",
                           intent="inform", active_loop={"name": "plan_form"})
    _, events = await run(ValidatePlanForm, tracker)
    assert slot(events, "plan_partner").startswith("il est infirmier")
    filled = {e["name"] for e in events if e["event"] == "slot"} - {"plan_partner", "requested_slot"}
    assert not filled, filled


@pytest.mark.parametrize("said, expected", [("près de Pornic", "Pornic"), ("Près de Saint-Brevin-les-Pins",
                                                                        "Saint-Brevin-les-Pins"),
                                             ("peu importe", ANY)])
async def test_the_place_question_reads_pres_de_and_peu_importe(plan_db, make_tracker, said, expected):
    tracker = make_tracker(slots={"requested_slot": "plan_commune"}, text=said, intent="nlu_fallback",
                           active_loop={"name": "plan_form"})
    dispatcher, events = await run(ValidatePlanForm, tracker)
    assert slot(events, "plan_commune") == expected and "pas compris" not in texts(dispatcher)


# -- the ways in: several needs, the greeting and the menu ------------------------------------------------------
@pytest.mark.parametrize("needs, offered", [(["jobs", "childcare", "housing"], True),
                                            (["childcare", "housing"], False)])
async def test_the_several_needs_answer_offers_the_plan_from_three_needs(plan_db, make_tracker, needs, offered):
    tracker = make_tracker(slots={"commune": "Vue"}, text="un logement, une crèche et du travail à Vue",
                           intent="ask_housing", entities=[{"entity": "need", "value": n} for n in needs])
    dispatcher, _ = await run(ActionAnswerNeeds, tracker)
    assert ("/plan_move" in button_payloads(dispatcher)) is offered
    assert "/ask_housing" in button_payloads(dispatcher)


@pytest.mark.parametrize("response", ["utter_greet", "utter_help"])
def test_the_greeting_and_the_menu_offer_to_prepare_the_move(response):
    domain = yaml.safe_load((Path(__file__).parents[1] / "domain.yml").read_text(encoding="utf-8"))
    for variant in domain["responses"][response]:
        assert {"title": text("button.prepare_my_move"), "payload": "/plan_move"} in variant["buttons"]


# -- the reply, the link, the hand-over, erase ------------------------------------------------------------------
ANSWERED = {"plan_profession": "kinesitherapeute", "plan_commune": "Vue", "plan_arrival": "2099-04",
            "plan_hours": "mixte", "plan_children": [8, 84], "plan_car": "non", "plan_partner": "maçon",
            "plan_housing": "court", "plan_practice": "liberal"}


async def test_the_plan_reply_has_short_sections_with_contacts_and_the_gaps(plan_db, make_tracker):
    dispatcher, events = await run(ActionPlanReply, make_tracker(slots=ANSWERED, text="en libéral"))
    reply = dispatcher.messages[0]["text"]
    for title in ("Offres d'emploi", "Logement à l'arrivée", "Garde d'enfants", "Transports",
                  "Emploi de votre conjoint·e", "Installation en libéral", "Rencontres avant votre arrivée"):
        assert f"▸ {title}" in reply
    assert "Contact : 02 51 22 00 01" in reply
    assert "Location de voitures du Tenu" not in reply
    assert "… et 1 de plus" in reply  # four liberal items, three shown
    assert "Ce que je n'ai pas trouvé" in reply and "un·e coordinateur·rice peut chercher avec vous" in reply.lower()
    # « Postuler » on the opening shown (tests/test_plan_email.py), then what to do with the plan.
    assert button_payloads(dispatcher) == ['/apply{"opening_id":"o_kine_rouans"}', "/plan_receive", "/plan_handover"]
    assert slot(events, "topic") == "plan"
    kept = plans.latest("candidate-42")
    assert kept.situation["children"] == [8, 84] and kept.situation["car"] is False
    # « voir plus »: the section cut short links to itself on the plan's page.
    more = f"… et 1 de plus dans le plan complet : {plans.page_url(kept.token)}#s-installation"
    installation = next(part for part in reply.split("▸ ") if part.startswith("Installation en libéral"))
    assert installation.strip().splitlines()[-1].strip() == more
    assert "childcare_atypical" in [g["kind"] for g in kept.gaps]  # mixed hours, a 7-year-old at Vue


def said_earlier(tracker, text, entities):
    """`tracker` with an earlier message of the person (what the NLU read in it)."""
    tracker.events.insert(0, {"event": "user", "text": text,
                              "parse_data": {"text": text, "intent": {"name": "inform"}, "entities": entities}})
    return tracker


def profession(value, role=None):
    return {"entity": "profession", "value": value, **({"role": role} if role else {})}


async def test_a_retraining_gets_the_target_openings_and_both_professions(plan_db, make_tracker):
    tracker = said_earlier(make_tracker(slots={"plan_profession": "infirmier", "plan_commune": "Vue"},
                                        text="passer"),
                           "je suis aide-soignante et je veux devenir infirmière",
                           [profession("aide_soignant", "current"), profession("infirmier", "target")])
    dispatcher, _ = await run(ActionPlanReply, tracker)
    reply = dispatcher.messages[0]["text"]
    assert "Infirmier·ère de tournée" in reply and "Aide-soignant·e à domicile" not in reply  # the target's
    kept = plans.latest("candidate-42")
    assert kept.situation["profession"] == "aide_soignant" and kept.situation["target_profession"] == "infirmier"
    lines = plan_builder.describe_situation(kept.situation)
    assert "Métier : Aide-soignant / aide-soignante" in lines and "Métier visé : Infirmier / infirmière" in lines


async def test_a_profession_changed_in_the_form_wins_over_one_named_earlier(plan_db, make_tracker):
    tracker = said_earlier(make_tracker(slots={"plan_profession": "kinesitherapeute", "plan_commune": "Vue"},
                                        text="passer"),
                           "je suis infirmière", [profession("infirmier", "current")])
    dispatcher, _ = await run(ActionPlanReply, tracker)
    reply = dispatcher.messages[0]["text"]
    assert "Kinésithérapeute collaborateur" in reply and "Infirmier·ère" not in reply
    assert plans.latest("candidate-42").situation["profession"] == "kinesitherapeute"
    assert "target_profession" not in plans.latest("candidate-42").situation


async def test_the_form_takes_the_profession_aimed_at_from_a_message_naming_two(plan_db, make_tracker):
    tracker = make_tracker(slots={"requested_slot": "plan_profession"}, intent="inform",
                           text="je veux devenir infirmière, je suis aide-soignante",
                           entities=[profession("infirmier", "target"), profession("aide_soignant", "current")],
                           active_loop={"name": "plan_form"})
    _, events = await run(ValidatePlanForm, tracker)
    assert slot(events, "plan_profession") == "infirmier"


async def test_the_start_repeats_the_profession_held_and_the_one_aimed_at(plan_db, make_tracker):
    tracker = make_tracker(slots={"profession": "infirmier"}, intent="plan_move", text="/plan_move")
    tracker = said_earlier(tracker, "aide-soignante, je vise infirmière",
                           [profession("aide_soignant", "current"), profession("infirmier", "target")])
    dispatcher, events = await run(ActionPlanStart, tracker)
    assert slot(events, "plan_profession") == "infirmier"
    assert "Métier : Aide-soignant / aide-soignante ; Métier visé : Infirmier / infirmière" in texts(dispatcher)


async def test_voir_plus_leads_to_the_section_on_the_plan_page(plan_db, make_tracker):
    from bot.web.app import init_app
    from tests.test_web import _client, _settings

    dispatcher, _ = await run(ActionPlanReply, make_tracker(slots=ANSWERED))
    link = re.search(r"dans le plan complet : \S+(/plan/[\w-]+)#(s-\w+)", dispatcher.messages[0]["text"])
    assert link is not None
    client = await _client(init_app(_settings()))
    try:
        page = await client.get(link.group(1))
        body = await page.text()
        assert page.status == 200 and f'id="{link.group(2)}"' in body
        installation = next(s for s in plans.latest("candidate-42").sections if s["key"] == "installation")
        left_out = installation["items"][3]["name"]  # the fourth item: « … et 1 de plus »
        assert left_out not in dispatcher.messages[0]["text"] and left_out in body
    finally:
        await client.close()


async def test_skipped_questions_leave_their_sections_out(plan_db, make_tracker):
    skipped = {slot_name: plan_answers.SKIPPED for slot_name in SLOTS}
    dispatcher, _ = await run(ActionPlanReply, make_tracker(slots=skipped, text="passer"))
    reply = dispatcher.messages[0]["text"]
    assert "tout le Pays de Retz" in reply
    assert "Offres d'emploi" not in reply and "Emploi de votre conjoint" not in reply
    assert plans.latest("candidate-42").situation == {}


async def test_the_link_points_to_the_page_and_offers_the_email(plan_db, make_tracker, monkeypatch):
    monkeypatch.setenv("PUBLIC_SITE_URL", "https://cotesoin.test")
    monkeypatch.setenv("SMTP_HOST", "smtp.cotesoin.test")  # the e-mail is offered only when it can be sent
    dispatcher, _ = await run(ActionPlanLink, make_tracker(text="recevoir mon plan"))
    assert "pas encore de plan" in texts(dispatcher)
    await run(ActionPlanReply, make_tracker(slots=ANSWERED))
    dispatcher, _ = await run(ActionPlanLink, make_tracker(text="recevoir mon plan"))
    token = plans.latest("candidate-42").token
    assert f"https://cotesoin.test/plan/{token}" in texts(dispatcher)
    assert "/plan_email" in button_payloads(dispatcher)


async def test_the_email_is_kept_with_its_consent_and_a_wrong_one_asked_again(plan_db, make_tracker, monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "smtp.cotesoin.test")  # without a server nothing is kept (test_plan_email.py)
    await run(ActionPlanReply, make_tracker(slots=ANSWERED))
    wrong = make_tracker(slots={"requested_slot": "plan_email"}, text="chez moi", intent="nlu_fallback",
                         active_loop={"name": "plan_email_form"})
    dispatcher, events = await run(ValidatePlanEmailForm, wrong)
    assert slot(events, "plan_email") is None and "adresse e-mail" in texts(dispatcher)
    from actions.plan import ActionPlanEmailSave
    dispatcher, events = await run(ActionPlanEmailSave, make_tracker(slots={"plan_email": "ana@exemple.fr"}))
    assert "ana@exemple.fr" in texts(dispatcher) and slot(events, "plan_email") is None
    from knowledge import db
    from knowledge.coordination.models import InstallationPlan
    with db.session_scope() as session:
        row = session.get(InstallationPlan, plans.latest("candidate-42").id)
        assert row.email == "ana@exemple.fr" and "effacer mes données" in row.email_consent_text


async def test_the_hand_over_makes_the_plan_the_request_case_file(plan_db, make_tracker):
    await run(ActionPlanReply, make_tracker(slots=ANSWERED))
    dispatcher, _ = await run(ActionPlanHandover, make_tracker(slots={"topic": "plan"}, text="confier mon projet"))
    request = handoff.current_request("candidate-42")
    assert request is not None and request.topic == "plan"
    assert plans.for_request(request.id).id == plans.latest("candidate-42").id
    assert f"demande n° {request.id}" in texts(dispatcher)


# -- storage: page lifetime, erase, purge, observatory counts -----------------------------------------------------
def test_a_plan_page_expires_after_30_days_and_unknown_tokens_are_not_found(plan_db):
    now = datetime(2026, 12, 7, 10)
    kept = plans.save("s1", {"commune": "Vue"}, build(commune="Vue"), now=now)
    assert plans.by_token(kept.token, now=now + timedelta(days=29)).id == kept.id
    with pytest.raises(NotFound):
        plans.by_token(kept.token, now=now + timedelta(days=30, seconds=1))
    with pytest.raises(NotFound):
        plans.by_token("inconnu", now=now)
    assert plans.save("s1", {"commune": "Vue"}, build(commune="Vue"), now=now).token == kept.token
    assert len(kept.token) >= 32


def test_erase_removes_the_plans_and_their_pages(plan_db):
    kept = plans.save("s1", {"commune": "Vue"}, build(commune="Vue"))
    other = plans.save("s2", {"commune": "Vue"}, build(commune="Vue"))
    privacy.erase("s1")
    with pytest.raises(NotFound):
        plans.by_token(kept.token)
    assert plans.by_token(other.token).sender_id == "s2"
    assert "plans" in privacy.export("s2") and privacy.export("s2")["plans"][0]["situation"] == {"commune": "Vue"}


def test_purge_removes_expired_plans(plan_db):
    now = datetime(2026, 12, 7, 10)
    plans.save("old", {}, build(), now=now - timedelta(days=31))
    plans.save("new", {}, build(), now=now)
    assert privacy.purge(now=now).plans == 1
    assert plans.latest("new", now=now) is not None


def test_gaps_are_counted_per_commune_and_kind(plan_db):
    for sender in ("a", "b"):
        plans.save(sender, {"commune": "Vue"}, build(commune="Vue", hours="nuit", children=[84]))
    plans.save("c", {"commune": "Pornic"}, build(commune="Pornic", hours="nuit", children=[48]))
    counts = plans.gap_counts()
    assert counts[("Vue", "childcare_night")] == 2
    assert ("Pornic", "childcare_night") not in counts


def test_anywhere_in_an_epci_covers_its_communes_only(plan_db):
    assert plan_builder.named_epci("peu importe, dans le sud estuaire") == "Communauté de communes Sud Estuaire"
    assert plan_builder.named_epci("peu importe") is None
    plan = build(commune="epci:Communauté de communes Sud Estuaire", practice="liberal")
    assert section(plan, "installation") == ["Guichet Installation Jade", "Maison de santé du Migron"]
    assert [g for g in plan["gaps"] if "dans Communauté de communes Sud Estuaire" in g["text"]] == []
    assert "Commune : peu importe, dans Communauté de communes Sud Estuaire" in plan_builder.describe_situation(
        {"commune": "epci:Communauté de communes Sud Estuaire"})


async def test_the_form_reads_an_epci_as_the_place(plan_db, make_tracker):
    tracker = make_tracker(slots={"requested_slot": "plan_commune"}, text="peu importe, vers Pornic Agglo",
                           intent="inform", entities=[{"entity": "commune", "value": "Pornic"}],
                           active_loop={"name": "plan_form"})
    _, events = await run(ValidatePlanForm, tracker)
    assert slot(events, "plan_commune") == "epci:Pornic Agglo Pays de Retz"


# -- « annuler » / « stop » at any question ------------------------------------------------------------------
@pytest.mark.parametrize("question, said", [(question, ("annuler", "stop", "laisse tomber", "Annuler !")[i % 4])
                                            for i, question in enumerate(SLOTS)])
async def test_annuler_or_stop_at_any_question_keeps_nothing(plan_db, make_tracker, question, said):
    filled = {"plan_profession": "infirmier", "plan_commune": "Vue", "requested_slot": question}
    tracker = make_tracker(slots=filled, text=said, intent="deny", active_loop={"name": "plan_form"})
    dispatcher, events = await run(ValidatePlanForm, tracker)
    assert all(slot(events, name) is None for name in SLOTS) and slot(events, "requested_slot") is None
    assert {e["name"] for e in events if e["event"] == "slot"} >= set(SLOTS)
    assert texts(dispatcher) == ""


async def test_a_plain_non_is_still_an_answer(plan_db, make_tracker):
    tracker = make_tracker(slots={"plan_profession": "infirmier", "requested_slot": "plan_car"}, text="non",
                           intent="deny", active_loop={"name": "plan_form"})
    _, events = await run(ValidatePlanForm, tracker)
    assert slot(events, "plan_car") == "non"


async def test_after_annuler_no_plan_is_built_nor_kept(plan_db, make_tracker):
    dispatcher, events = await run(ActionPlanReply, make_tracker(text="annuler", intent="deny"))
    assert "rien gardé" in texts(dispatcher) and "▸" not in texts(dispatcher)
    assert button_payloads(dispatcher) == ["/plan_move"]
    assert plans.latest("candidate-42") is None


# -- a second « Préparer mon installation » once a plan was made ---------------------------------------------
async def test_the_plan_shown_is_remembered_so_a_second_start_can_offer_it_again(plan_db, make_tracker):
    tracker = make_tracker(slots=dict(ANSWERED))
    _, events = await run(ActionPlanReply, tracker)
    assert slot(events, MADE) is True


async def test_a_second_start_offers_to_resume_the_plan_or_change_the_answers(plan_db, make_tracker):
    tracker = make_tracker(slots=dict(ANSWERED, **{MADE: True}), text="Préparer mon installation", intent="plan_move")
    dispatcher, events = await run(ActionPlanAgain, tracker)
    assert "déjà préparé un plan" in texts(dispatcher)
    assert dispatcher.messages[-1]["buttons"] == [
        {"title": "Reprendre mon plan", "payload": "/plan_resume"},
        {"title": "Modifier mes réponses", "payload": "/plan_change"}]
    assert not [e for e in events if e["event"] == "slot" and e["name"] in SLOTS]  # nothing forgotten yet


async def test_resuming_the_plan_shows_it_again_from_the_answers_kept(plan_db, make_tracker):
    tracker = make_tracker(slots=dict(ANSWERED, **{MADE: True}), text="/plan_resume", intent="plan_resume")
    dispatcher, _ = await run(ActionPlanReply, tracker)
    assert texts(dispatcher).startswith("Votre plan d'installation (Vue et autour)")


async def test_changing_the_answers_forgets_them_but_the_commune_and_profession_of_the_conversation(
        plan_db, make_tracker):
    tracker = make_tracker(slots=dict(ANSWERED, **{MADE: True, "profession": "infirmier", "commune": "Pornic"}),
                           text="/plan_change", intent="plan_change")
    said_earlier(tracker, "je travaille de nuit, 2 enfants de 3 et 6 ans, en mars", [])  # an old form's answers
    dispatcher, events = await run(ActionPlanChange, tracker)
    assert slot(events, "plan_profession") == "infirmier" and slot(events, "plan_commune") == "Pornic"
    for forgotten in set(SLOTS) - {"plan_profession", "plan_commune"}:
        assert forgotten in [e["name"] for e in events if e["event"] == "slot"], forgotten
        assert slot(events, forgotten) is None, forgotten
    shown = texts(dispatcher)
    assert "passer" in shown and "Commune : Pornic" in shown
    assert "nuit" not in shown and "mars" not in shown


async def test_annuler_in_the_form_leaves_no_plan_to_resume(plan_db, make_tracker):
    tracker = make_tracker(slots=dict(ANSWERED, **{MADE: True, "requested_slot": "plan_hours"}), text="annuler",
                           intent="nlu_fallback", active_loop={"name": "plan_form"})
    _, events = await run(ValidatePlanForm, tracker)
    assert MADE in [e["name"] for e in events if e["event"] == "slot"] and slot(events, MADE) is None
