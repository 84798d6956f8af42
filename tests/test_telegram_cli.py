"""`cotesoin telegram set-webhook` and `cotesoin telegram poll`, against the fake Bot API server."""
import asyncio

import pytest
from telegram import Update

from bot import cli
from bot.telegram import cli as telegram_cli
from bot.telegram.app import make_bot
from bot.telegram.cli import ALLOWED_UPDATES, CommandFailed, poll, set_webhook, webhook_url
from bot.telegram.settings import TelegramSettings
from tests.data.telegram.fake_bot_api import FakeBotApi, text_update

TOKEN = "987654321:AAH-cli-test-token"
SECRET = "cli_secret-token"
DEFAULT = TelegramSettings(token=TOKEN, secret_token=SECRET)


@pytest.fixture
async def api():
    fake = await FakeBotApi(TOKEN).start()
    yield fake
    await fake.stop()


@pytest.fixture
def settings(api) -> TelegramSettings:
    return TelegramSettings(token=TOKEN, secret_token=SECRET, api_base_url=api.base_url)


@pytest.mark.parametrize("given, expected", [
    ("https://guichet.exemple.fr", "https://guichet.exemple.fr/webhooks/telegram/webhook"),
    ("https://guichet.exemple.fr/", "https://guichet.exemple.fr/webhooks/telegram/webhook"),
    ("https://guichet.exemple.fr/webhooks/telegram/webhook", "https://guichet.exemple.fr/webhooks/telegram/webhook"),
    ("https://exemple.fr:8443/tg/hook", "https://exemple.fr:8443/tg/hook"),  # behind a proxy: kept as given
])
def test_the_webhook_address(given, expected):
    assert webhook_url(given, DEFAULT) == expected


@pytest.mark.parametrize("given", ["", "guichet.exemple.fr", "ftp://exemple.fr", "http://guichet.exemple.fr"])
def test_a_webhook_address_telegram_would_refuse(given):
    with pytest.raises(CommandFailed):
        webhook_url(given, DEFAULT)


def test_plain_http_is_allowed_with_a_self_hosted_bot_api_server():
    local = TelegramSettings(token=TOKEN, secret_token=SECRET, api_base_url="http://127.0.0.1:8081/bot")
    assert webhook_url("http://rasa:5005", local) == "http://rasa:5005/webhooks/telegram/webhook"


async def test_set_webhook_registers_the_url_with_the_secret(api, settings):
    summary = await set_webhook(settings, "https://guichet.exemple.fr")

    [registered] = api.sent("setWebhook")
    assert registered["url"] == "https://guichet.exemple.fr/webhooks/telegram/webhook"
    assert registered["secret_token"] == SECRET
    assert registered["allowed_updates"] == ALLOWED_UPDATES
    assert "@CoteSoinTestBot" in summary and "https://guichet.exemple.fr/webhooks/telegram/webhook" in summary
    assert SECRET not in summary and TOKEN not in summary


async def test_a_refused_token_is_reported_without_showing_it(api):
    wrong = TelegramSettings(token="111:wrong-token", secret_token=SECRET, api_base_url=api.base_url)

    with pytest.raises(CommandFailed) as failure:
        await set_webhook(wrong, "https://guichet.exemple.fr")

    assert "BotFather" in str(failure.value) and "wrong-token" not in str(failure.value)
    assert failure.value.__cause__ is None and failure.value.__suppress_context__


async def test_poll_removes_the_webhook_and_forwards_updates_in_order(api, settings):
    first, second, third = (text_update(42, text) for text in ("un", "deux", "trois"))
    api.update_batches = [[first, second], [third]]
    forwarded, stop = [], asyncio.Event()

    async def forward(update):
        forwarded.append(update)
        if len(forwarded) == 3:
            stop.set()

    bot = make_bot(settings)
    count = await poll(bot, forward, stop, timeout=0)
    await bot.shutdown()

    assert count == 3
    assert [u["message"]["text"] for u in forwarded] == ["un", "deux", "trois"]
    # python-telegram-bot's reading of the update: what the webhook will read again
    assert forwarded[0] == Update.de_json(first, None).to_dict()
    assert api.methods()[0] == "deleteWebhook"
    offsets = [call.get("offset") for call in api.sent("getUpdates")]
    assert offsets == [None, second["update_id"] + 1]


def test_the_commands_are_part_of_cotesoin(monkeypatch, capsys):
    monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", SECRET)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9/bot")
    settings = TelegramSettings(token=TOKEN, secret_token=SECRET, api_base_url="http://127.0.0.1:9/bot")
    calls = []

    async def fake_set_webhook(settings, url, drop_pending=False):
        calls.append((settings, url, drop_pending))
        return "Webhook enregistré"

    monkeypatch.setattr(telegram_cli, "set_webhook", fake_set_webhook)
    assert cli.main(["telegram", "set-webhook", "https://guichet.exemple.fr", "--drop-pending"]) == 0
    assert calls == [(settings, "https://guichet.exemple.fr", True)]
    assert "Webhook enregistré" in capsys.readouterr().out


@pytest.mark.parametrize("command", [["telegram", "set-webhook", "https://guichet.exemple.fr"], ["telegram", "poll"]])
def test_the_commands_explain_a_missing_token(command, monkeypatch, capsys):
    monkeypatch.setenv("TELEGRAM_TOKEN", "")

    assert cli.main(command) == 1
    assert "TELEGRAM_TOKEN n'est pas défini" in capsys.readouterr().err


def test_the_commands_refuse_a_token_without_secret(monkeypatch, capsys):
    monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", "")

    assert cli.main(["telegram", "poll"]) == 1
    assert "TELEGRAM_SECRET_TOKEN" in capsys.readouterr().err
