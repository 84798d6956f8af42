"""Issue 20: the installation plan handed over as the request's case file, in the console."""
from bot.web.console.formatting import paris
from knowledge.coordination import handoff, plans
from tests import test_console
from tests.console_helpers import log_in
from tests.test_console import page_text

# The console tests' fixtures: a logged-out console client over a fake Rasa, and a tracker store.
console, tracker_store = test_console.console, test_console.tracker_store

SITUATION = {"profession": "infirmier", "commune": "Vue", "hours": "nuit", "children": [8], "car": False}
PLAN = {
    "sections": [{"key": "childcare", "title": "Garde d'enfants",
                  "items": [{"name": "Crèche des Marées", "commune": "Vue", "detail": "pour l'enfant de 8 mois",
                             "description": "", "contact": "02 40 00 00 01"}]}],
    "gaps": [{"kind": "mobility_no_car", "text": "aucun transport sans voiture à Vue et autour"}],
}


def handed_over(sender: str = "web-7") -> int:
    request_id, _ = handoff.record_request(sender, "socketio", "plan", {"commune": "Vue"})
    kept = plans.save(sender, SITUATION, PLAN)
    plans.attach_request(kept.id, request_id)
    return request_id


async def test_the_request_page_shows_situation_items_and_gaps(console, rasa):
    request_id = handed_over()
    await log_in(console, "camille.martin@cotesoin.fr")
    body = page_text(await (await console.get(f"/console/demandes/{request_id}")).text())
    assert "Plan d'installation" in body
    assert "Enfants : 8 mois" in body and "Voiture : non" in body
    assert "Crèche des Marées" in body and "02 40 00 00 01" in body
    assert "aucun transport sans voiture à Vue et autour" in body
    assert "plan d'installation joint à la demande" in body  # the audit trail


async def test_a_request_without_a_plan_shows_none(console, rasa):
    request_id, _ = handoff.record_request("web-8", "socketio", "jobs", {})
    await log_in(console, "camille.martin@cotesoin.fr")
    assert "Plan d'installation" not in page_text(await (await console.get(f"/console/demandes/{request_id}")).text())


async def test_the_coordinator_adds_an_item_and_sends_the_updated_plan_back(console, rasa):
    request_id = handed_over()
    token = await log_in(console, "camille.martin@cotesoin.fr")
    empty = await console.post(f"/console/demandes/{request_id}/plan/element", data={"csrf": token, "name": " "})
    assert "Le nom de l'élément est obligatoire." in page_text(await empty.text())
    await console.post(f"/console/demandes/{request_id}/plan/element",
                       data={"csrf": token, "name": "Assistante maternelle de nuit, Mme Q.",
                             "contact": "06 00 00 00 02"})
    kept = plans.for_request(request_id)
    assert kept.sections[-1]["title"] == "Ajouté par votre coordinateur·rice"
    assert kept.sections[-1]["items"][0]["name"] == "Assistante maternelle de nuit, Mme Q."
    # Not held yet: nothing is said in the conversation.
    refused = await console.post(f"/console/demandes/{request_id}/plan/envoyer", data={"csrf": token})
    assert "Prenez d'abord cette demande en charge." in page_text(await refused.text())
    assert rasa.events("web-7") == []
    await console.post(f"/console/demandes/{request_id}/prendre", data={"csrf": token})
    await console.post(f"/console/demandes/{request_id}/plan/envoyer", data={"csrf": token})
    said = rasa.events("web-7")[-1]
    assert said["event"] == "bot" and f"/plan/{kept.token}" in said["text"]
    assert "a complété votre plan" in said["text"]


async def test_adding_to_the_plan_needs_the_csrf_token(console, rasa):
    request_id = handed_over()
    await log_in(console, "camille.martin@cotesoin.fr")
    response = await console.post(f"/console/demandes/{request_id}/plan/element", data={"name": "x"})
    assert response.status == 403
    assert len(plans.for_request(request_id).sections) == 1


# -- the observatory: what the plans did not find, per commune and kind of need ---------------------------------
def plan_with_gaps(sender: str, commune: str, *kinds: str) -> None:
    plans.save(sender, {"commune": commune}, {"sections": [], "gaps": [{"kind": k, "text": k} for k in kinds]})


async def test_the_observatory_counts_gaps_per_commune_masked_below_five_with_a_csv(console, rasa):
    for n in range(6):
        plan_with_gaps(f"vue-{n}", "Vue", "childcare_atypical", "mobility_no_car")
    for n in range(2):
        plan_with_gaps(f"pornic-{n}", "Pornic", "housing_short")
    plan_with_gaps("odd", "=HYPERLINK(\"http://x.test\")", "housing")
    await log_in(console, "camille.martin@cotesoin.fr")
    body = page_text(await (await console.get("/console/observatoire")).text())
    assert "Freins à l'installation" in body and "Garde aux horaires décalés" in body
    today = paris(plans.latest("vue-0").created_at).date().isoformat()  # the console's days are Paris days
    response = await console.get(f"/console/observatoire/freins-installation.csv?du={today}&au={today}")
    assert response.status == 200
    lines = (await response.read()).decode("utf-8-sig").splitlines()
    assert lines[0] == "commune;besoin;plans sans rien trouvé"
    assert "Vue;Garde aux horaires décalés;6" in lines and "Vue;Transport sans voiture;6" in lines
    assert "Pornic;Logement de courte durée;< 5" in lines
    assert '"\'=HYPERLINK(""http://x.test"")";Logement;< 5' in lines  # a formula never reaches the spreadsheet
