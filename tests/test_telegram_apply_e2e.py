"""« Postuler » on Telegram end to end: the real Rasa server, action server and Telegram channel,
the fake Bot API on loopback — a tap on « Postuler », the form answered, a CV sent as a document
(fetched with getFile) or « passer », « Envoyer »: the application is recorded, with its CV or without."""
import time

import pytest

from knowledge.coordination import applications
from tests.data.telegram.fake_bot_api import button_update, message_update, text_update
from tests.guichet import running_guichet
from tests.test_telegram_e2e import SECRET, TOKEN, _messages_to, _post, api  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e
CHAT = 7101


@pytest.fixture(scope="module")
def assistant(api, tmp_path_factory):  # noqa: F811
    env = {"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_SECRET_TOKEN": SECRET, "TELEGRAM_API_BASE_URL": api.base_url,
           "SMTP_HOST": ""}
    with running_guichet(tmp_path_factory.mktemp("var"), env=env) as running:
        yield running


def _wait_for_text(api, words: str, after: int, timeout: float = 60, chat: int = CHAT) -> str:  # noqa: F811
    """The messages to `chat` after the first `after`, once one of them contains `words`."""
    deadline = time.monotonic() + timeout
    while True:
        texts = [m["text"] for m in _messages_to(api, chat)[after:]]
        if any(words in text for text in texts):
            time.sleep(0.5)
            return "\n".join(m["text"] for m in _messages_to(api, chat)[after:])
        assert time.monotonic() < deadline, f"« {words} » attendu ; reçu : {texts}"
        time.sleep(0.2)


def _say(assistant, api, update, words: str, chat: int = CHAT) -> str:  # noqa: F811
    before = len(_messages_to(api, chat))
    assert _post(assistant, update) == 200
    return _wait_for_text(api, words, before, chat=chat)


def test_apply_on_telegram_with_a_cv_document(assistant, api):  # noqa: F811
    _say(assistant, api, text_update(CHAT, "je cherche un poste d'infirmier à Pornic"), "Postuler")
    payloads = [button["callback_data"] for message in _messages_to(api, CHAT) if message.get("reply_markup")
                for row in message["reply_markup"]["inline_keyboard"] for button in row]
    postuler = next(p for p in payloads if p.startswith("/apply"))

    answer = _say(assistant, api, button_update(CHAT, postuler), "prénom et votre nom")
    assert "Candidature à l'offre" in answer
    _say(assistant, api, text_update(CHAT, "Camille Martin"), "numéro de téléphone")
    _say(assistant, api, text_update(CHAT, "06 12 34 56 78"), "quelques mots")
    _say(assistant, api, text_update(CHAT, "passer"), "joindre un CV")

    content = b"%PDF-1.4\n% CV\n" + b"0" * 800
    api.files["cv-telegram"] = content
    document = {"document": {"file_id": "cv-telegram", "file_unique_id": "u-cv", "file_name": "CV Camille.pdf",
                             "mime_type": "application/pdf", "file_size": len(content)}}
    summary = _say(assistant, api, message_update(CHAT, **document), "En touchant « Envoyer »")
    assert "CV reçu : CV Camille.pdf" in summary and "06 12 34 56 78" in summary

    confirmation = _say(assistant, api, button_update(CHAT, "envoyer"), "référence")
    [recorded] = applications.for_sender(f"telegram-{CHAT}")
    assert recorded.reference in confirmation
    assert recorded.channel == "telegram" and recorded.cv_filename == "CV Camille.pdf"
    assert open(recorded.cv_path, "rb").read() == content
    # No SMTP server set: the coordinators transmit it, and the candidate is told so.
    assert recorded.status == applications.QUEUED and "l'équipe de coordination" in confirmation


def test_apply_on_telegram_without_a_cv(assistant, api):  # noqa: F811
    chat = CHAT + 1
    _say(assistant, api, text_update(chat, "je cherche un poste d'infirmier à Pornic"), "Postuler", chat=chat)
    payloads = [button["callback_data"] for message in _messages_to(api, chat) if message.get("reply_markup")
                for row in message["reply_markup"]["inline_keyboard"] for button in row]
    postuler = next(p for p in payloads if p.startswith("/apply"))

    _say(assistant, api, button_update(chat, postuler), "prénom et votre nom", chat=chat)
    _say(assistant, api, text_update(chat, "Noé Bernard"), "numéro de téléphone", chat=chat)
    _say(assistant, api, text_update(chat, "noe.bernard@example.fr"), "quelques mots", chat=chat)
    _say(assistant, api, text_update(chat, "Disponible dès janvier."), "joindre un CV", chat=chat)
    summary = _say(assistant, api, text_update(chat, "passer"), "En touchant « Envoyer »", chat=chat)
    assert "noe.bernard@example.fr" in summary and "CV reçu" not in summary

    confirmation = _say(assistant, api, button_update(chat, "envoyer"), "référence", chat=chat)
    [recorded] = applications.for_sender(f"telegram-{chat}")
    assert recorded.reference in confirmation and recorded.channel == "telegram"
    assert recorded.cv_filename is None and recorded.cv_path is None
    assert recorded.message == "Disponible dès janvier."
