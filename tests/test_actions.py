"""Custom actions against the controlled fixture database (tests/data/knowledge)."""
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import ActionFallback, ActionFollowUp, ActionNo, ActionYes
from actions.discovery import ActionDiscovery
from actions.forms import ValidateJobSearchForm
from actions.handoff import ActionRequestHuman
from actions.jobs import ActionSearchJobs
from actions.living import ActionChildcare, ActionHousing, ActionMobility, ActionSpouseJob
from actions.partners import ActionInstallation, ActionPartners
from actions.professions import ActionProfession, ActionTraining
from knowledge.coordination import handoff
from knowledge.partners import queries

DOMAIN = {"forms": {"job_search_form": {"required_slots": ["profession", "commune"]}}, "slots": {}}


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action().run(dispatcher, tracker, DOMAIN)
    return dispatcher, events


def texts(dispatcher) -> str:
    return "\n".join(m["text"] or "" for m in dispatcher.messages)


def slot(events, name):
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]
    return values[-1] if values else "unset"


def button_payloads(dispatcher):
    return [b["payload"] for m in dispatcher.messages for b in m.get("buttons") or []]


# -- job search ------------------------------------------------------------------------------------
async def test_search_lists_five_openings_and_offers_more(loaded_db, make_tracker):
    tracker = make_tracker(slots={"profession": "infirmier", "commune": "Pornic"})
    dispatcher, events = await run(ActionSearchJobs, tracker)
    shown = texts(dispatcher)
    assert "7 offres" in shown
    assert shown.count("• ") == 5
    assert "Centre hospitalier des Embruns" in shown and "Pornic" in shown
    assert "offre pourvue" not in shown  # expired opening never offered
    assert slot(events, "pending") == "more_jobs"
    assert slot(events, "jobs_offset") == 5.0
    assert "/affirm" in button_payloads(dispatcher)


async def test_yes_shows_the_next_page(loaded_db, make_tracker):
    tracker = make_tracker(slots={"profession": "infirmier", "commune": "Pornic", "pending": "more_jobs",
                                  "jobs_offset": 5.0, "topic": "jobs"}, text="oui", intent="affirm")
    dispatcher, events = await run(ActionYes, tracker)
    assert texts(dispatcher).count("• ") == 2
    assert slot(events, "pending") is None


@pytest.mark.parametrize("slots, expected, absent", [
    ({"profession": "infirmiere", "commune": "pornik", "contract_type": "CDD"}, "remplacement congé maternité",
     "intérimaire"),
    ({"profession": "IDE", "commune": "Pornic", "work_time": "de nuit"}, "Infirmier de nuit", "consultations"),
    ({"profession": "aide soignante", "commune": "peu_importe"}, "Les Tilleuls", "Embruns"),
    ({"profession": "peu_importe", "commune": "st brevin"}, "Agent de service hospitalier", "Tilleuls"),
])
async def test_search_filters_on_normalised_criteria(loaded_db, make_tracker, slots, expected, absent):
    dispatcher, _ = await run(ActionSearchJobs, make_tracker(slots=slots))
    shown = texts(dispatcher)
    assert expected in shown
    assert absent not in shown


async def test_no_result_proposes_neighbours_other_contracts_and_a_coordinator(loaded_db, make_tracker):
    tracker = make_tracker(slots={"profession": "aide_soignant", "commune": "Vue", "contract_type": "interim"})
    dispatcher, events = await run(ActionSearchJobs, tracker)
    shown = texts(dispatcher)
    assert "aucune offre" in shown
    assert "communes voisines, tous contrats" in shown and "Rouans (1)" in shown
    assert "/request_human" in button_payloads(dispatcher)
    assert slot(events, "pending") == "human"


async def test_no_result_in_vue_points_to_rouans_and_cheix(loaded_db, make_tracker):
    dispatcher, _ = await run(ActionSearchJobs, make_tracker(slots={"profession": "aide_soignant", "commune": "Vue"}))
    shown = texts(dispatcher)
    assert "aucune offre" in shown
    assert "communes voisines" in shown and "Rouans (1)" in shown and "Cheix-en-Retz (1)" in shown
    assert '/inform{"commune":"Cheix-en-Retz"}' in button_payloads(dispatcher) or \
        '/inform{"commune":"Rouans"}' in button_payloads(dispatcher)


async def test_follow_up_reruns_the_job_search_with_the_new_commune(loaded_db, make_tracker):
    tracker = make_tracker(slots={"profession": "aide_soignant", "commune": "Rouans", "topic": "jobs"},
                           text="et à Rouans ?", intent="inform")
    dispatcher, _ = await run(ActionFollowUp, tracker)
    assert "EHPAD Les Tilleuls" in texts(dispatcher)


ALERT = "/subscribe_alerts"


def alert_offered(dispatcher) -> bool:
    """« M'alerter des nouvelles offres » is among the buttons, with its title."""
    return any(b["payload"] == ALERT and b["title"] == "M'alerter des nouvelles offres"
               for m in dispatcher.messages for b in m.get("buttons") or [])


@pytest.mark.parametrize("slots, listed, pending", [
    ({"profession": "infirmier", "commune": "Pornic", "contract_type": "cdd"}, 2, None),  # ≤ 5 found
    ({"profession": "infirmier", "commune": "Pornic"}, 5, "more_jobs"),  # > 5 found: « la suite ? »
    ({"profession": "aide_soignant", "commune": "Vue", "contract_type": "interim"}, 0, "human"),  # none
])
async def test_every_search_offers_the_alert(loaded_db, make_tracker, slots, listed, pending):
    dispatcher, events = await run(ActionSearchJobs, make_tracker(slots=slots))
    assert sum(p.startswith("/apply") for p in button_payloads(dispatcher)) == listed  # a « Postuler » each
    assert slot(events, "pending") == pending
    assert alert_offered(dispatcher)
    if pending == "more_jobs":  # on the « la suite ? » question itself, next to « oui » and « non »
        more = dispatcher.messages[-1]
        assert "voir la suite" in more["text"]
        assert [b["payload"] for b in more["buttons"]] == ["/affirm", "/deny", ALERT]


async def test_no_to_the_next_page_offers_the_alert(loaded_db, make_tracker):
    tracker = make_tracker(slots={"profession": "infirmier", "commune": "Pornic", "pending": "more_jobs",
                                  "jobs_offset": 5.0, "topic": "jobs"}, text="non merci", intent="deny")
    dispatcher, events = await run(ActionNo, tracker)
    assert "Postuler" in texts(dispatcher) and alert_offered(dispatcher)
    assert slot(events, "pending") is None


@pytest.mark.parametrize("offset, listed", [(5.0, 2), (7.0, 0)])  # the last page; nothing more to show
async def test_more_openings_to_the_end_offer_the_alert(loaded_db, make_tracker, offset, listed):
    from actions.dialogue import ActionMore

    tracker = make_tracker(slots={"profession": "infirmier", "commune": "Pornic", "pending": "more_jobs",
                                  "jobs_offset": offset, "topic": "jobs"}, text="plus d'offres", intent="ask_more")
    dispatcher, events = await run(ActionMore, tracker)
    assert texts(dispatcher).count("• ") == listed
    assert alert_offered(dispatcher)
    assert slot(events, "pending") is None


# -- form validation ---------------------------------------------------------------------------------
@pytest.mark.parametrize("slot_name, typed, expected", [
    ("profession", "infirmiere", "infirmier"),
    ("profession", "ASH", "agent_service_hospitalier"),
    ("commune", "st brevin", "Saint-Brevin-les-Pins"),
    ("commune", "paimboeuf", "Paimbœuf"),
    ("commune", "peu importe", "peu_importe"),
])
async def test_form_accepts_what_people_type(loaded_db, make_tracker, slot_name, typed, expected):
    tracker = make_tracker(slots={"requested_slot": slot_name}, text=typed, intent="inform",
                           active_loop={"name": "job_search_form"})
    dispatcher, events = await run(ValidateJobSearchForm, tracker)
    assert slot(events, slot_name) == expected
    assert dispatcher.messages == []


async def test_form_rejects_an_unknown_commune_with_a_clear_message(loaded_db, make_tracker):
    tracker = make_tracker(slots={"requested_slot": "commune"}, text="Nantes", intent="inform",
                           active_loop={"name": "job_search_form"})
    dispatcher, events = await run(ValidateJobSearchForm, tracker)
    assert slot(events, "commune") is None
    assert "Nantes" in texts(dispatcher) and "21 communes" in texts(dispatcher)


async def test_form_keeps_an_optional_criterion_given_on_the_way(loaded_db, make_tracker):
    tracker = make_tracker(slots={"requested_slot": "commune", "contract_type": "CDI"}, text="en CDI",
                           intent="inform", entities=[{"entity": "contract_type", "value": "CDI"}],
                           active_loop={"name": "job_search_form"}, slot_events={"contract_type": "CDI"})
    _, events = await run(ValidateJobSearchForm, tracker)
    assert slot(events, "contract_type") == "cdi"


# -- professions --------------------------------------------------------------------------------------
async def test_profession_describes_job_pay_and_diploma(loaded_db, make_tracker):
    dispatcher, events = await run(ActionProfession, make_tracker(slots={"profession": "ash"}))
    shown = texts(dispatcher)
    profession = queries.get_profession("agent_service_hospitalier")
    assert profession.description in shown and profession.pay in shown
    assert slot(events, "topic") == "profession"
    assert slot(events, "profession") == "agent_service_hospitalier"


async def test_profession_without_one_asks_which(loaded_db, make_tracker):
    dispatcher, _ = await run(ActionProfession, make_tracker())
    assert '/ask_profession{"profession":"infirmier"}' in button_payloads(dispatcher)


async def test_training_shows_path_and_bridges_both_ways(loaded_db, make_tracker):
    dispatcher, _ = await run(ActionTraining, make_tracker(slots={"profession": "aide_soignant"}))
    shown = texts(dispatcher)
    assert "Passerelles" in shown
    assert "Depuis agent" in shown  # ASH -> aide-soignant
    assert "Vers infirmier" in shown  # aide-soignant -> infirmier


# -- living and discovery -------------------------------------------------------------------------------
async def test_housing_filtered_by_commune(loaded_db, make_tracker):
    dispatcher, events = await run(ActionHousing, make_tracker(slots={"commune": "Pornic"}))
    shown = texts(dispatcher)
    assert "Chambres stagiaires" in shown
    assert "Studio meublé Les Pins" not in shown
    assert slot(events, "topic") == "housing"


async def test_housing_follow_up_in_another_commune(loaded_db, make_tracker):
    tracker = make_tracker(slots={"commune": "Saint-Brevin-les-Pins", "topic": "housing"}, text="et à st brevin ?")
    dispatcher, _ = await run(ActionFollowUp, tracker)
    assert "Studio meublé Les Pins" in texts(dispatcher)
    assert "Chambres stagiaires" not in texts(dispatcher)


async def test_housing_none_in_commune_falls_back_to_neighbours(loaded_db, make_tracker):
    dispatcher, _ = await run(ActionHousing, make_tracker(slots={"commune": "Vue"}))
    shown = texts(dispatcher)
    assert "tout près" in shown and "Gîte communal de Rouans" in shown


async def test_childcare_for_night_shifts_offers_only_care_that_covers_the_night(loaded_db, make_tracker):
    # Changed with issue 23: the hospital crèche (6 h-22 h) was offered to a night worker as
    # « horaires atypiques possibles »; only home-based care (the MAM of Vue, next door) can cover a night.
    tracker = make_tracker(slots={"commune": "Pornic"}, text="je bosse de nuit, une creche ?", intent="ask_childcare")
    dispatcher, _ = await run(ActionChildcare, tracker)
    shown = texts(dispatcher)
    assert "Crèche hospitalière" not in shown
    assert "Multi-accueil Les Moussaillons" not in shown
    assert "MAM Les Lutins du Tenu" in shown and "accueillir la nuit" in shown


async def test_mobility_for_a_commune(loaded_db, make_tracker):
    dispatcher, _ = await run(ActionMobility, make_tracker(slots={"commune": "Paimbœuf"}))
    shown = texts(dispatcher)
    assert "vélos électriques" in shown and "Covoiturage solidaire" not in shown


async def test_spouse_job_lists_employment_services(loaded_db, make_tracker):
    dispatcher, _ = await run(ActionSpouseJob, make_tracker())
    assert "Point Emploi Sud Estuaire" in texts(dispatcher)


async def test_discovery_lists_upcoming_events_only(loaded_db, make_tracker):
    dispatcher, _ = await run(ActionDiscovery, make_tracker())
    shown = texts(dispatcher)
    assert "Forum des métiers du soin" in shown and "2099" in shown
    assert "Forum des métiers 2001" not in shown
    assert "1 offre de stage" in shown


async def test_installation_gives_aids_and_help_desk(loaded_db, make_tracker):
    dispatcher, _ = await run(ActionInstallation, make_tracker(slots={"commune": "Pornic"}))
    shown = texts(dispatcher)
    assert "aides" in shown and "Guichet Installation Santé Retz" in shown


async def test_partners_by_type_and_commune(loaded_db, make_tracker):
    tracker = make_tracker(slots={"commune": "Rouans"}, text="quels ehpad à Rouans ?", intent="ask_partners")
    dispatcher, _ = await run(ActionPartners, tracker)
    shown = texts(dispatcher)
    assert "EHPAD Les Tilleuls" in shown and "SSIAD" not in shown


async def test_partners_overview_without_criteria(loaded_db, make_tracker):
    dispatcher, _ = await run(ActionPartners, make_tracker(text="c'est qui les partenaires ?", intent="ask_partners"))
    assert "7 structures" in texts(dispatcher)


# -- hand-over and misunderstandings ---------------------------------------------------------------------
async def test_request_human_is_recorded_once_with_channel_topic_and_criteria(loaded_db, make_tracker):
    tracker = make_tracker(slots={"profession": "IDE", "commune": "Vue", "topic": "jobs"})
    dispatcher, _ = await run(ActionRequestHuman, tracker)
    assert "demande n° 1" in texts(dispatcher)
    [request] = handoff.open_requests()
    assert request.sender_id == "candidate-42" and request.channel == "rest"
    assert request.topic == "jobs"
    assert request.criteria == {"profession": "infirmier", "commune": "Vue"}
    dispatcher, _ = await run(ActionRequestHuman, tracker)
    assert "déjà" in texts(dispatcher)
    assert len(handoff.open_requests()) == 1


async def test_first_misunderstanding_gets_the_menu(loaded_db, make_tracker):
    tracker = make_tracker(text="blablabla", intent="nlu_fallback", user_intents=["greet", "nlu_fallback"])
    dispatcher, events = await run(ActionFallback, tracker)
    assert "reformuler" in texts(dispatcher)
    assert dispatcher.messages[-1]["response"] == "utter_help"  # the menu of topics
    assert slot(events, "pending") == "unset"


async def test_second_misunderstanding_in_a_row_offers_a_human(loaded_db, make_tracker):
    tracker = make_tracker(text="quel temps à pornic", intent="out_of_scope",
                           user_intents=["greet", "nlu_fallback", "out_of_scope"])
    dispatcher, events = await run(ActionFallback, tracker)
    assert "coordinateur" in texts(dispatcher)
    assert "/request_human" in button_payloads(dispatcher)
    assert slot(events, "pending") == "human"


async def test_no_clears_the_pending_question(loaded_db, make_tracker):
    dispatcher, events = await run(ActionNo, make_tracker(slots={"pending": "human"}, text="non", intent="deny"))
    assert slot(events, "pending") is None
    assert dispatcher.messages



async def test_training_is_about_the_first_profession_named(loaded_db, make_tracker):
    tracker = make_tracker(slots={"profession": "ASH"}, text="devenir aide soignante quand on est ASH",
                           intent="ask_training", entities=[
                               {"entity": "profession", "value": "aide soignante"},
                               {"entity": "profession", "value": "ASH"}])
    dispatcher, events = await run(ActionTraining, tracker)
    assert texts(dispatcher).startswith("Devenir Aide-soignant")
    assert slot(events, "profession") == "aide_soignant"


async def test_an_unclear_short_message_naming_a_commune_follows_up_on_the_topic(loaded_db, make_tracker):
    tracker = make_tracker(slots={"commune": "Saint-Brevin-les-Pins", "topic": "housing"},
                           text="Et à Saint-Brevin-les-Pins ?", intent="nlu_fallback",
                           entities=[{"entity": "commune", "value": "Saint-Brevin-les-Pins"}])
    dispatcher, _ = await run(ActionFallback, tracker)
    assert "Studio meublé Les Pins" in texts(dispatcher)
    assert "reformuler" not in texts(dispatcher)
