"""A CV sent as a Telegram document while the apply form asks for one: fetched with getFile from
the fake Bot API, checked from its first bytes, handed to the assistant as its upload token."""
import pytest

from bot.telegram import texts
from knowledge.coordination import cv_files
from tests.data.telegram.fake_bot_api import message_update
from tests.test_telegram_channel import CHAT, api, settings, telegram  # noqa: F401  (fixtures)

SENDER = f"telegram-{CHAT}"


@pytest.fixture(autouse=True)
def var_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("COTESOIN_VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


def document(file_id: str, name: str, size: int) -> dict:
    return {"document": {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_name": name,
                         "mime_type": "application/pdf", "file_size": size}}


async def test_a_pdf_document_becomes_the_cv_of_the_form(telegram, loaded_db):  # noqa: F811
    token = cv_files.issue_token(SENDER)
    content = b"%PDF-1.4\n" + b"0" * 300
    telegram.api.files["doc-1"] = content
    await telegram.post(message_update(CHAT, **document("doc-1", "CV Léa.pdf", len(content))))

    assert "getFile" in telegram.api.methods()
    assert telegram.assistant.texts() == [f'/inform{{"cv_token":"{token}"}}']
    stored = cv_files.uploaded(token, SENDER)
    assert stored.filename == "CV Léa.pdf"
    assert open(stored.path, "rb").read() == content


async def test_a_disguised_file_is_refused_in_french_and_nothing_is_passed_on(telegram, loaded_db):  # noqa: F811
    token = cv_files.issue_token(SENDER)
    telegram.api.files["doc-2"] = b"MZ\x90\x00 an executable"
    await telegram.post(message_update(CHAT, **document("doc-2", "cv.pdf", 20)))

    assert telegram.assistant.received == []
    [answer] = telegram.api.texts()
    assert "ni un PDF" in answer
    assert cv_files.uploaded(token, SENDER) is None
    assert cv_files.open_token(SENDER) == token  # the form still waits for a file


async def test_a_too_large_document_is_refused_before_download(telegram, loaded_db):  # noqa: F811
    cv_files.issue_token(SENDER)
    await telegram.post(message_update(CHAT, **document("doc-3", "cv.pdf", cv_files.MAX_BYTES + 1)))

    assert "getFile" not in telegram.api.methods()
    assert telegram.api.texts() == [cv_files.TOO_LARGE]


async def test_outside_the_form_a_document_gets_the_usual_answer(telegram, loaded_db):  # noqa: F811
    await telegram.post(message_update(CHAT, **document("doc-4", "cv.pdf", 10)))

    assert telegram.assistant.received == []
    assert telegram.api.texts() == [texts.NOT_TEXT.format(what="les documents")]


async def test_stop_alertes_command_becomes_the_stop_alerts_intent(telegram):  # noqa: F811
    from tests.data.telegram.fake_bot_api import text_update

    await telegram.post(text_update(CHAT, "/stop_alertes"))
    assert telegram.assistant.texts() == ["/stop_alerts"]
