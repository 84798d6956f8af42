"""`POST /cv/<token>`: the widget's CV upload, on the real site application (no Rasa)."""
import aiohttp
import pytest

from bot.web.app import init_app
from knowledge.coordination import cv_files
from tests.test_web import _client, _settings


@pytest.fixture
async def site(loaded_db, tmp_path, monkeypatch):
    monkeypatch.setenv("COTESOIN_VAR_DIR", str(tmp_path / "var"))
    client = await _client(init_app(_settings()))
    yield client
    await client.close()


def form(data: bytes, filename: str) -> aiohttp.FormData:
    body = aiohttp.FormData()
    body.add_field("file", data, filename=filename, content_type="application/octet-stream")
    return body


async def test_a_pdf_is_taken_once_with_the_token_of_the_conversation(site, tmp_path):
    token = cv_files.issue_token("web-abc")
    response = await site.post(f"/cv/{token}", data=form(b"%PDF-1.4\n" + b"0" * 2000, "Mon CV.pdf"))
    assert response.status == 200
    assert await response.json() == {"token": token, "filename": "Mon CV.pdf"}
    stored = cv_files.uploaded(token, "web-abc")
    assert stored.path.startswith(str(tmp_path / "var" / "cv")) and "Mon CV" not in stored.path
    again = await site.post(f"/cv/{token}", data=form(b"%PDF-1.4", "autre.pdf"))
    assert again.status == 400
    assert "plus valable" in (await again.json())["error"]


@pytest.mark.parametrize("data, filename, reason", [
    (b"MZ\x90\x00\x03 executable", "cv.pdf", "ni un PDF"),  # wrong type disguised by its name
    (b"%PDF-1.4" + b"0" * (5 * 1024 * 1024), "gros.pdf", "5 Mo"),  # just over: read, then refused
], ids=["disguised", "over-5-mo"])
async def test_a_refused_file_gets_a_french_reason_and_the_token_stays_usable(site, data, filename, reason):
    token = cv_files.issue_token("web-abc")
    response = await site.post(f"/cv/{token}", data=form(data, filename))
    assert response.status == 400
    assert reason in (await response.json())["error"]
    assert cv_files.uploaded(token, "web-abc") is None
    ok = await site.post(f"/cv/{token}", data=form(b"\x89PNG\r\n\x1a\n....", "cv.png"))
    assert ok.status == 200


async def test_an_unknown_token_is_refused(site):
    response = await site.post("/cv/made-up", data=form(b"%PDF-1.4", "cv.pdf"))
    assert response.status == 400
    assert "plus valable" in (await response.json())["error"]


async def test_a_body_far_over_the_limit_is_refused_in_french_before_it_is_read(site):
    token = cv_files.issue_token("web-abc")
    response = await site.post(f"/cv/{token}", data=form(b"%PDF-1.4" + b"0" * (7 * 1024 * 1024), "enorme.pdf"))
    assert response.status == 413
    assert "5 Mo" in (await response.json())["error"]
    assert cv_files.uploaded(token, "web-abc") is None
