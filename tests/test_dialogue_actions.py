"""Issue 17's dialogue: actions on the partner data made for these tests (tests/data/knowledge_dialogue).

Entities are built by hand the way the NLU sends them (roles, and the `safety`, `need`,
`child_age` cues of components/message_cues.py), so these tests do not depend on the model.
"""
import json
from pathlib import Path

import pytest

from actions.dialogue import ActionFallback, ActionFollowUp, ActionMore, ActionYes
from actions.discovery import ActionDiscovery
from actions.forms import ValidateJobSearchForm
from actions.needs import ActionAnswerNeeds
from actions.partners import ActionPartners
from actions.professions import ActionTraining
from actions.safety import ActionSafety
from knowledge.partners import importer, naming
from tests.test_actions import button_payloads, run, slot, texts

FOLDER = Path(__file__).parent / "data" / "knowledge_dialogue"


@pytest.fixture
def dialogue_db(database_url):
    importer.import_folder(FOLDER)
    naming.forget()
    return database_url


def entity(name, value, role=None):
    found = {"entity": name, "value": value}
    return {**found, "role": role} if role else found


# -- 1. criteria with no topic -----------------------------------------------------------------------
@pytest.mark.parametrize("slots, text, expected", [
    ({"profession": "kinesitherapeute", "work_time": "temps_partiel", "commune": "Rouans"},
     "kiné à mi-temps vers Rouans", "Kinésithérapeute collaborateur à temps partiel"),
    ({"profession": "agent_service_hospitalier", "contract_type": "cdd", "commune": "Corsept"},
     "ASH en CDD à Corsept", "ASH remplacement d'été"),
])
async def test_criteria_without_a_topic_are_answered_with_the_openings(dialogue_db, make_tracker, slots, text,
                                                                       expected):
    dispatcher, events = await run(ActionFollowUp, make_tracker(slots=slots, text=text, intent="inform"))
    shown = texts(dispatcher)
    assert expected in shown and "Que voulez-vous savoir" not in shown
    assert slot(events, "topic") == "jobs"


async def test_a_profession_alone_without_a_topic_still_asks_what_about(dialogue_db, make_tracker):
    tracker = make_tracker(slots={"profession": "infirmier"}, text="infirmière", intent="inform")
    dispatcher, _ = await run(ActionFollowUp, tracker)
    assert "Que voulez-vous savoir" in texts(dispatcher)


# -- 2. the commune asked only when the openings need more than a page --------------------------------
async def _form_turn(make_tracker, slots):
    """The form's validation after a message that gave `slots` (a payload: nothing typed to read)."""
    tracker = make_tracker(slots={"requested_slot": "profession", **slots}, text='/inform{"profession":"x"}',
                           intent="inform", active_loop={"name": "job_search_form"})
    return await run(ValidateJobSearchForm, tracker)


async def test_the_form_does_not_ask_the_commune_when_the_openings_fit_on_a_page(dialogue_db, make_tracker):
    for slots in ({"profession": "auxiliaire_de_vie", "contract_type": "alternance"},
                  {"profession": "accompagnant_educatif_social", "work_time": "nuit"}):
        dispatcher, events = await _form_turn(make_tracker, slots)
        assert slot(events, "requested_slot") is None  # the form ends: the openings are shown
        assert "commune" not in texts(dispatcher)


async def test_the_form_asks_the_commune_when_the_openings_need_more_than_a_page(dialogue_db, make_tracker):
    tracker = make_tracker(slots={"profession": "infirmier"}, active_loop={"name": "job_search_form"})
    required = await ValidateJobSearchForm().required_slots(["profession", "commune"], None, tracker, {})
    assert required == ["profession", "commune"]
    tracker = make_tracker(slots={"profession": "infirmier", "contract_type": "cdd"})
    assert await ValidateJobSearchForm().required_slots(["profession", "commune"], None, tracker, {}) == ["profession"]


async def test_openings_of_the_whole_territory_offer_to_narrow_down(dialogue_db, make_tracker):
    tracker = make_tracker(slots={"profession": "accompagnant_educatif_social", "work_time": "nuit"})
    dispatcher, _ = await run(ActionFollowUp, tracker)
    shown = texts(dispatcher)
    assert "AES de nuit en unité protégée" in shown and "Veilleur·se de nuit AES" in shown
    assert "Pour affiner" in shown
    assert '/inform{"commune":"Corsept"}' in button_payloads(dispatcher)


# -- 3. several needs in one message -------------------------------------------------------------------
async def test_every_need_named_is_answered_in_order(dialogue_db, make_tracker):
    tracker = make_tracker(
        slots={"profession": "kinesitherapeute", "commune": "Vue"},
        text="kiné, on arrive à Vue, un bébé de 8 mois à faire garder, une seule voiture", intent="ask_childcare",
        entities=[entity("profession", "kinesitherapeute"), entity("commune", "Vue"), entity("need", "jobs"),
                  entity("need", "childcare"), entity("need", "housing"), entity("need", "mobility"),
                  entity("child_age", 8)])
    dispatcher, _ = await run(ActionAnswerNeeds, tracker)
    shown = texts(dispatcher)
    headings = ["Offres d'emploi", "Garde d'enfants à Vue (pour 8 mois)", "Logement à Vue", "Transports à Vue"]
    positions = [shown.index(h) for h in headings]
    assert positions == sorted(positions)
    # Openings near Vue (Rouans), the micro-crèche for babies, not the after-school care (3 years and more).
    assert "Kinésithérapeute collaborateur" in shown
    assert "Micro-crèche Les Petits Galets" in shown and "Accueil de loisirs du Tenu" not in shown
    assert "Maison communale du Tenu" in shown and "Ligne de car du Tenu" in shown
    assert "Emploi de votre conjoint" not in shown  # not asked
    # The last message leads to the full answer of each need (the openings' own buttons come with them).
    payloads = [b["payload"] for b in dispatcher.messages[-1]["buttons"]]
    assert payloads[:4] == ["/search_jobs", "/ask_childcare", "/ask_housing", "/ask_mobility"]


def _needs_tracker(make_tracker, slots, text):
    return make_tracker(slots=slots, text=text, intent="ask_housing",
                        entities=[entity("need", "jobs"), entity("need", "housing")])


def _jobs_message(dispatcher):
    [message] = [m for m in dispatcher.messages if (m["text"] or "").startswith("Offres d'emploi")]
    return message


async def test_the_openings_among_several_needs_have_postuler_and_the_alert(dialogue_db, make_tracker):
    tracker = _needs_tracker(make_tracker, {"profession": "infirmier", "commune": "Pornic"},
                             "infirmière, je cherche un poste et un logement à Pornic")
    dispatcher, _ = await run(ActionAnswerNeeds, tracker)
    jobs = _jobs_message(dispatcher)
    assert jobs["text"].count("• ") == 3
    titles = {"o_ide_pornic_1": "Infirmier·ère en chirurgie", "o_ide_pornic_2": "Infirmier·ère de bloc",
              "o_ide_pornic_3": "Infirmier·ère en ambulatoire"}
    *apply, alert = jobs["buttons"]
    # One « Postuler » per opening listed, in the order of the lines, then the alert.
    assert sorted(b["payload"] for b in apply) == [f'/apply{{"opening_id":"{i}"}}' for i in sorted(titles)]
    shown = [titles[json.loads(b["payload"][len("/apply"):])["opening_id"]] for b in apply]
    assert [b["title"] for b in apply] == [f"Postuler — {title}" for title in shown]
    assert sorted(shown, key=jobs["text"].index) == shown
    assert (alert["title"], alert["payload"]) == ("M'alerter des nouvelles offres", "/subscribe_alerts")


async def test_no_opening_among_several_needs_offers_the_alert(dialogue_db, make_tracker):
    tracker = _needs_tracker(make_tracker, {"profession": "infirmier", "commune": "Pornic", "contract_type": "interim"},
                             "infirmière en intérim, et un logement à Pornic")
    dispatcher, _ = await run(ActionAnswerNeeds, tracker)
    jobs = _jobs_message(dispatcher)
    assert "aucune ouverte" in jobs["text"]
    assert [b["payload"] for b in jobs["buttons"]] == ["/subscribe_alerts"]


async def test_spouse_job_and_school_age_children(dialogue_db, make_tracker):
    tracker = make_tracker(
        slots={"commune": "Pornic"}, text="enfants de 4 et 7 ans, et mon mari cherche un emploi",
        intent="ask_spouse_job",
        entities=[entity("need", "childcare"), entity("need", "spouse_job"), entity("child_age", 48),
                  entity("child_age", 84)])
    dispatcher, _ = await run(ActionAnswerNeeds, tracker)
    shown = texts(dispatcher)
    assert "Garderie de l'école du Val" in shown and "MAM Les Coquillages" not in shown
    # No employment service in Pornic: the nearest one.
    assert "Maison de l'emploi de l'Estuaire" in shown
    assert shown.index("Garde d'enfants") < shown.index("Emploi de votre conjoint")


@pytest.mark.parametrize("slots, where", [({"commune": "Pornic"}, "à Pornic"), ({}, "")])
async def test_installation_aids_among_several_needs_name_the_help_desk(dialogue_db, make_tracker, slots, where):
    tracker = make_tracker(
        slots={"profession": "medecin", **slots}, intent="ask_installation",
        text="médecin, je veux visser ma plaque dans le coin, il me faut aussi un appartement",
        entities=[entity("profession", "medecin"), entity("need", "housing"), entity("need", "installation")])
    dispatcher, _ = await run(ActionAnswerNeeds, tracker)
    shown = texts(dispatcher)
    heading = "Installation en libéral " + where
    assert heading in shown and "Guichet Installation Jade" in shown
    assert shown.index("Logement") < shown.index(heading) < shown.index("Guichet Installation Jade")
    assert "pas d'interlocuteur référencé" not in shown
    assert "/ask_installation" in button_payloads(dispatcher)


# -- 4. who is who: bridges answered from the right side ------------------------------------------------
@pytest.mark.parametrize("entities, intent, expected", [
    ([entity("profession", "aide_soignant", "current"), entity("profession", "infirmier", "target")],
     "ask_training",
     "(aide-soignant / aide-soignante → infirmier / infirmière) : IFSI par la sélection FPC après 3 ans"),
    ([entity("profession", "infirmier", "target"), entity("profession", "aide_soignant", "current")],
     "inform", "→ infirmier / infirmière) : IFSI par la sélection FPC après 3 ans"),
    ([entity("profession", "agent_service_hospitalier", "current"), entity("profession", "aide_soignant", "target")],
     "ask_training", "(agent de service hospitalier → aide-soignant / aide-soignante) : VAE ou formation en IFAS"),
])
async def test_bridges_are_answered_from_the_current_to_the_target_profession(dialogue_db, make_tracker, entities,
                                                                              intent, expected):
    tracker = make_tracker(text="AS aujourd'hui, je vise infirmière", intent=intent, entities=entities)
    action = ActionTraining if intent == "ask_training" else ActionFollowUp
    dispatcher, events = await run(action, tracker)
    shown = texts(dispatcher)
    assert expected in shown
    target = [e["value"] for e in entities if e.get("role") == "target"][0]
    assert slot(events, "profession") == target


async def test_the_target_is_described_even_when_named_second(dialogue_db, make_tracker):
    tracker = make_tracker(text="auxiliaire de vie aujourd'hui, je vise le diplôme d'infirmière", intent="ask_training",
                           entities=[entity("profession", "auxiliaire_de_vie", "current"),
                                     entity("profession", "infirmier", "target")])
    dispatcher, _ = await run(ActionTraining, tracker)
    assert texts(dispatcher).startswith("Devenir Infirmier / infirmière")


@pytest.mark.parametrize("entities", [
    [entity("profession", "agent_service_hospitalier"), entity("profession", "aide_soignant")],
    [entity("profession", "agent_service_hospitalier", "current"), entity("profession", "aide_soignant")],
    [entity("profession", "agent_service_hospitalier"), entity("profession", "aide_soignant", "target")],
], ids=["no-role", "current-only", "target-only"])
async def test_two_professions_with_a_missing_role_read_in_their_order(dialogue_db, make_tracker, entities):
    """« ASH en EHPAD, je vise le diplôme d'aide-soignante »: the job held first, the one aimed at last."""
    tracker = make_tracker(text="ASH en EHPAD, je vise le diplôme d'aide-soignante", intent="ask_training",
                           entities=entities)
    dispatcher, events = await run(ActionTraining, tracker)
    shown = texts(dispatcher)
    assert shown.startswith("Devenir Aide-soignant")
    assert "(agent de service hospitalier → aide-soignant / aide-soignante) : VAE ou formation en IFAS" in shown
    assert slot(events, "profession") == "aide_soignant"


# -- 5. partners and events by name ----------------------------------------------------------------------
async def test_partners_of_a_kind_are_named_by_pages_with_see_more(dialogue_db, make_tracker):
    tracker = make_tracker(text="quels SSIAD y a-t-il ?", intent="ask_partners")
    dispatcher, events = await run(ActionPartners, tracker)
    first = texts(dispatcher)
    assert "7 structures" in first and first.count("• ") == 5 and "SSIAD des Marais de Corsept" in first
    assert "EHPAD" not in first
    assert "/ask_more" in button_payloads(dispatcher)
    assert slot(events, "pending") == "more_partners"
    follow = make_tracker(slots={"pending": "more_partners", "partners_offset": 5.0,
                                 "partners_search": slot(events, "partners_search")},
                          text="voir la suite", intent="ask_more")
    dispatcher, events = await run(ActionMore, follow)
    rest = texts(dispatcher)
    assert rest.count("• ") == 2 and "SSIAD des Marais de Corsept" not in rest
    assert slot(events, "pending") is None




async def test_partners_of_two_kinds_are_grouped_by_kind(dialogue_db, make_tracker):
    tracker = make_tracker(text="les ehpad et les cliniques", intent="ask_partners")
    dispatcher, _ = await run(ActionPartners, tracker)
    shown = texts(dispatcher)
    assert shown.index("EHPAD :") < shown.index("EHPAD Les Roseaux")
    assert shown.index("Hôpital :") < shown.index("Clinique de la Baie")
    assert "SSIAD" not in shown


async def test_which_practices_look_for_a_doctor(dialogue_db, make_tracker):
    tracker = make_tracker(text="quels cabinets ou maisons de santé cherchent un médecin ?", intent="ask_partners",
                           entities=[entity("profession", "medecin")])
    dispatcher, _ = await run(ActionPartners, tracker)
    shown = texts(dispatcher)
    assert "Cabinet médical des Tilleuls" in shown and "Maison de santé du Migron" in shown
    assert "Cabinet kiné du Canal" not in shown  # a practice, but no doctor wanted
    assert "recrutent" in shown


async def test_practices_named_alone_include_the_health_centres(dialogue_db, make_tracker):
    # « cabinets » in everyday French: the private practices and the maisons de santé (group practices).
    tracker = make_tracker(text="quels cabinets cherchent un médecin ?", intent="ask_partners",
                           entities=[entity("profession", "medecin")])
    dispatcher, _ = await run(ActionPartners, tracker)
    shown = texts(dispatcher)
    assert "Cabinet médical des Tilleuls" in shown and "Maison de santé du Migron" in shown
    assert "Cabinet kiné du Canal" not in shown and "EHPAD" not in shown
    assert "(2 structures)" in shown


async def test_events_are_filtered_by_profession(dialogue_db, make_tracker):
    tracker = make_tracker(slots={"profession": "aide_soignant"}, text="quels forums pour les aides-soignants ?",
                           intent="ask_discovery", entities=[entity("profession", "aide_soignant")])
    dispatcher, _ = await run(ActionDiscovery, tracker)
    shown = texts(dispatcher)
    assert "Job dating aides-soignants" in shown and "Forum des métiers du prendre-soin" in shown
    assert "Visite du bloc pour infirmières" not in shown and "Forum d'autrefois" not in shown


# -- 7. safety first ------------------------------------------------------------------------------------
async def test_an_emergency_gets_the_emergency_numbers_first(dialogue_db, make_tracker):
    tracker = make_tracker(text="il a fait un malaise", intent="out_of_scope", entities=[entity("safety", "emergency")])
    dispatcher, _ = await run(ActionSafety, tracker)
    assert dispatcher.messages[0]["text"].startswith("Appelez le 15 (SAMU) ou le 112")


async def test_distress_gets_the_3114_then_a_coordinator_offer(dialogue_db, make_tracker):
    tracker = make_tracker(text="je pense à me faire du mal", intent="inform", entities=[entity("safety", "distress")])
    dispatcher, events = await run(ActionSafety, tracker)
    assert "3114" in dispatcher.messages[0]["text"]
    assert "coordinateur" in dispatcher.messages[1]["text"]
    assert "/request_human" in button_payloads(dispatcher)
    assert slot(events, "pending") == "human"


# -- 8. « voir la suite » with nothing to continue ----------------------------------------------------------
async def test_see_more_with_nothing_to_continue_says_so_and_offers_the_menu(dialogue_db, make_tracker):
    dispatcher, _ = await run(ActionMore, make_tracker(text="voir la suite", intent="ask_more"))
    assert "rien de plus" in texts(dispatcher)
    assert dispatcher.messages[-1]["response"] == "utter_help"
    assert "santé" not in texts(dispatcher)


async def test_see_more_after_openings_shows_the_next_page(dialogue_db, make_tracker):
    tracker = make_tracker(slots={"profession": "infirmier", "pending": "more_jobs", "jobs_offset": 5.0},
                           text="la suite", intent="ask_more")
    dispatcher, _ = await run(ActionMore, tracker)
    assert texts(dispatcher).count("• ") == 2


async def test_yes_after_partners_shows_their_next_page(dialogue_db, make_tracker):
    tracker = make_tracker(slots={"pending": "more_partners", "partners_offset": 5.0,
                                  "partners_search": '{"types": ["ssiad"], "hiring": null}'}, text="oui",
                           intent="affirm")
    dispatcher, _ = await run(ActionYes, tracker)
    assert texts(dispatcher).count("• ") == 2


async def test_a_fallback_is_unchanged_by_the_new_answers(dialogue_db, make_tracker):
    dispatcher, _ = await run(ActionFallback, make_tracker(text="la recette des crêpes", intent="nlu_fallback"))
    assert "reformuler" in texts(dispatcher)


async def test_an_emergency_during_the_job_search_leaves_the_form(dialogue_db, make_tracker):
    tracker = make_tracker(slots={"requested_slot": "commune"}, text="elle saigne beaucoup", intent="nlu_fallback",
                           entities=[entity("safety", "emergency")], active_loop={"name": "job_search_form"})
    dispatcher, events = await run(ActionSafety, tracker)
    assert dispatcher.messages[0]["text"].startswith("Appelez le 15 (SAMU) ou le 112")
    assert {"event": "active_loop", "name": None} in [{k: e.get(k) for k in ("event", "name")} for e in events]
    assert slot(events, "requested_slot") is None


async def test_childcare_for_night_shifts_among_several_needs_is_care_covering_the_night(dialogue_db, make_tracker):
    # Issue 23: no vague « horaires atypiques possibles »; only care that can look after children at night.
    tracker = make_tracker(
        slots={"commune": "Pornic"}, text="je bosse de nuit, une nounou pour mon fils de 1 an et un appart a Pornic",
        intent="ask_childcare",
        entities=[entity("need", "childcare"), entity("need", "housing"), entity("child_age", 12)])
    dispatcher, _ = await run(ActionAnswerNeeds, tracker)
    shown = texts(dispatcher)
    # Its description gives no hours: the person is told to ask them.
    assert "MAM Les Coquillages" in shown and "horaires élargis : demandez les heures" in shown
    assert "horaires atypiques possibles" not in shown
    assert "Garderie de l'école du Val" not in shown
    assert "Appartements des soignants de la Baie" in shown


# -- issue 23: pay and working conditions get an answer, not a list of structures -------------------------
async def test_overtime_without_a_profession_depends_on_the_employer_and_offers_a_coordinator(dialogue_db,
                                                                                           make_tracker):
    from actions.pay import ActionPay

    tracker = make_tracker(text="vous payez les heures sup ?", intent="nlu_fallback",
                           entities=[entity("pay", "pay")])
    dispatcher, events = await run(ActionPay, tracker)
    shown = texts(dispatcher)
    assert "dépendent de l'employeur" in shown and "convention collective" in shown
    assert "Dites-moi votre métier" in shown
    assert "•" not in shown and "EHPAD Les Roseaux" not in shown and "structures" not in shown
    assert button_payloads(dispatcher) == ["/request_human"]
    assert slot(events, "topic") == "profession"


@pytest.mark.parametrize("slots, entities, pay", [
    ({}, [entity("profession", "infirmier"), entity("pay", "pay")], "environ 2 100 € nets par mois"),
    ({"profession": "aide_soignant"}, [entity("pay", "pay")], "environ 1 700 € nets par mois"),
])
async def test_a_bonus_question_gives_the_profession_pay(dialogue_db, make_tracker, slots, entities, pay):
    from actions.pay import ActionPay

    tracker = make_tracker(slots=slots, text="et la prime de nuit, c'est combien à la clinique ?",
                           intent="ask_profession", entities=entities)
    dispatcher, _ = await run(ActionPay, tracker)
    shown = texts(dispatcher)
    assert pay in shown and "convention collective" in shown and "Dites-moi votre métier" not in shown
    assert "•" not in shown and "Clinique" not in shown
    payloads = button_payloads(dispatcher)
    assert payloads[0] == "/request_human" and payloads[1].startswith("/search_jobs")
