"""The queue of requests and one request: transcript, criteria, matching data; claim, reply, note, close.

Database calls are synchronous (SQLAlchemy), so they run in a worker thread.
"""
import asyncio
from typing import Any, Dict, List

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session

from bot.web.console.auth import csrf_token, current
from bot.web.console.keys import RASA
from bot.web.console.rasa import RasaUnavailable
from knowledge import handoff, plans, queries, transcripts
from knowledge.handoff import OUTCOMES, Conflict
from knowledge.naming import ANY

MAX_REPLY_CHARS = 2000
# Which resources to show beside a conversation, by the topic the assistant was on.
TOPIC_RESOURCES = {
    "housing": ("Logements", queries.find_housing),
    "childcare": ("Modes de garde", queries.find_childcare),
    "mobility": ("Mobilité", queries.find_mobility),
    "discovery": ("Événements à venir", queries.upcoming_events),
    "installation": ("Structures et guichets", queries.find_structures),
    "partners": ("Structures partenaires", queries.find_structures),
    "spouse_job": ("Structures partenaires", queries.find_structures),
}


def _criterion(criteria: Dict[str, Any], name: str):
    value = criteria.get(name)
    return None if value in (None, "", ANY) else value


def matching(criteria: Dict[str, Any], topic: str) -> Dict[str, Any]:
    """Openings for the user's criteria, and the resources of their topic in their commune."""
    communes = [_criterion(criteria, "commune")] if _criterion(criteria, "commune") else None
    openings = queries.find_openings(profession=_criterion(criteria, "profession"), communes=communes,
                                     contract=_criterion(criteria, "contract_type"),
                                     work_time=_criterion(criteria, "work_time"), limit=10)
    title, find = TOPIC_RESOURCES.get(topic, ("Structures partenaires", queries.find_structures))
    return {"openings": openings, "resources_title": title, "resources": find(communes=communes)[:10]}


async def _request_or_404(request: web.Request) -> handoff.RequestInfo:
    try:
        return await asyncio.to_thread(handoff.get_request, int(request.match_info["id"]))
    except (ValueError, queries.NotFound):
        raise web.HTTPNotFound()


@aiohttp_jinja2.template("console/queue.html")
async def queue_page(request: web.Request) -> dict:
    return {"requests": await asyncio.to_thread(handoff.open_requests), "csrf": await csrf_token(request)}


@aiohttp_jinja2.template("console/_queue.html")
async def queue_fragment(request: web.Request) -> dict:
    return {"requests": await asyncio.to_thread(handoff.open_requests), "csrf": await csrf_token(request)}


async def _page_data(request: web.Request, item: handoff.RequestInfo) -> Dict[str, Any]:
    lines, found, trail, plan = await asyncio.gather(
        asyncio.to_thread(transcripts.transcript, item.sender_id),
        asyncio.to_thread(matching, item.criteria, item.topic),
        asyncio.to_thread(handoff.audit_trail, item.id),
        asyncio.to_thread(plans.case_file, item.id),
    )
    return {"item": item, "lines": lines, "matching": found, "trail": trail, "outcomes": OUTCOMES, "plan": plan,
            "csrf": await csrf_token(request), "error": (await get_session(request)).pop("flash", None),
            "mine": item.claimed_by_id == current(request).id, "max_reply": MAX_REPLY_CHARS}


@aiohttp_jinja2.template("console/request.html")
async def request_page(request: web.Request) -> dict:
    return await _page_data(request, await _request_or_404(request))


@aiohttp_jinja2.template("console/_transcript.html")
async def transcript_fragment(request: web.Request) -> dict:
    item = await _request_or_404(request)
    return {"lines": await asyncio.to_thread(transcripts.transcript, item.sender_id)}


async def _back(request: web.Request, item_id: int, error: str = "") -> web.HTTPSeeOther:
    """Back to the request's page, with the error (if any) shown once there."""
    if error:
        (await get_session(request))["flash"] = error
    return web.HTTPSeeOther(f"/console/demandes/{item_id}")


async def claim(request: web.Request) -> web.StreamResponse:
    item = await _request_or_404(request)
    me = current(request)
    try:
        item = await asyncio.to_thread(handoff.claim, item.id, me.id)
    except Conflict as error:
        raise await _back(request, item.id, str(error))
    try:
        await request.app[RASA].join(item.sender_id, me.name)
    except RasaUnavailable as error:
        await asyncio.to_thread(handoff.release, item.id, me.id)
        raise await _back(request, item.id, str(error))
    raise await _back(request, item.id)


async def release(request: web.Request) -> web.StreamResponse:
    """Put a held request back in the queue; the assistant answers the user again meanwhile."""
    item = await _request_or_404(request)
    me = current(request)
    try:
        await asyncio.to_thread(handoff.check_held, item.id, me.id)
        await request.app[RASA].leave(item.sender_id, me.name)
        await asyncio.to_thread(handoff.release, item.id, me.id)
    except (Conflict, RasaUnavailable) as error:
        raise await _back(request, item.id, str(error))
    raise web.HTTPSeeOther("/console")


async def reply(request: web.Request) -> web.StreamResponse:
    """Send a message to the user; the page sends it with fetch (JSON answer), or as a plain form."""
    item = await _request_or_404(request)
    error = await _send_reply(request, item, str((await request.post()).get("message", "")).strip())
    if request.headers.get("X-Requested-With") == "fetch":
        return web.json_response({"ok": not error, "error": error}, status=409 if error else 200)
    raise await _back(request, item.id, error)


async def _send_reply(request: web.Request, item: handoff.RequestInfo, message: str) -> str:
    """'' when sent, else what went wrong, in French."""
    me = current(request)
    if not message:
        return "Le message est vide : rien n'a été envoyé."
    if len(message) > MAX_REPLY_CHARS:
        return f"Message trop long ({len(message)} caractères, {MAX_REPLY_CHARS} au plus) : rien n'a été envoyé."
    try:
        await asyncio.to_thread(handoff.check_held, item.id, me.id)
        await request.app[RASA].reply(item.sender_id, me.name, message)
    except (Conflict, RasaUnavailable) as error:
        return str(error)
    await asyncio.to_thread(handoff.record_reply, item.id, me.id, message)
    return ""


async def note(request: web.Request) -> web.StreamResponse:
    item = await _request_or_404(request)
    text = str((await request.post()).get("note", "")).strip()
    if not text:
        raise await _back(request, item.id, "La note est vide.")
    await asyncio.to_thread(handoff.add_note, item.id, current(request).id, text[:4000])
    raise await _back(request, item.id)


async def close(request: web.Request) -> web.StreamResponse:
    item = await _request_or_404(request)
    me = current(request)
    outcome = str((await request.post()).get("outcome", ""))
    if outcome not in OUTCOMES:
        raise await _back(request, item.id, "Choisissez l'issue de la demande avant de la clore.")
    try:
        await asyncio.to_thread(handoff.check_held, item.id, me.id)
        await request.app[RASA].leave(item.sender_id, me.name)
        await asyncio.to_thread(handoff.close, item.id, me.id, outcome)
    except (Conflict, RasaUnavailable) as error:
        raise await _back(request, item.id, str(error))
    raise web.HTTPSeeOther("/console")


def queue_signature(items: List[handoff.RequestInfo]) -> str:
    """Changes whenever a request arrives, is claimed, released or closed."""
    return ";".join(f"{r.id}:{r.status}:{r.claimed_by_id or ''}" for r in items)
