"""The Telegram channel end to end, against a fake Bot API server on loopback.

Updates are posted over HTTP to the channel's webhook, mounted by Rasa's own `register` in a real
Sanic server; the assistant is a fake that answers through the channel like Rasa would. The tests
assert what the fake Bot API received (sendMessage text and reply_markup, answerCallbackQuery, …).
"""
import asyncio
import json
import logging
import uuid
from typing import Any, Dict, List, Optional

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.telegram import texts
from bot.telegram.app import ChatPacedRateLimiter, make_bot
from bot.telegram.channel import TelegramInput
from bot.telegram.cli import poll, webhook_forwarder
from bot.telegram.formatting import MAX_CALLBACK_BYTES
from bot.telegram.settings import SECRET_HEADER, TelegramConfigError, TelegramSettings, from_mapping
from tests.data.telegram.fake_bot_api import ATTACHMENTS, FakeBotApi, button_update, message_update, text_update
from tests.guichet import free_port

TOKEN = "123456789:AAF-test-token-which-must-never-be-logged"
SECRET = "s3cret_webhook-token-for-tests"
CHAT = 111222333

JOB_SEARCH = "je cherche un poste d'aide soignante à Pornic"
JOB_ANSWER = ("J'ai trouvé 1 offre (aide-soignant·e à Pornic) :\n"
              "• Aide-soignant·e de nuit — EHPAD Les Mimosas (démo), Pornic (CDI, temps plein)\n"
              "  Contact : recrutement@mimosas.exemple.fr <candidature> *urgent* _nuit_ [CDI]")
LONG_PAYLOAD = '/inform{"commune":"Saint-Brevin-les-Pins","profession":"aide_soignant","contract_type":"cdi"}'
JOB_BUTTONS = [
    {"title": "Voir Paimbœuf", "payload": '/inform{"commune":"Paimbœuf"}'},
    {"title": "Saint-Brevin-les-Pins en CDI", "payload": LONG_PAYLOAD},
    {"title": "Parler à un coordinateur", "payload": "/request_human"},
]
LONG_QUESTION = "tout sur les métiers"
LONG_ANSWER = "\n".join(f"{n:03d}. " + "Les métiers du soin recrutent sur tout le Pays de Retz. " * 3
                        for n in range(1, 56))
GREETING = "Bonjour ! Je suis l'assistant de Côté Soin."


class FakeAssistant:
    """Stands in for Rasa's agent: records each message and answers through its output channel."""

    def __init__(self):
        self.received: List[UserMessage] = []
        self.delays: Dict[str, float] = {}

    def texts(self) -> List[str]:
        return [message.text for message in self.received]

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        await asyncio.sleep(self.delays.get(message.text, 0))
        for response in self.answer(message.text):
            await message.output_channel.send_response(message.sender_id, dict(response))

    @staticmethod
    def answer(text: str) -> List[Dict[str, Any]]:
        if text == JOB_SEARCH:
            return [{"text": JOB_ANSWER, "buttons": JOB_BUTTONS}]
        if text == LONG_QUESTION:
            return [{"text": LONG_ANSWER}]
        if text == "/greet":
            return [{"text": GREETING, "buttons": [{"title": "Offres d'emploi", "payload": "/search_jobs"}]}]
        return [{"text": f"Reçu : {text}"}]




class Harness:
    """The fake Bot API, the fake assistant and a Rasa-like Sanic server with the channel mounted."""

    def __init__(self, api: FakeBotApi, channel: TelegramInput, assistant: FakeAssistant, url: str,
                 session: aiohttp.ClientSession):
        self.api, self.channel, self.assistant, self.url, self.session = api, channel, assistant, url, session

    async def post(self, update: Any, secret: Optional[str] = SECRET, wait: bool = True) -> int:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        body = update if isinstance(update, (bytes, str)) else json.dumps(update)
        async with self.session.post(f"{self.url}/webhooks/telegram/webhook", data=body,
                                     headers={"Content-Type": "application/json", **headers}) as reply:
            status = reply.status
        if wait:
            await self.settled()
        return status

    async def settled(self) -> None:
        if self.channel.updates is not None:
            await self.channel.updates.drain()

    def sent_without_startup(self) -> List[str]:
        return [method for method in self.api.methods() if method != "getMe"]


async def _serve(channel: TelegramInput, assistant: FakeAssistant):
    """Mount the channel the way `rasa run` does (`register` under /webhooks/) and start Sanic."""
    app = Sanic(f"telegram_test_{uuid.uuid4().hex[:8]}", configure_logging=False)
    app.ctx.agent = assistant
    register([channel], app, route="/webhooks/")
    port = free_port()
    # Sanic 21.12: create_server already listens; the listeners are then triggered by hand.
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    await server.startup()
    await server.before_start()
    await server.after_start()
    return server, f"http://127.0.0.1:{port}"


async def _stop(server) -> None:
    await server.before_stop()
    server.close()
    await server.wait_closed()
    await server.after_stop()


@pytest.fixture
async def api():
    fake = await FakeBotApi(TOKEN).start()
    yield fake
    await fake.stop()


@pytest.fixture
def settings(api) -> TelegramSettings:
    return TelegramSettings(token=TOKEN, secret_token=SECRET, api_base_url=api.base_url)


@pytest.fixture
async def telegram(api, settings, monkeypatch):
    monkeypatch.setattr(Sanic, "test_mode", True)  # several apps in one process
    channel = TelegramInput(settings)
    assistant = FakeAssistant()
    server, url = await _serve(channel, assistant)
    async with aiohttp.ClientSession() as session:
        yield Harness(api, channel, assistant, url, session)
    await _stop(server)


# -- the secret ---------------------------------------------------------------------------------
async def test_an_update_with_the_right_secret_reaches_the_assistant(telegram):
    status = await telegram.post(text_update(CHAT, "Bonjour"))

    assert status == 200
    [message] = telegram.assistant.received
    assert (message.text, message.sender_id, message.input_channel) == ("Bonjour", f"telegram-{CHAT}", "telegram")
    [sent] = telegram.api.sent("sendMessage")
    assert sent["chat_id"] == CHAT and sent["text"] == "Reçu : Bonjour"
    assert "parse_mode" not in sent  # plain text: nothing in it can fail to parse


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET.upper(), SECRET + "x", SECRET[:-1], "sécret"],
                         ids=["missing", "empty", "wrong", "other-case", "longer", "shorter", "non-ascii"])
async def test_a_missing_or_wrong_secret_is_refused_and_nothing_is_processed(telegram, secret):
    status = await telegram.post(text_update(CHAT, "Bonjour"), secret=secret)

    assert status == 403
    assert telegram.assistant.received == []
    assert telegram.sent_without_startup() == []


async def test_a_refused_request_is_not_even_parsed(telegram):
    assert await telegram.post(b"{not json", secret="wrong") == 403
    assert await telegram.post(b"{not json") == 400


async def test_the_channel_checks_the_token_at_startup(telegram):
    assert telegram.api.methods() == ["getMe"]


# -- conversations ------------------------------------------------------------------------------
async def test_a_job_search_answer_comes_with_an_inline_keyboard(telegram):
    await telegram.post(text_update(CHAT, JOB_SEARCH))

    assert telegram.assistant.texts() == [JOB_SEARCH]
    [sent] = telegram.api.sent("sendMessage")
    assert sent["text"] == JOB_ANSWER  # sent as it is: <, *, _ and [ need no escaping in plain text
    keyboard = sent["reply_markup"]["inline_keyboard"]
    assert [[button["text"] for button in row] for row in keyboard] == [
        ["Voir Paimbœuf"], ["Saint-Brevin-les-Pins en CDI"], ["Parler à un coordinateur"]]
    data = [row[0]["callback_data"] for row in keyboard]
    assert data[0] == '/inform{"commune":"Paimbœuf"}' and data[2] == "/request_human"
    assert data[1] != LONG_PAYLOAD and len(data[1].encode()) <= MAX_CALLBACK_BYTES  # 64-byte limit


@pytest.mark.parametrize("button", [0, 1, 2], ids=["short-payload", "long-payload", "request-human"])
async def test_a_button_tap_is_answered_and_its_payload_sent_as_the_message(telegram, button):
    await telegram.post(text_update(CHAT, JOB_SEARCH))
    keyboard = telegram.api.sent("sendMessage")[0]["reply_markup"]["inline_keyboard"]

    tap = button_update(CHAT, keyboard[button][0]["callback_data"], message_text=JOB_ANSWER)
    await telegram.post(tap)

    [answered] = telegram.api.sent("answerCallbackQuery")
    assert answered["callback_query_id"] == tap["callback_query"]["id"]
    assert telegram.assistant.texts() == [JOB_SEARCH, JOB_BUTTONS[button]["payload"]]
    assert telegram.assistant.received[-1].sender_id == f"telegram-{CHAT}"


async def test_a_tap_on_a_forgotten_long_button_is_answered_without_guessing(telegram):
    await telegram.post(button_update(CHAT, "#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))

    assert telegram.api.methods()[-2:] == ["answerCallbackQuery", "sendMessage"]
    assert telegram.api.texts() == [texts.BUTTON_EXPIRED]
    assert telegram.assistant.received == []


async def test_a_long_answer_is_split_under_the_limit_in_order(telegram):
    assert len(LONG_ANSWER) > 9000

    await telegram.post(text_update(CHAT, LONG_QUESTION))

    parts = telegram.api.texts()
    assert len(parts) == 3
    assert all(len(part) <= 4096 for part in parts)
    assert "".join(parts) == LONG_ANSWER
    assert all(part.endswith("\n") for part in parts[:-1])  # cut between lines, not inside one


@pytest.mark.parametrize("kind, what", [("photo", "les photos"), ("voice", "les messages vocaux"),
                                        ("sticker", "les autocollants"), ("document", "les documents")])
async def test_a_non_text_message_gets_a_polite_french_answer(telegram, kind, what):
    await telegram.post(message_update(CHAT, **ATTACHMENTS[kind]))

    assert telegram.assistant.received == []
    [answer] = telegram.api.texts()
    assert answer == texts.NOT_TEXT.format(what=what)
    assert answer.startswith("Merci ! Je ne peux pas lire " + what)


async def test_a_shared_location_becomes_the_nearest_commune(telegram, loaded_db):
    near_paimboeuf = {"latitude": 47.2801, "longitude": -2.0422}

    await telegram.post(message_update(CHAT, location=near_paimboeuf))

    assert telegram.assistant.texts() == ['/inform{"commune":"Paimbœuf"}']
    assert telegram.api.texts() == [texts.LOCATION_USED.format(commune="Paimbœuf"),
                                    'Reçu : /inform{"commune":"Paimbœuf"}']


async def test_a_location_far_from_the_territory_is_not_used(telegram, loaded_db):
    paris = {"latitude": 48.8566, "longitude": 2.3522}

    await telegram.post(message_update(CHAT, location=paris))

    assert telegram.assistant.received == []
    assert telegram.api.texts() == [texts.LOCATION_FAR]


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
async def test_group_chats_are_refused_politely(telegram, chat_type):
    group = -1001234567890
    await telegram.post(text_update(group, "Bonjour le bot", chat_type=chat_type))

    assert telegram.assistant.received == []
    assert telegram.api.texts() == [texts.GROUP_REFUSED]
    assert telegram.api.sent("leaveChat") == [{"chat_id": group}]


# -- commands -----------------------------------------------------------------------------------
async def test_start_greets_explains_the_data_then_shows_the_menu(telegram):
    await telegram.post(text_update(CHAT, "/start"))

    assert telegram.assistant.texts() == ["/greet"]
    welcome, greeting = telegram.api.sent("sendMessage")
    assert welcome["text"] == texts.welcome() and "données" in welcome["text"] and "/humain" in welcome["text"]
    assert greeting["text"] == GREETING and greeting["reply_markup"]["inline_keyboard"]


@pytest.mark.parametrize("command, intent", [("/aide", "/help"), ("/aide@CoteSoinTestBot", "/help"),
                                             ("/AIDE", "/help"), ("/humain", "/request_human"),
                                             ("/humain tout de suite", "/request_human")])
async def test_commands_become_the_assistant_intents(telegram, command, intent):
    await telegram.post(text_update(CHAT, command))

    assert telegram.assistant.texts() == [intent]


@pytest.mark.parametrize("text", ["/restart", '/inform{"commune":"Vue"}', "/"])
async def test_other_commands_are_not_passed_on_as_intents(telegram, text):
    await telegram.post(text_update(CHAT, text))

    assert telegram.assistant.received == []
    assert telegram.api.texts() == [texts.UNKNOWN_COMMAND]


# -- order, retries, duplicates -----------------------------------------------------------------
async def test_answers_keep_the_order_of_the_questions(telegram):
    telegram.assistant.delays["premier"] = 0.3  # the first question takes longer to answer

    for text in ("premier", "deuxième", "troisième"):
        assert await telegram.post(text_update(CHAT, text), wait=False) == 200  # answered at once
    await telegram.settled()

    assert telegram.assistant.texts() == ["premier", "deuxième", "troisième"]
    assert telegram.api.texts() == ["Reçu : premier", "Reçu : deuxième", "Reçu : troisième"]


async def test_flood_control_is_waited_out_and_the_message_sent(telegram):
    telegram.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)

    await telegram.post(text_update(CHAT, "Bonjour"))

    assert telegram.api.texts() == ["Reçu : Bonjour", "Reçu : Bonjour"]  # refused once, then sent


async def test_messages_to_one_chat_are_paced_after_a_burst(api, settings):
    bot = make_bot(settings, rate_limiter=ChatPacedRateLimiter(chat_burst=2, chat_period=0.5))  # 2, then 1/0.25 s
    start = asyncio.get_running_loop().time()
    for n in range(4):
        await bot.send_message(CHAT, f"message {n}")
    paced = asyncio.get_running_loop().time() - start
    await bot.shutdown()

    assert paced >= 0.45  # the 3rd and 4th messages waited about 0.25 s each
    assert api.texts() == [f"message {n}" for n in range(4)]


async def test_an_update_delivered_twice_is_processed_once(telegram):
    update = text_update(CHAT, "Bonjour")

    await telegram.post(update)
    await telegram.post(update)

    assert telegram.assistant.texts() == ["Bonjour"]


async def test_edited_messages_are_not_answered(telegram):
    update = text_update(CHAT, "Bonjour")
    update["edited_message"] = update.pop("message")

    assert await telegram.post(update) == 200
    assert telegram.assistant.received == []
    assert telegram.sent_without_startup() == []


async def test_a_blocked_bot_does_not_break_the_channel(telegram):
    telegram.api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")

    await telegram.post(text_update(CHAT, "Bonjour"))
    await telegram.post(text_update(CHAT, "Encore là ?"))

    assert telegram.api.texts() == ["Reçu : Bonjour", "Reçu : Encore là ?"]


async def test_a_coordinator_reply_reaches_the_same_chat(telegram):
    """Rasa's HTTP API writes to a conversation through the channel's output channel."""
    await telegram.post(text_update(CHAT, "Bonjour"))
    sender = telegram.assistant.received[0].sender_id

    output = telegram.channel.get_output_channel()
    await output.send_response(sender, {"text": "Bonjour, ici Léa, coordinatrice de Côté Soin."})

    assert telegram.api.sent("sendMessage")[-1] == {"chat_id": CHAT,
                                                    "text": "Bonjour, ici Léa, coordinatrice de Côté Soin."}


async def test_polling_goes_through_the_webhook(telegram):
    """`cotesoin telegram poll`: getUpdates, then each update posted to the webhook with the secret."""
    telegram.api.update_batches = [[text_update(CHAT, JOB_SEARCH)], [button_update(CHAT, "/request_human")]]
    stop = asyncio.Event()
    forward = webhook_forwarder(telegram.session, f"{telegram.url}/webhooks/telegram/webhook", SECRET)

    async def forward_then_stop(update):
        await forward(update)
        if not telegram.api.update_batches:
            stop.set()

    await poll(telegram.channel.bot, forward_then_stop, stop, timeout=0)
    await telegram.settled()

    assert telegram.assistant.texts() == [JOB_SEARCH, "/request_human"]
    assert telegram.api.texts() == [JOB_ANSWER, "Reçu : /request_human"]
    assert "deleteWebhook" in telegram.api.methods() and "answerCallbackQuery" in telegram.api.methods()


# -- secrets stay out of the logs -----------------------------------------------------------------
async def test_the_token_and_secret_never_appear_in_logs(telegram, caplog):
    caplog.set_level(logging.DEBUG)

    await telegram.post(text_update(CHAT, JOB_SEARCH))
    await telegram.post(text_update(CHAT, "Bonjour"), secret="wrong")
    await telegram.post(button_update(CHAT, "/request_human"))
    await telegram.channel.start()  # logs the bot and the API it talks to

    assert "sendMessage" in caplog.text  # httpx logged the Bot API calls…
    assert "«masqué»" in caplog.text  # …with the token masked
    assert TOKEN not in caplog.text
    assert SECRET not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text


# -- configuration --------------------------------------------------------------------------------
async def test_without_a_token_the_channel_is_declared_but_inactive(caplog, monkeypatch):
    monkeypatch.setattr(Sanic, "test_mode", True)
    caplog.set_level(logging.INFO)
    channel = TelegramInput.from_credentials({"access_token": "", "secret_token": "", "api_base_url": ""})
    assistant = FakeAssistant()

    server, url = await _serve(channel, assistant)
    try:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{url}/webhooks/telegram/webhook", json=text_update(CHAT, "Bonjour"),
                                    headers={SECRET_HEADER: ""}) as reply:
                assert reply.status == 503
            async with session.get(f"{url}/webhooks/telegram/") as reply:
                assert await reply.json() == {"status": "disabled"}
    finally:
        await _stop(server)

    assert "Telegram désactivé : pas de TELEGRAM_TOKEN" in caplog.text
    assert assistant.received == []
    assert channel.get_output_channel() is None


@pytest.mark.parametrize("secret", ["", "   ", "with space", "é" * 10, "x" * 257])
def test_a_token_without_a_usable_secret_is_refused(secret):
    with pytest.raises(TelegramConfigError, match="TELEGRAM_SECRET_TOKEN"):
        TelegramInput.from_credentials({"access_token": TOKEN, "secret_token": secret})


def test_the_api_base_url_is_configurable():
    settings = from_mapping({"access_token": TOKEN, "secret_token": SECRET,
                             "api_base_url": "http://bot-api.local:8081/bot"})
    channel = TelegramInput(settings)

    assert channel.bot.base_url == f"http://bot-api.local:8081/bot{TOKEN}"
    assert TOKEN not in repr(settings) and SECRET not in repr(settings)
    assert from_mapping({"access_token": TOKEN, "secret_token": SECRET}).api_base_url == "https://api.telegram.org/bot"
