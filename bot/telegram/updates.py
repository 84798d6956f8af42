"""What an incoming Telegram update becomes.

`TelegramUpdates.receive` is the webhook's whole logic: it checks the secret header first (nothing
is parsed or processed without it), parses the update with python-telegram-bot, and hands it to a
background task so that Telegram gets its 200 at once. Tasks of one chat run one after the other,
in the order the updates arrived, so the answers keep the order of the questions.
"""
import asyncio
import hmac
import json
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, Optional, Set

from rasa.core.channels.channel import UserMessage
from telegram import Bot, CallbackQuery, Message, Update
from telegram.constants import ChatType, MessageAttachmentType
from telegram.error import TelegramError

from bot import held
from bot.telegram import documents, texts
from bot.telegram.formatting import CallbackPayloads
from bot.telegram.logs import logger
from bot.telegram.output import TelegramOutput, sender_id
from bot.telegram.settings import TelegramSettings
from knowledge.partners import queries

# Commands (after "/") and what the assistant receives for them (intents of domain.yml).
COMMANDS = {
    "aide": "/help",
    "help": "/help",
    "menu": "/help",
    "humain": "/request_human",
    "supprimer": "/erase_my_data",
    "stop_alertes": "/stop_alerts",
}
START_INTENT = "/greet"
# A shared location farther than this from every commune is not taken as a search area.
LOCATION_RADIUS_KM = 30.0
_RECENT_UPDATES = 1000


def secret_matches(header: Optional[str], secret: str) -> bool:
    """Constant-time comparison of the X-Telegram-Bot-Api-Secret-Token header with our secret."""
    if not header or not secret:
        return False
    return hmac.compare_digest(header.encode("utf-8"), secret.encode("utf-8"))


def attachment_kind(message: Message) -> Optional[str]:
    """What a non-text message carries ("photo", "voice", …), None for service messages."""
    for kind in texts.ATTACHMENTS:  # in this order: an animation also has a document
        if getattr(message, kind, None):
            return kind
    for kind in MessageAttachmentType:
        if getattr(message, str(kind), None):
            return str(kind)
    return None


class TelegramUpdates:
    """Turns updates into messages for the assistant and answers what the assistant does not need to see."""

    def __init__(self, settings: TelegramSettings, bot: Bot, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                 payloads: CallbackPayloads, location_radius_km: float = LOCATION_RADIUS_KM):
        self.settings = settings
        self.bot = bot
        self.on_new_message = on_new_message
        self.payloads = payloads
        self.output = TelegramOutput(bot, payloads)
        self.location_radius_km = location_radius_km
        self._chat_locks: Dict[int, asyncio.Lock] = {}
        self._chat_pending: Dict[int, int] = {}
        self._tasks: Set[asyncio.Task] = set()
        self._recent: "OrderedDict[int, None]" = OrderedDict()

    # -- the webhook -----------------------------------------------------------------------------
    async def receive(self, body: bytes, secret_header: Optional[str]) -> int:
        """Check, parse and schedule one update; returns the HTTP status to answer Telegram with."""
        if not secret_matches(secret_header, self.settings.secret_token):
            logger.warning("Telegram : requête refusée, en-tête %s absent ou faux",
                           "X-Telegram-Bot-Api-Secret-Token")
            return 403
        try:
            data = json.loads(body)
            update = Update.de_json(data, self.bot)
        except Exception as error:  # authenticated, yet not an update python-telegram-bot can read
            logger.warning("Telegram : mise à jour illisible (%s)", type(error).__name__)
            return 400
        if update is None or self._already_seen(update.update_id):
            return 200
        chat = update.effective_chat
        if chat is None:  # inline queries, polls…: nothing to answer
            return 200
        task = asyncio.create_task(self._in_chat_order(chat.id, update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return 200

    async def drain(self) -> None:
        """Wait until every scheduled update has been processed (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _already_seen(self, update_id: int) -> bool:
        """Telegram delivers again an update whose webhook call failed: process it once."""
        if update_id in self._recent:
            return True
        self._recent[update_id] = None
        while len(self._recent) > _RECENT_UPDATES:
            self._recent.popitem(last=False)
        return False

    async def _in_chat_order(self, chat_id: int, update: Update) -> None:
        lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
        self._chat_pending[chat_id] = self._chat_pending.get(chat_id, 0) + 1
        try:
            async with lock:  # asyncio.Lock is fair: tasks get it in the order they asked
                await self.process(update)
        except Exception:
            logger.exception("Telegram : échec du traitement de la mise à jour %s", update.update_id)
        finally:
            self._chat_pending[chat_id] -= 1
            if not self._chat_pending[chat_id]:
                del self._chat_pending[chat_id], self._chat_locks[chat_id]

    # -- one update ------------------------------------------------------------------------------
    async def process(self, update: Update) -> None:
        if update.callback_query is not None:
            await self._on_button(update.callback_query)
            return
        message = update.message
        if message is None:  # edited messages, channel posts, live location moves: not answered
            return
        if message.chat.type != ChatType.PRIVATE:
            await self._refuse_group(message.chat.id)
        elif message.text is not None:
            await self._on_text(message.chat.id, message.text)
        elif message.location is not None:
            await self._on_location(message.chat.id, message.location.latitude, message.location.longitude)
        else:
            if message.document is not None and await documents.offer_cv(
                    self.bot, sender_id(message.chat.id), message.document,
                    lambda text: self.say(message.chat.id, text), lambda text: self.forward(message.chat.id, text)):
                return
            kind = attachment_kind(message)
            if kind is not None:
                what = texts.ATTACHMENTS.get(kind, texts.OTHER_ATTACHMENT)
                await self.say(message.chat.id, texts.NOT_TEXT.format(what=what))

    async def say(self, chat_id: int, text: str) -> None:
        await self.output.send_text_message(sender_id(chat_id), text)

    async def forward(self, chat_id: int, text: str) -> None:
        """The person's message (or the payload of their choice) to the assistant; while a coordinator
        holds the conversation, to the coordinator, except « stop » and « supprimer mes données »
        (bot/held.py); an emergency or distress then also gets its numbers at once."""
        sender, metadata, safety = sender_id(chat_id), {}, []
        holder = await held.holder(sender)
        if holder is not None:
            command = held.command(text)
            if command is None:
                metadata[held.FOR_COORDINATOR] = True
                safety = held.safety_answer(text, holder)
            elif not await held.end(sender, holder, command):
                await self.say(chat_id, held.end_failed())
                return
            elif command == held.STOP:
                return
        await self.on_new_message(UserMessage(text, self.output, sender, input_channel="telegram", metadata=metadata))
        if safety and not await held.say_safety(sender, safety):  # an emergency, even to the coordinator
            for line in safety:
                await self.say(chat_id, line)

    async def _on_text(self, chat_id: int, text: str) -> None:
        text = text.strip()
        if not text.startswith("/"):
            await self.forward(chat_id, text)
            return
        # A command: "/aide", "/aide@CoteSoinBot", "/start parametre". Never passed on as it is,
        # since Rasa would read "/anything" as an intent.
        command = text[1:].split(maxsplit=1)[0].split("@")[0].lower() if len(text) > 1 else ""
        if command == "start":
            await self.say(chat_id, texts.welcome())
            await self.forward(chat_id, START_INTENT)
        elif command in COMMANDS:
            await self.forward(chat_id, COMMANDS[command])
        else:
            await self.say(chat_id, texts.UNKNOWN_COMMAND)

    async def _on_button(self, query: CallbackQuery) -> None:
        try:
            await self.bot.answer_callback_query(query.id)  # stops the button's spinner
        except TelegramError as error:  # e.g. too old: the choice still counts
            logger.info("Telegram : réponse au bouton impossible (%s)", type(error).__name__)
        chat = query.message.chat if query.message is not None else None
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        payload = self.payloads.decode(query.data or "")
        if not payload:
            await self.say(chat.id, texts.BUTTON_EXPIRED)
            return
        await self.forward(chat.id, payload)

    async def _on_location(self, chat_id: int, latitude: float, longitude: float) -> None:
        try:
            commune = await asyncio.to_thread(queries.nearest_commune, latitude, longitude,
                                              within_km=self.location_radius_km)
        except queries.NotFound:
            await self.say(chat_id, texts.LOCATION_FAR)
            return
        except Exception:
            logger.exception("Telegram : commune la plus proche introuvable")
            await self.say(chat_id, texts.LOCATION_FAILED)
            return
        await self.say(chat_id, texts.LOCATION_USED.format(commune=commune))
        # The payload format of the domain's buttons: /inform{"commune":"Paimbœuf"}
        entities = json.dumps({"commune": commune}, ensure_ascii=False, separators=(",", ":"))
        await self.forward(chat_id, f"/inform{entities}")

    async def _refuse_group(self, chat_id: int) -> None:
        """Conversations are personal: say so once, then leave the group."""
        await self.say(chat_id, texts.GROUP_REFUSED)
        try:
            await self.bot.leave_chat(chat_id)
        except TelegramError as error:
            logger.info("Telegram : impossible de quitter le groupe %s (%s)", chat_id, type(error).__name__)
