"""`/socket.io/` on the web app, passed on to the Rasa server's socket.io channel.

The page and its socket then share one origin: nothing cross-origin to allow (no CORS, a strict
Content-Security-Policy `connect-src 'self'`), and only the web port needs to be public while the
Rasa server (and its HTTP API) stays on the internal interface. Engine.IO's long-polling requests
are forwarded as HTTP; a WebSocket upgrade opens a WebSocket to Rasa and frames are copied both
ways. When Rasa is down the page gets 502 and socket.io-client keeps retrying by itself.
"""
import asyncio
import logging

import aiohttp
from aiohttp import web

from bot.web.keys import HTTP_CLIENT, RASA_URL, WEBSOCKETS
from knowledge.texts import text

logger = logging.getLogger(__name__)

PATH = "/socket.io/"
# Request headers worth passing on (Engine.IO needs none of the others).
FORWARDED_HEADERS = ("Content-Type", "Accept", "User-Agent", "Accept-Language")
# Engine.IO holds a long-polling GET up to its ping interval (25 s) before answering.
POLL_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=5, sock_read=60)
UNAVAILABLE = text("web.assistant_unavailable")


def _forwarded_for(request: web.Request) -> str:
    previous = request.headers.get("X-Forwarded-For")
    return f"{previous}, {request.remote}" if previous else str(request.remote)


async def socketio(request: web.Request) -> web.StreamResponse:
    if request.headers.get("Upgrade", "").lower() == "websocket":
        return await _websocket(request)
    return await _http(request)


async def _http(request: web.Request) -> web.Response:
    headers = {name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers}
    headers["X-Forwarded-For"] = _forwarded_for(request)
    body = await request.read()
    try:
        async with request.app[HTTP_CLIENT].request(
            request.method, request.app[RASA_URL] + PATH, params=request.query, data=body or None,
            headers=headers, timeout=POLL_TIMEOUT, allow_redirects=False,
        ) as upstream:
            payload = await upstream.read()
            reply = web.Response(status=upstream.status, body=payload)
            # The body is passed on as Rasa wrote it: Engine.IO compresses answers over 1 KB (a menu
            # with its buttons), so its encoding goes with it.
            for name in ("Content-Type", "Content-Encoding"):
                if name in upstream.headers:
                    reply.headers[name] = upstream.headers[name]
            reply.headers["Cache-Control"] = "no-store"
            return reply
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        logger.info("socket.io : Rasa injoignable (%s)", type(error).__name__)
        return web.Response(status=502, text=UNAVAILABLE)


async def _websocket(request: web.Request) -> web.StreamResponse:
    url = request.app[RASA_URL].replace("http", "ws", 1) + PATH
    try:
        upstream = await request.app[HTTP_CLIENT].ws_connect(
            url, params=request.query, headers={"X-Forwarded-For": _forwarded_for(request)},
            timeout=10, autoping=True, max_msg_size=1024 * 1024,
        )
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        logger.info("socket.io : WebSocket vers Rasa impossible (%s)", type(error).__name__)
        return web.Response(status=502, text=UNAVAILABLE)
    browser = web.WebSocketResponse(autoping=True, max_msg_size=1024 * 1024)
    await browser.prepare(request)
    sockets = request.app[WEBSOCKETS]
    sockets.add(browser)
    try:
        await _pipe_both_ways(browser, upstream)
    finally:
        sockets.discard(browser)
        await upstream.close()
        await browser.close()
    return browser


async def _copy(source, target) -> None:
    async for message in source:
        if message.type == aiohttp.WSMsgType.TEXT:
            await target.send_str(message.data)
        elif message.type == aiohttp.WSMsgType.BINARY:
            await target.send_bytes(message.data)
        else:  # close, error
            break


async def _pipe_both_ways(browser: web.WebSocketResponse, upstream: aiohttp.ClientWebSocketResponse) -> None:
    """Copy frames until either side closes (Rasa stopping closes the page's socket: it reconnects)."""
    tasks = [asyncio.create_task(_copy(browser, upstream)), asyncio.create_task(_copy(upstream, browser))]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
