"""The queue of requests and one request: transcript, criteria, matching data; claim, reply, note, close.

Database calls are synchronous (SQLAlchemy), so they run in a worker thread.
"""
import asyncio
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Dict, List, Optional

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session

from bot.web.console.auth import csrf_token, current
from bot.web.console.formatting import PARIS, outcome_label
from bot.web.console.keys import RASA
from bot.web.console.rasa import RasaUnavailable
from knowledge.conversations.observatory import FIRST_DAY, LAST_DAY
from knowledge.coordination import handoff, plans, transcripts
from knowledge.coordination.handoff import OUTCOME_LABELS, OUTCOMES, Conflict
from knowledge.partners import queries, topics
from knowledge.partners.criteria import Criteria
from knowledge.texts import text

MAX_REPLY_CHARS = 2000
MAX_LISTED = 10  # openings, and resources, shown beside a request
MAX_TREATED = 200  # closed requests listed on « Demandes traitées » (the count says how many match in all)


def matching(criteria: Dict[str, Any], topic: str) -> Dict[str, Any]:
    """Openings for the user's criteria, and in their commune what the assistant lists for their
    topic (knowledge/partners/topics.py); every partner structure for a topic that lists none."""
    wanted = Criteria.from_stored(criteria)
    communes = wanted.communes()
    openings = queries.find_openings(profession=wanted.value("profession"), communes=communes,
                                     contract=wanted.value("contract_type"),
                                     work_time=wanted.value("work_time"), limit=MAX_LISTED)
    if topics.lists_resources(topic):
        title, resources = f"console.resources.{topic}", topics.find(topic, communes)
    else:
        title, resources = "console.resources.other", topics.find(topics.Topic.PARTNERS, communes)
    return {"openings": openings, "resources_title": text(title), "resources": resources[:MAX_LISTED]}


MAX_ID_DIGITS = 9


def request_id(text: str) -> int:
    """A request id from a URL: digits only, 9 at most (a database integer), else ValueError."""
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_ID_DIGITS:
        raise ValueError(f"identifiant de demande invalide : {text[:20]!r}")
    return int(text)


async def _request_or_404(request: web.Request) -> handoff.RequestInfo:
    try:
        return await asyncio.to_thread(handoff.get_request, request_id(request.match_info["id"]))
    except (ValueError, queries.NotFound):
        raise web.HTTPNotFound()


async def _notify(request: web.Request, notice: str) -> None:
    """A confirmation shown once on the next page (« Demande n° 12 close »)."""
    (await get_session(request))["notice"] = notice


async def _notice(request: web.Request) -> Optional[str]:
    return (await get_session(request)).pop("notice", None)


@aiohttp_jinja2.template("console/queue.html")
async def queue_page(request: web.Request) -> dict:
    return {"requests": await asyncio.to_thread(handoff.open_requests), "csrf": await csrf_token(request),
            "notice": await _notice(request)}


def _day(value: str, errors: List[str]) -> Optional[date]:
    """A date of the search form, or None (and the French reason added to `errors`) when it is
    unreadable or outside the observatory's bounds (no computation near year 1 or 9999 overflows)."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors.append(text("console.date_unreadable"))
        return None
    if not FIRST_DAY <= day <= LAST_DAY:
        errors.append(text("console.period_out_of_bounds", first=f"{FIRST_DAY:%d/%m/%Y}", last=f"{LAST_DAY:%d/%m/%Y}"))
        return None
    return day


def _utc(day: date) -> datetime:
    """Midnight in Paris on `day`, as the naive UTC of the database."""
    return datetime.combine(day, time(), PARIS).astimezone(timezone.utc).replace(tzinfo=None)


@aiohttp_jinja2.template("console/treated.html")
async def treated_page(request: web.Request) -> dict:
    """« Demandes traitées »: the closed requests, searched by dates, outcome, profession and commune."""
    query = request.query
    errors: List[str] = []
    since, until = _day(query.get("du", ""), errors), _day(query.get("au", ""), errors)
    errors = list(dict.fromkeys(errors))  # both dates wrong the same way: said once
    if since and until and until < since:
        errors.append(text("console.dates_swapped"))
        since, until = until, since
    outcome = query.get("issue", "") if query.get("issue", "") in OUTCOME_LABELS else ""
    profession = query.get("metier", "")
    commune = query.get("commune", "")
    found = await asyncio.to_thread(
        handoff.closed_requests, since=_utc(since) if since else None,
        until=_utc(until + timedelta(days=1)) if until else None, outcome=outcome,
        profession=profession, commune=commune, limit=MAX_TREATED)
    professions = await asyncio.to_thread(queries.list_professions)
    communes = await asyncio.to_thread(queries.commune_names)
    return {"requests": found.shown, "total": found.total, "cut": found.cut, "limit": MAX_TREATED,
            "csrf": await csrf_token(request), "errors": errors,
            "filters": {"du": since.isoformat() if since else "", "au": until.isoformat() if until else "",
                        "issue": outcome, "metier": profession, "commune": commune},
            "outcomes": OUTCOME_LABELS, "professions": professions, "communes": communes,
            "searched": any(query.get(k) for k in ("du", "au", "issue", "metier", "commune"))}


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
            "notice": await _notice(request), "outcomes_all": OUTCOME_LABELS,
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
    await _notify(request, text("console.request_claimed", id=item.id))
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
    await _notify(request, text("console.request_released", id=item.id))
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
        return text("console.reply_empty")
    if len(message) > MAX_REPLY_CHARS:
        return text("console.reply_too_long", length=len(message), limit=MAX_REPLY_CHARS)
    try:
        await asyncio.to_thread(handoff.check_held, item.id, me.id)
        await request.app[RASA].reply(item.sender_id, me.name, message)
    except (Conflict, RasaUnavailable) as error:
        return str(error)
    await asyncio.to_thread(handoff.record_reply, item.id, me.id, message)
    return ""


async def note(request: web.Request) -> web.StreamResponse:
    item = await _request_or_404(request)
    note = str((await request.post()).get("note", "")).strip()
    if not note:
        raise await _back(request, item.id, text("console.note_empty"))
    await asyncio.to_thread(handoff.add_note, item.id, current(request).id, note[:4000])
    await _notify(request, text("console.note_saved"))
    raise await _back(request, item.id)


async def close(request: web.Request) -> web.StreamResponse:
    item = await _request_or_404(request)
    me = current(request)
    outcome = str((await request.post()).get("outcome", ""))
    if outcome not in OUTCOMES:
        raise await _back(request, item.id, text("console.outcome_missing"))
    try:
        await asyncio.to_thread(handoff.check_held, item.id, me.id)
        await request.app[RASA].leave(item.sender_id, me.name, closed=True)
        await asyncio.to_thread(handoff.close, item.id, me.id, outcome)
    except (Conflict, RasaUnavailable) as error:
        raise await _back(request, item.id, str(error))
    await _notify(request, text("console.request_closed", id=item.id, outcome=outcome_label(outcome)))
    raise web.HTTPSeeOther("/console")


def queue_signature(items: List[handoff.RequestInfo]) -> str:
    """Changes whenever a request arrives, is claimed, released or closed."""
    return ";".join(f"{r.id}:{r.status}:{r.claimed_by_id or ''}" for r in items)
