"""Live updates for the console by server-sent events: `GET /console/flux[?demande=ID]`.

Every second the stream looks at the queue (and at the open request's transcript) in the
database and the tracker store, which any process may have changed, and sends
`event: queue` (data: number of requests waiting) or `event: transcript` (data: newest event id)
when something changed; the page then reloads the part concerned. A comment line every 15 s keeps
proxies from closing an idle stream. Streams end when the application shuts down.
"""
import asyncio
import logging
from typing import Optional

from aiohttp import web

from bot.web.console.keys import STOPPING
from bot.web.console.requests import queue_signature, request_id
from knowledge.coordination import handoff, transcripts

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0


async def _sender_of(request: web.Request) -> Optional[str]:
    try:
        item = await asyncio.to_thread(handoff.get_request, request_id(request.query["demande"]))
    except (KeyError, ValueError, LookupError):
        return None
    return item.sender_id


async def stream(request: web.Request) -> web.StreamResponse:
    """The stream until the application stops or the page goes away (a closed stream is normal:
    logged at debug level, never as an error)."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store",
                                           "X-Accel-Buffering": "no"})
    await response.prepare(request)
    try:
        await _follow(request, response)
    except (ConnectionError, asyncio.CancelledError):
        logger.debug("flux de la console fermé par la page (%s)", request.path_qs)
    return response


async def _follow(request: web.Request, response: web.StreamResponse) -> None:
    sender_id = await _sender_of(request)
    stopping: asyncio.Event = request.app[STOPPING]
    queue, transcript, idle = None, None, 0.0
    while not stopping.is_set():
        items = await asyncio.to_thread(handoff.open_requests)
        signature = queue_signature(items)
        if signature != queue:
            waiting = sum(1 for item in items if item.status == handoff.OPEN)
            await response.write(f"event: queue\ndata: {waiting}\n\n".encode())
            queue, idle = signature, 0.0
        if sender_id is not None:
            newest = await asyncio.to_thread(transcripts.last_event_id, sender_id)
            if newest != transcript:
                await response.write(f"event: transcript\ndata: {newest}\n\n".encode())
                transcript, idle = newest, 0.0
        if idle >= KEEPALIVE_SECONDS:
            await response.write(b": keepalive\n\n")
            idle = 0.0
        try:
            await asyncio.wait_for(stopping.wait(), POLL_SECONDS)
        except asyncio.TimeoutError:
            idle += POLL_SECONDS
