"""Conversations while a coordinator holds them, for the channels (the widget's bot/web/channel.py,
Telegram's bot/telegram/updates.py).

While a request is claimed in the console, what the person writes is for the coordinator; only the
commands of knowledge/partners/vocabulary.yml (`commands_while_held`) are for the assistant. « stop » and
« supprimer mes données » end the exchange: the request is closed (outcome `ended_by_person`) and
the conversation given back to the assistant through Rasa's HTTP API, as the console does.

Safety comes first even then: a message naming a medical emergency or distress (knowledge/safety.yml)
still reaches the coordinator, and the assistant answers it at once with the 15 / 112 or the 3114
(`safety_answer`), said in the conversation through Rasa's HTTP API so that the coordinator reads it
too; Rasa, paused, would not answer it.
"""
import asyncio
import logging
import re
from functools import lru_cache
from typing import Any, Dict, List, Optional

import aiohttp
from sqlalchemy.exc import SQLAlchemyError
from unidecode import unidecode

from bot import settings as bot_settings
from knowledge import cues
from knowledge.coordination import handoff
from knowledge.partners import vocabulary
from knowledge.texts import text as message_text

logger = logging.getLogger(__name__)

# Metadata of a message written to the coordinator (components/for_coordinator.py reads it).
FOR_COORDINATOR = "for_coordinator"  # components/for_coordinator.py
STOP, ERASE = "stop", "erase"


@lru_cache(maxsize=1)
def _commands() -> Dict[str, tuple]:
    return {name: tuple(_plain(p) for p in phrases)
            for name, phrases in vocabulary.vocabulary()["commands_while_held"].items()}


def _plain(value: str) -> str:
    """Lower case, no accents, punctuation as spaces (the slash of a button's payload kept)."""
    return " ".join(re.sub(r"[^a-z0-9/_]+", " ", unidecode(value).lower()).split())


def command(message: str) -> Optional[str]:
    """`STOP`, `ERASE` or None: what a message written during a hand-over asks of the assistant.

    A one-word command counts only as the whole message (« stop », not « je veux stopper… »); a
    longer one also at the start of the message (« supprimer mes données svp »)."""
    said = _plain(message)
    for name, phrases in _commands().items():
        for phrase in phrases:
            if said == phrase or (" " in phrase and said.startswith(phrase + " ")):
                return name
    return None


async def holder(sender_id: str) -> Optional[handoff.Holder]:
    """Who holds the conversation now; None when nobody does or the database cannot say (logged)."""
    try:
        return await asyncio.to_thread(handoff.held_by, sender_id)
    except SQLAlchemyError as error:
        logger.error("Base des demandes illisible, message traité par l'assistant : %s", error)
        return None


async def state(sender_id: str) -> Optional[Dict[str, Any]]:
    """What the widget shows about a hand-over on connecting: requested, held (by whom) or none."""
    try:
        request = await asyncio.to_thread(handoff.current_request, sender_id)
    except SQLAlchemyError as error:
        logger.error("Base des demandes illisible : %s", error)
        return None
    if request is None:
        return {"handoff": "closed"}
    if request.status == handoff.CLAIMED and request.claimed_by:
        return {"handoff": "joined", "coordinator": request.claimed_by}
    return {"handoff": "requested"}


def end_failed() -> str:
    return message_text("handoff_end_failed")


async def end(sender_id: str, held: handoff.Holder, what: str) -> bool:
    """Close the held request for the person and give the conversation back to the assistant.

    False (nothing changed) when Rasa did not take it."""
    # Imported here: the console's package is not needed by the Rasa server otherwise.
    from bot.web.console.rasa import RasaConversations, RasaUnavailable

    settings = bot_settings.load()
    said = message_text("handoff_ended_by_person", coordinator=held.coordinator, request_id=held.request_id)
    async with aiohttp.ClientSession() as client:
        try:
            await RasaConversations(client, settings.rasa_url, settings.rasa_token).leave(
                sender_id, held.coordinator, closed=True, message=said)
        except RasaUnavailable:
            return False
    await asyncio.to_thread(handoff.end_by_person, held.request_id, what)
    return True


def safety_answer(message: str, held: handoff.Holder) -> List[str]:
    """What the assistant says first to a message for the coordinator that names an emergency (the
    15 / 112) or distress (the 3114, and that the coordinator reads it); nothing otherwise."""
    found = cues.safety_found(message)
    if found is None:
        return []
    if found.value == "emergency":
        return [message_text("safety_emergency")]
    return [message_text("safety_distress"), message_text("safety_coordinator_reads", coordinator=held.coordinator)]


async def say_safety(sender_id: str, said: List[str]) -> bool:
    """`said` in the conversation, as the assistant's, on the person's channel (Rasa's HTTP API, so the
    console shows it too). False when Rasa did not take it: the channel then says it itself."""
    from bot.web.console.rasa import RasaConversations, RasaUnavailable

    settings = bot_settings.load()
    async with aiohttp.ClientSession() as client:
        try:
            await RasaConversations(client, settings.rasa_url, settings.rasa_token).append(
                sender_id, [{"event": "bot", "text": line} for line in said])
        except RasaUnavailable:
            return False
    return True
