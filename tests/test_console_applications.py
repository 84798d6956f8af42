"""The console's applications page: per opening and structure, status, trail, « transmise »."""
import pytest

from knowledge.coordination import accounts, applications
from tests.console_helpers import PASSWORD, console_client, log_in
from tests.test_console_data import get, post, rows

CONSENT = "J'accepte que ma candidature soit transmise."


@pytest.fixture
async def client(loaded_db, monkeypatch):
    monkeypatch.delenv("SMTP_HOST", raising=False)
    accounts.add_coordinator("camille.martin@cotesoin.fr", PASSWORD, "Camille")
    client = await console_client(rasa_port=9)
    client.csrf = await log_in(client, "camille.martin@cotesoin.fr")
    yield client
    await client.close()


def record(opening_id, sender):
    return applications.record(opening_id, sender, "rest", "Léa Durand", "lea@exemple.fr", "<b>Bonjour</b>", CONSENT)


async def test_the_page_needs_a_login(loaded_db):
    client = await console_client(rasa_port=9)
    try:
        response = await client.get("/console/candidatures", allow_redirects=False)
        assert response.status in (302, 303, 401)
    finally:
        await client.close()


async def test_lists_per_opening_and_structure_with_status_and_trail(client):
    pornic = record("off_pornic_4", "a")
    rouans = record("off_rouans_as", "b")
    response, body = await get(client, "/console/candidatures")
    assert set(rows(body, "application")) == {pornic.reference, rouans.reference}
    assert "en file — à transmettre" in body and "Enregistrée" in body
    raw = await response.text()
    assert "&lt;b&gt;Bonjour&lt;/b&gt;" in raw and "<b>Bonjour</b>" not in raw  # the message shown as text
    _, body = await get(client, "/console/candidatures?offre=off_rouans_as")
    assert rows(body, "application") == [rouans.reference]
    _, body = await get(client, "/console/candidatures?structure=hop_pornic")
    assert rows(body, "application") == [pornic.reference]


async def test_marking_transmitted_needs_csrf_and_is_in_the_trail(client):
    queued = record("off_rouans_as", "b")
    refused = await post(client, f"/console/candidatures/{queued.id}/transmise", {}, csrf=False)
    assert refused.status == 403
    assert applications.get(queued.id).status == applications.QUEUED
    done = await post(client, f"/console/candidatures/{queued.id}/transmise", {"statut": "queued"})
    assert done.status == 303 and done.headers["Location"] == "/console/candidatures?statut=queued"
    stored = applications.get(queued.id)
    assert stored.status == applications.TRANSMITTED
    assert (stored.events[-1].action, stored.events[-1].coordinator) == ("transmitted", "Camille")
