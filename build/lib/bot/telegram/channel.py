"""`TelegramInput`: the custom Rasa input channel declared in credentials.yml.

    bot.telegram.channel.TelegramInput:
      access_token: ${TELEGRAM_TOKEN}
      secret_token: ${TELEGRAM_SECRET_TOKEN}
      api_base_url: ${TELEGRAM_API_BASE_URL}

Rasa mounts the blueprint under /webhooks/telegram: POST /webhooks/telegram/webhook receives the
updates (403 without the right X-Telegram-Bot-Api-Secret-Token header), GET /webhooks/telegram/
says whether the channel is active. Without a token the channel is declared but inactive.
"""
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram.error import InvalidToken, TelegramError
from telegram.ext import ExtBot

from bot.telegram import logs
from bot.telegram import settings as telegram_settings
from bot.telegram.app import make_bot
from bot.telegram.formatting import CallbackPayloads
from bot.telegram.logs import logger
from bot.telegram.output import TelegramOutput
from bot.telegram.settings import SECRET_HEADER, TelegramSettings
from bot.telegram.updates import TelegramUpdates


class TelegramInput(InputChannel):
    """Telegram over python-telegram-bot, webhook mode (polling goes through the same webhook)."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TelegramInput":
        return cls(telegram_settings.from_mapping(credentials or {}))

    def __init__(self, settings: TelegramSettings, bot: Optional[ExtBot] = None):
        self.settings = settings.check()
        self.payloads = CallbackPayloads()
        self._bot = bot
        self.updates: Optional[TelegramUpdates] = None
        if settings.enabled:
            logs.hide([settings.token, settings.secret_token])
        else:
            logger.info("Telegram désactivé : pas de TELEGRAM_TOKEN")

    @property
    def bot(self) -> ExtBot:
        """The Bot API client, made on first use (inside the server's event loop)."""
        if self._bot is None:
            self._bot = make_bot(self.settings)
        return self._bot

    async def start(self) -> None:
        """Check the token with getMe; the channel keeps running if Telegram cannot be reached yet."""
        try:
            await self.bot.initialize()
            logger.info("Telegram actif : bot @%s, API %s", self.bot.username, self.settings.api_base_url)
        except InvalidToken:
            logger.error("Telegram : TELEGRAM_TOKEN refusé par l'API Bot (%s)", self.settings.api_base_url)
        except TelegramError as error:
            logger.warning("Telegram : API Bot injoignable au démarrage (%s: %s) ; nouvel essai à chaque envoi",
                           type(error).__name__, error)

    async def stop(self) -> None:
        if self.updates is not None:
            await self.updates.drain()
        if self._bot is not None:
            await self._bot.shutdown()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("telegram_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.settings.enabled else "disabled"})

        if not self.settings.enabled:
            @blueprint.route("/webhook", methods=["POST"])
            async def disabled(_: Request) -> HTTPResponse:
                return response.text("Telegram désactivé", status=503)

            return blueprint

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if self.updates is None:
                self.updates = TelegramUpdates(self.settings, self.bot, on_new_message, self.payloads)
            status = await self.updates.receive(request.body, request.headers.get(SECRET_HEADER))
            return response.text({200: "ok", 400: "mise à jour illisible", 403: "interdit"}.get(status, ""),
                                 status=status)

        @blueprint.listener("before_server_start")
        async def start(app, loop) -> None:
            await self.start()

        @blueprint.listener("after_server_stop")
        async def stop(app, loop) -> None:
            await self.stop()

        return blueprint

    def get_output_channel(self) -> Optional[TelegramOutput]:
        """Lets Rasa's HTTP API (e.g. a coordinator's message) write to the chat of a conversation."""
        if not self.settings.enabled:
            return None
        return TelegramOutput(self.bot, self.payloads)
