"""How the assistant's answers reach a Telegram chat.

Texts go out as plain text (no parse_mode), so no character can make Telegram refuse a message;
long texts are split under the 4 096-character limit; buttons become an inline keyboard on the
last part. Rasa awaits each send, so the messages of one turn arrive in order.
"""
import json
from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import OutputChannel
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.telegram.formatting import CallbackPayloads, inline_keyboard, split_text
from bot.telegram.logs import logger
from knowledge.texts import text as message_text

SENDER_PREFIX = "telegram-"


def sender_id(chat_id: int) -> str:
    """The Rasa conversation id of a Telegram chat: stable, so a coordinator's reply finds it."""
    return f"{SENDER_PREFIX}{chat_id}"


def chat_id(recipient_id: str) -> int:
    """The Telegram chat of a Rasa conversation id made by `sender_id` (or a bare chat id)."""
    value = str(recipient_id)
    if value.startswith(SENDER_PREFIX):
        value = value[len(SENDER_PREFIX):]
    return int(value)


class TelegramOutput(OutputChannel):
    """Sends Rasa's responses with a python-telegram-bot Bot."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, bot: Bot, payloads: CallbackPayloads):
        self.bot = bot
        self.payloads = payloads

    async def _send(self, recipient_id: str, text: str, reply_markup: Optional[InlineKeyboardMarkup] = None) -> None:
        parts = split_text(text)
        if not parts and reply_markup is not None:
            parts = [message_text("telegram.choose")]
        chat = chat_id(recipient_id)
        for index, part in enumerate(parts):
            markup = reply_markup if index == len(parts) - 1 else None
            try:
                await self.bot.send_message(chat, part, reply_markup=markup)
            except TelegramError as error:
                # e.g. Forbidden when the person blocked the bot; the rest of this answer would not help.
                logger.warning("Telegram : envoi impossible au chat %s (%s: %s)", chat, type(error).__name__, error)
                return

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, text)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]],
                                     **kwargs: Any) -> None:
        await self._send(recipient_id, text, inline_keyboard(buttons, self.payloads))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        try:
            await self.bot.send_photo(chat_id(recipient_id), image)
        except TelegramError as error:
            logger.warning("Telegram : image non envoyée (%s: %s)", type(error).__name__, error)
            await self._send(recipient_id, image)

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        """Only a custom payload's "text" (and "buttons") are shown; anything else is not for Telegram."""
        text = json_message.get("text")
        if isinstance(text, str):
            buttons = json_message.get("buttons") or []
            await self._send(recipient_id, text, inline_keyboard(buttons, self.payloads) if buttons else None)
        else:
            logger.debug("Telegram : message personnalisé ignoré (%s)", json.dumps(json_message)[:200])
