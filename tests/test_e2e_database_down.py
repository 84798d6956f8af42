"""End to end with the partner database unreachable from the start (a PostgreSQL server that does
not answer): the trained model, the action server and Rasa over the REST channel (issue 22, point 5).

A job question goes through the job search form, whose validation reads the database: the person
gets the French « service momentanément indisponible » answer, once, and the form is closed; a
hand-over request is kept on disk. Needs a trained model (`make train`)."""
import json
import urllib.request
import uuid
from dataclasses import replace

import pytest

from bot import services
from bot import settings as bot_settings
from knowledge.texts import text
from tests.guichet import free_port

pytestmark = pytest.mark.e2e

UNREACHABLE = "postgresql://cotesoin:x@127.0.0.1:1/x"


def _post(url: str, payload: dict):
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    var = tmp_path_factory.mktemp("var")
    base = bot_settings.load()
    model = services.latest_model(base)
    assert model is not None, "aucun modèle entraîné : lancez `make train` avant ces tests"
    settings = replace(base, rasa_port=free_port(), action_port=free_port(), web_port=free_port(),
                       rasa_token=uuid.uuid4().hex, database_url=UNREACHABLE, var_dir=var,
                       tracker_store_url=f"sqlite:///{var / 'trackers.db'}")
    running = services.Assistant(settings, model)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def test_a_job_question_gets_one_french_answer_and_a_hand_over_is_kept(assistant):
    sender = f"e2e-panne-{uuid.uuid4().hex[:8]}"
    url = f"{assistant.settings.rasa_url}/webhooks/rest/webhook"

    replies = _post(url, {"sender": sender, "message": "je cherche un poste d'infirmier"})
    assert [reply.get("text") for reply in replies] == [text("service_unavailable")]
    tracker_url = f"{assistant.settings.rasa_url}/conversations/{sender}/tracker?token={assistant.settings.rasa_token}"
    with urllib.request.urlopen(tracker_url, timeout=60) as response:
        tracker = json.loads(response.read())
    assert not (tracker.get("active_loop") or {}).get("name")  # the form is closed, not waiting
    logs = assistant.settings.var_dir / "logs"
    # The form's validation answered (it used to raise: Rasa logged the failed action with a
    # traceback, and only the answer after the form said something).
    assert [e["name"] for e in tracker["events"] if e.get("event") == "action"][-3:] == [
        "job_search_form", "action_search_jobs", "action_listen"]
    for log in ("rasa.log", "actions.log"):
        written = (logs / log).read_text(encoding="utf-8")
        assert "Traceback" not in written and "Failed to execute custom action" not in written, log

    replies = _post(url, {"sender": sender, "message": "je voudrais parler à un coordinateur"})
    assert text("handoff_kept") in [reply.get("text") for reply in replies]
    [kept] = sorted((assistant.settings.var_dir / "spool" / "handoff").glob("*.json"))
    assert json.loads(kept.read_text(encoding="utf-8"))["sender_id"] == sender
