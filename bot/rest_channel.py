"""`CheckedRestInput`: Rasa's REST channel (`/webhooks/rest/webhook`, same name `rest`, same JSON
answers), declared in credentials.yml, that checks what it is sent before Rasa sees it.

    bot.rest_channel.CheckedRestInput:
      token: ${REST_CHANNEL_TOKEN}

- **Its own senders only.** The REST channel can never write into a Telegram chat's conversation
  (`telegram-<chat id>`) or a widget's (32 hexadecimal characters, issued by bot/web/channel.py):
  such ids, and the reserved prefixes, are refused (403), so a POST cannot read a Telegram user's
  search or erase their data.
- **A bearer token when set.** With REST_CHANNEL_TOKEN set, every POST needs
  `Authorization: Bearer <token>` (401 otherwise, compared in constant time). Set it whenever
  Rasa's port is reachable from beyond the machine.
- **Checked input.** The body must be a JSON object with a `sender` (text, 1 to MAX_SENDER_CHARS
  characters, no control character) and a `message` (text); `metadata`, if present, an object.
  Anything else gets 400 and a French JSON error (`{"erreur": "…"}`), never a traceback. A body over
  MAX_BODY_BYTES gets 413 before it is parsed; Rasa's own server refuses bodies over 64 KiB
  (bot/rasa_run.py).
- **Capped messages.** An empty message or one over MAX_MESSAGE_CHARS gets a French answer in the
  usual answer list, and Rasa does no work on it.
- The body's `input_channel` is ignored (always `rest`), and the `stream` option is not offered.
"""
import hmac
import json
import logging
import re
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import rasa_process
from bot.web.channel import EMPTY_MESSAGE, TOO_LONG, french_number
from knowledge.texts import text

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
MAX_BODY_BYTES = 32 * 1024
# Conversation ids other channels own: Telegram chats, widget sessions (bot/web/channel.py).
FOREIGN_SENDER = re.compile(r"(?i:telegram-.*|web-.*|[0-9a-f]{32})", re.DOTALL)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

NOT_AN_OBJECT = text("rest.not_an_object")
NO_SENDER = text("rest.no_sender")
BAD_SENDER = text("rest.bad_sender", limit=MAX_SENDER_CHARS)
FOREIGN = text("rest.foreign_sender")
NO_MESSAGE = text("rest.no_message")
BAD_METADATA = text("rest.bad_metadata")
TOO_BIG = text("rest.too_big", limit=french_number(MAX_BODY_BYTES // 1024))
NO_TOKEN = text("rest.no_token")


class BadRequest(ValueError):
    """What was sent cannot be a message; `status` and the French reason go back as JSON."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def _error(status: int, reason: str) -> HTTPResponse:
    return response.json({"erreur": reason}, status=status, ensure_ascii=False)


def checked_body(raw: bytes) -> Tuple[str, str, Dict[str, Any]]:
    """(sender, message, metadata) from the request body, or BadRequest."""
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest(413, TOO_BIG)
    try:
        body = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise BadRequest(400, NOT_AN_OBJECT)
    sender = body.get("sender")
    if sender is None:
        raise BadRequest(400, NO_SENDER)
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS or CONTROL.search(sender):
        raise BadRequest(400, BAD_SENDER)
    if FOREIGN_SENDER.fullmatch(sender):
        raise BadRequest(403, FOREIGN)
    message = body.get("message")
    if not isinstance(message, str):
        raise BadRequest(400, NO_MESSAGE)
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest(400, BAD_METADATA)
    return sender, message, metadata or {}


def message_refusal(message: str) -> Optional[str]:
    """The French answer to an empty or over-long message, or None if it can go to Rasa."""
    text = message.strip()
    if not text:
        return EMPTY_MESSAGE
    if len(text) > MAX_MESSAGE_CHARS:
        return TOO_LONG.format(length=french_number(len(text)), limit=french_number(MAX_MESSAGE_CHARS))
    return None


class CheckedRestInput(InputChannel):
    """Rasa's REST channel with owned senders, an optional bearer token and checked input."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "CheckedRestInput":
        return cls(token=str((credentials or {}).get("token") or ""))

    def __init__(self, token: str = "") -> None:
        self.token = token

    def _authorised(self, request: Request) -> bool:
        if not self.token:
            return True
        header = request.headers.get("Authorization", "")
        scheme, _, sent = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), self.token.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("checked_rest_webhook", __name__)
        webhook.listener(rasa_process.set_loaded_model_apart, "after_server_start")

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return _error(401, NO_TOKEN)
            try:
                sender, message, metadata = checked_body(request.body or b"")
            except BadRequest as refused:
                logger.info("canal REST : requête refusée (%s) : %s", refused.status, refused.reason)
                return _error(refused.status, refused.reason)
            refusal = message_refusal(message)
            if refusal is not None:
                return response.json([{"recipient_id": sender, "text": refusal}], ensure_ascii=False)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(message.strip(), collector, sender, input_channel=self.name(),
                                                 metadata=metadata))
            except Exception:  # as Rasa's channel: the person gets what was said so far
                logger.exception("canal REST : le message de %s n'a pas pu être traité", sender)
            return response.json(collector.messages)

        return webhook
