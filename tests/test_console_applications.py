"""The console's applications page: per opening and structure, status, trail, « transmise »."""
from pathlib import Path

import pytest

from knowledge.coordination import accounts, applications, cv_files, handoff
from tests.console_helpers import PASSWORD, console_client, log_in
from tests.test_console_data import HTML, get, post, rows

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


# -- the CV of an application, for the coordinators to transmit it --------------------------------------
PDF = b"%PDF-1.7\n" + b"contenu du CV " * 100


@pytest.fixture
def var_dir(tmp_path, monkeypatch):
    folder = tmp_path / "var"
    monkeypatch.setenv("COTESOIN_VAR_DIR", str(folder))
    return folder


def record_with_cv(sender="c", filename="CV Léa Durand.pdf", data=PDF):
    token = cv_files.issue_token(sender)
    cv_files.save(token, filename, data)
    return applications.record("off_rouans_as", sender, "rest", "Léa Durand", "lea@exemple.fr", "", CONSENT,
                               cv_token=token)


def cv_downloads():
    return [(a["who"], a["detail"]) for a in handoff.audit_trail() if a["action"] == "cv_downloaded"]


async def test_the_cv_needs_a_login(loaded_db, var_dir):
    queued = record_with_cv()
    client = await console_client(rasa_port=9)
    try:
        page = await client.get(f"/console/candidatures/{queued.id}/cv", headers=HTML, allow_redirects=False)
        assert page.status == 303 and page.headers["Location"].startswith("/console/connexion")
        fetched = await client.get(f"/console/candidatures/{queued.id}/cv", allow_redirects=False)
        assert fetched.status == 401 and PDF not in await fetched.read()
    finally:
        await client.close()
    assert cv_downloads() == []


async def test_the_cv_is_downloaded_with_its_real_type_and_audited(client, var_dir):
    queued = record_with_cv()
    _, body = await get(client, "/console/candidatures")
    assert f'href="/console/candidatures/{queued.id}/cv"' in body and "CV Léa Durand.pdf" in body
    response = await client.get(f"/console/candidatures/{queued.id}/cv")
    assert response.status == 200
    assert await response.read() == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"CV L_a Durand.pdf\"; filename*=UTF-8''CV%20L%C3%A9a%20Durand.pdf")
    assert response.headers["Cache-Control"] == "no-store"
    assert cv_downloads() == [("Camille", queued.reference)]
    trail = applications.get(queued.id).events[-1]
    assert (trail.action, trail.coordinator) == ("cv_downloaded", "Camille")
    _, body = await get(client, "/console/candidatures")
    assert "CV téléchargé par la coordination" in body


async def test_an_image_cv_keeps_its_type(client, var_dir):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    queued = record_with_cv(filename="scan.pdf", data=png)  # named .pdf, but a PNG
    response = await client.get(f"/console/candidatures/{queued.id}/cv")
    assert response.headers["Content-Type"] == "image/png" and await response.read() == png
    assert 'filename="scan.png"' in response.headers["Content-Disposition"]


async def test_an_unknown_or_erased_cv_is_a_french_404(client, var_dir):
    from knowledge.coordination import privacy

    without_cv = record("off_rouans_as", "b")
    erased = record_with_cv(sender="gone")
    privacy.erase_applications("gone")
    lost = record_with_cv(sender="lost")
    Path(applications.get(lost.id).cv_path).unlink()  # the row left, its file gone
    for application_id in (without_cv.id, erased.id, lost.id, 999999):
        response = await client.get(f"/console/candidatures/{application_id}/cv", headers=HTML)
        assert response.status == 404
        said = await response.text()
        assert "CV introuvable" in said and "effacée" in said
    assert cv_downloads() == []
