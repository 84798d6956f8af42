"""End to end: the trained model, the action server and the Rasa server, over the REST channel.

Needs a trained model (`make train`; `make test-e2e` trains first). Runs on SQLite, and on
PostgreSQL too (partner data and tracker store) when TEST_POSTGRES_URL is set.
"""
import asyncio
import json
import os
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from sqlalchemy import MetaData

from bot import services
from bot.web.console import reminders
from bot.web.console.rasa import RasaConversations
from knowledge import db
from knowledge.coordination import handoff
from knowledge.coordination.models import CoordinatorRequest
from knowledge.models import Base
from knowledge.partners import queries
from tests.guichet import guichet_on_backend

pytestmark = pytest.mark.e2e


def _drop_everything(url: str) -> None:
    engine = db.make_engine(url)
    try:
        Base.metadata.drop_all(engine)
        rasa_tables = MetaData()
        rasa_tables.reflect(engine, only=lambda name, _: name == "events")
        rasa_tables.drop_all(engine)
    finally:
        engine.dispose()


def _backends():
    params = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get("TEST_POSTGRES_URL"):
        params.append(pytest.param("postgresql", id="postgresql"))
    return params


@pytest.fixture(scope="module", params=_backends())
def assistant(request, tmp_path_factory):
    """Both servers running on free ports, with the demo data in a fresh database."""
    with guichet_on_backend(request.param, tmp_path_factory.mktemp("var"), _drop_everything) as assistant:
        yield assistant


def _post(url: str, payload: dict, headers=None):
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


class Conversation:
    def __init__(self, assistant: services.Assistant):
        self.url = f"{assistant.settings.rasa_url}/webhooks/rest/webhook"
        self.sender = f"e2e-{uuid.uuid4().hex[:8]}"

    def say(self, message: str) -> str:
        """Send a message; return every text of the reply, one per line (buttons as [titles])."""
        replies = _post(self.url, {"sender": self.sender, "message": message})
        assert replies, f"pas de réponse à « {message} »"
        lines = []
        for reply in replies:
            lines.append(reply.get("text", ""))
            if reply.get("buttons"):
                lines.append("[" + " | ".join(b["title"] for b in reply["buttons"]) + "]")
        return "\n".join(lines)


def test_the_rasa_server_runs_with_every_speedup_applied(assistant):
    """bot/rasa_run.py applies bot/rasa_speedups.py before Rasa starts: its status line in Rasa's log
    counts every patch applied (one whose Rasa code differs would be refused and not counted)."""
    from bot import rasa_speedups

    log = (assistant.settings.var_dir / "logs" / "rasa.log").read_text(encoding="utf-8")
    count = len(rasa_speedups.PATCHES)
    assert f"{count} correctifs de Rasa appliqués sur {count}" in log
    assert "correctif refusé" not in log


def test_greeting_presents_cote_soin_with_topic_buttons(assistant):
    reply = Conversation(assistant).say("Bonjour !")
    assert "Côté Soin" in reply
    assert "[Offres d'emploi" in reply


def test_job_search_in_one_message_names_the_matching_structures(assistant):
    expected = queries.find_openings(profession="aide_soignant", communes=["Rouans"])
    assert expected.openings, "les données de démonstration doivent avoir un poste d'aide-soignant à Rouans"
    reply = Conversation(assistant).say("je cherche un poste d'aide soignante à Rouans")
    for opening in expected.openings:
        assert opening.structure in reply


def test_job_search_form_asks_what_is_missing_and_accepts_a_change_of_mind(assistant):
    chat = Conversation(assistant)
    assert "Quel métier" in chat.say("je cherche du travail")
    assert "quelle commune" in chat.say("aide soignante")
    assert "quelle commune" in chat.say("finalement plutot infirmiere")
    reply = chat.say("st brevin")
    expected = queries.find_openings(profession="infirmier", communes=["Saint-Brevin-les-Pins"])
    assert expected.openings
    assert expected.openings[0].structure in reply
    assert "Saint-Brevin-les-Pins" in reply


def test_the_form_buttons_send_their_criterion_and_answer_it(assistant):
    chat = Conversation(assistant)
    [question] = _post(chat.url, {"sender": chat.sender, "message": "je cherche du travail"})
    payloads = {button["title"]: button["payload"] for button in question["buttons"]}
    assert payloads["Infirmier·ère"] == '/inform{"profession":"infirmier"}'
    [question] = _post(chat.url, {"sender": chat.sender, "message": payloads["Infirmier·ère"]})
    assert "quelle commune" in question["text"]
    payload = {button["title"]: button["payload"] for button in question["buttons"]}["Paimbœuf"]
    assert payload == '/inform{"commune":"Paimbœuf"}'
    reply = chat.say(payload)
    assert queries.find_openings(profession="infirmier", communes=["Paimbœuf"]).openings[0].structure in reply
    # Rasa no longer takes the payloads for slot placeholders (it logged an ERROR for each button).
    assert "interpolator" not in (assistant.settings.var_dir / "logs" / "rasa.log").read_text(encoding="utf-8")


def test_housing_context_carries_over_to_another_commune(assistant):
    chat = Conversation(assistant)
    first = chat.say("je cherche un logement pour mon stage à Paimboeuf")
    assert any(h.name in first for h in queries.find_housing(["Paimbœuf"]))
    second = chat.say("et à Vue ?")
    assert any(h.name in second for h in queries.find_housing(["Vue"]))


def test_request_human_is_recorded_with_the_rest_channel(assistant):
    chat = Conversation(assistant)
    chat.say("je cherche un poste d'infirmier à Pornic")
    reply = chat.say("je voudrais parler à un conseiller")
    assert "demande n°" in reply
    [request] = [r for r in handoff.open_requests() if r.sender_id == chat.sender]
    assert request.channel == "rest"
    assert request.criteria["profession"] == "infirmier"


def test_two_misunderstandings_in_a_row_offer_a_coordinator(assistant):
    chat = Conversation(assistant)
    first = chat.say("quel temps fera-t-il demain à la plage ?")
    assert "[Offres d'emploi" in first
    second = chat.say("c'est quoi la recette des crêpes ?")
    assert "coordinateur" in second and "[Oui, un coordinateur" in second


def test_http_api_requires_the_token_and_keeps_conversations(assistant):
    chat = Conversation(assistant)
    chat.say("bonjour")
    tracker_url = f"{assistant.settings.rasa_url}/conversations/{chat.sender}/tracker"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(tracker_url, timeout=10)
    assert refused.value.code == 401
    with urllib.request.urlopen(f"{tracker_url}?token={assistant.settings.rasa_token}", timeout=10) as response:
        tracker = json.loads(response.read())
    assert any(e.get("text") == "bonjour" for e in tracker["events"] if e["event"] == "user")


REQUEST_MADE = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)  # a Tuesday, 10 h in Paris


def _unclaimed_request(chat: Conversation) -> int:
    """A coordinator request of this conversation, made at REQUEST_MADE and not claimed since."""
    chat.say("bonjour")
    request_id, _ = handoff.record_request(chat.sender, "rest", "emploi", {})
    with db.session_scope() as session:
        session.get(CoordinatorRequest, request_id).created_at = REQUEST_MADE.replace(tzinfo=None)
    return request_id


def _site_reminders(assistant, *minutes_after):
    """The requests the site's reminders are sent for, at each of these minutes after REQUEST_MADE."""
    async def rounds():
        async with aiohttp.ClientSession() as client:
            rasa = RasaConversations(client, assistant.settings.rasa_url, assistant.settings.rasa_token)
            return [await reminders.send_overdue(rasa, REQUEST_MADE + timedelta(minutes=minutes))
                    for minutes in minutes_after]

    return asyncio.run(rounds())


def test_a_reminder_lost_by_rasa_is_sent_by_the_site_once(assistant):
    """Rasa's reminder of an unclaimed request lives in its memory; after a restart the site sends it."""
    chat = Conversation(assistant)
    request_id = _unclaimed_request(chat)
    assert _site_reminders(assistant, 13, 14) == [[request_id], []]
    url = f"{assistant.settings.rasa_url}/conversations/{chat.sender}/tracker?token={assistant.settings.rasa_token}"
    with urllib.request.urlopen(url, timeout=10) as response:
        said = [e.get("text") or "" for e in json.loads(response.read())["events"] if e["event"] == "bot"]
    assert sum(f"demande n° {request_id} est toujours en attente" in text for text in said) == 1
    assert "recontacte" in said[-1]


def test_the_call_back_form_takes_a_contact_after_the_reminder(assistant):
    """The call-back offer, then its form: the validator (which reads the form's slots from the domain
    Rasa sends it) refuses what is not a contact and saves a telephone number with the request."""
    chat = Conversation(assistant)
    request_id = _unclaimed_request(chat)
    assert _site_reminders(assistant, 13) == [[request_id]]
    assert "adresse e-mail ou le numéro de téléphone" in chat.say("oui")
    assert "ni une adresse e-mail ni un numéro de téléphone" in chat.say("demain matin")
    saved = chat.say("06 12 34 56 78")
    assert "c'est enregistré" in saved and f"demande n° {request_id}" in saved
    assert handoff.current_request(chat.sender).contact == "06 12 34 56 78"


@pytest.mark.parametrize("message, expected", [
    ("offres IDE a pornik", {("profession", "infirmier"), ("commune", "Pornic")}),
    ("je suis AVS, du taf vers st brevin ?",
     {("profession", "auxiliaire_de_vie"), ("commune", "Saint-Brevin-les-Pins")}),
    ("un poste d'ASH en cdd de nuit a paimboeuf",
     {("profession", "agent_service_hospitalier"), ("contract_type", "cdd"), ("work_time", "nuit"),
      ("commune", "Paimbœuf")}),
])
def test_the_model_returns_canonical_entity_values(assistant, message, expected):
    parsed = _post(f"{assistant.settings.rasa_url}/model/parse?token={assistant.settings.rasa_token}",
                   {"text": message})
    assert expected <= {(e["entity"], e["value"]) for e in parsed["entities"]}


def test_a_job_search_that_finds_nothing_is_counted_by_the_observatory(assistant, monkeypatch):
    """The marker written by the action server goes through Rasa's real tracker store (an `any` slot
    holding the criteria), reset in the same turn, and the observatory counts it."""
    from sqlalchemy import select

    from knowledge.conversations import observatory, unmet_search
    from knowledge.coordination import transcripts
    from knowledge.partners.models import Commune

    with db.session_scope() as session:
        communes = list(session.scalars(select(Commune.name).order_by(Commune.name)))
    profession = "medecin"
    commune = next(name for name in communes
                   if not queries.find_openings(profession=profession, communes=[name]).openings)
    monkeypatch.setenv("TRACKER_STORE_URL", assistant.settings.tracker_store_url)
    transcripts.dispose()
    day = observatory.Period.last_days(1).end
    today = observatory.Period(day, day + timedelta(days=1))  # Paris midnight may pass meanwhile
    try:
        assert (profession, commune) not in {(row.profession, row.commune)
                                             for row in observatory.unmet_demand(today).rows}
        chat = Conversation(assistant)
        chat.say("je cherche du travail")
        chat.say(f'/inform{{"profession":"{profession}"}}')
        reply = chat.say(f'/inform{{"commune":"{commune}"}}')
        assert "Parler à un coordinateur" in reply  # the answer to a search that found nothing
        url = f"{assistant.settings.rasa_url}/conversations/{chat.sender}/tracker?token={assistant.settings.rasa_token}"
        with urllib.request.urlopen(url, timeout=10) as response:
            tracker = json.loads(response.read())
        markers = [e["value"] for e in tracker["events"] if e["event"] == "slot" and e["name"] == unmet_search.SLOT]
        assert markers == [{"profession": profession, "commune": commune, "contract_type": None, "work_time": None},
                           None]
        assert tracker["slots"][unmet_search.SLOT] is None
        after = observatory.unmet_demand(today)
        assert (profession, commune) in {(row.profession, row.commune) for row in after.rows}
    finally:
        transcripts.dispose()
