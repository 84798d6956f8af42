"""The unclaimed-request reminders that Rasa lost, sent from the web site.

A request for a coordinator made during office hours schedules a Rasa reminder: after
`claim_delay_minutes`, if nobody took the request, the assistant offers a call back
(actions/handoff.py). Rasa keeps its reminders in memory, so a restart loses them. Every minute the
site looks for open requests without a contact, made while the coordinators were at work, whose
reminder is `GRACE` overdue and was never handled, and triggers it through Rasa's HTTP API on the
channel the person last used. The action that answers marks the request
(`knowledge.coordination.handoff.mark_reminded`): whichever comes first, a person gets one reminder per request.
A reminder more than `MAX_LATE` late is not sent (the request is in the coordinators' queue anyway).
When Rasa cannot be reached, the next round tries again.
"""
import asyncio
import logging
from datetime import datetime, timedelta, timezone
from typing import AsyncIterator, List, Optional

from aiohttp import web

from bot.web.console.keys import RASA, STOPPING
from bot.web.console.rasa import RasaConversations, RasaUnavailable
from knowledge.coordination import handoff, handoff_settings

logger = logging.getLogger(__name__)

ROUND_SECONDS = 60.0
GRACE = timedelta(minutes=2)
MAX_LATE = timedelta(hours=24)


async def send_overdue(rasa: RasaConversations, now: Optional[datetime] = None) -> List[int]:
    """Trigger the reminders Rasa should have sent by `now`; the ids of the requests Rasa took."""
    settings = handoff_settings.settings()
    delay = handoff_settings.claim_delay(settings)
    utc = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(tzinfo=None)  # like created_at
    overdue = await asyncio.to_thread(handoff.overdue_reminders, utc - delay - MAX_LATE, utc - delay - GRACE,
                                      settings.is_open)
    sent = []
    for request in overdue:
        try:
            await rasa.trigger(request.sender_id, handoff_settings.REMINDER_INTENT,
                               {handoff_settings.REQUEST_ENTITY: str(request.id)})
        except RasaUnavailable:
            logger.warning("Rappel de la demande n° %s non envoyé (Rasa injoignable) : nouvel essai dans %.0f s",
                           request.id, ROUND_SECONDS)
            break
        logger.info("Rappel de la demande n° %s envoyé (celui de Rasa a été perdu)", request.id)
        sent.append(request.id)
    return sent


async def _rounds(app: web.Application) -> None:
    stopping: asyncio.Event = app[STOPPING]
    while not stopping.is_set():
        try:
            await send_overdue(app[RASA])
        except Exception:  # noqa: BLE001 - a database hiccup must not end the rounds
            logger.exception("Recherche des rappels en retard impossible ; nouvel essai dans %.0f s", ROUND_SECONDS)
        try:
            await asyncio.wait_for(stopping.wait(), ROUND_SECONDS)
        except asyncio.TimeoutError:
            pass


async def background(app: web.Application) -> AsyncIterator[None]:
    """aiohttp cleanup context: the rounds run while the site does."""
    task = asyncio.create_task(_rounds(app))
    yield
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
