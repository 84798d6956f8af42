"""French error pages instead of tracebacks, request body limits, and the security headers of every response."""
import logging

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from knowledge.coordination import cv_files
from knowledge.texts import text

logger = logging.getLogger(__name__)

# The statuses with a page of their own (knowledge/texts/channels.yml `web.error.<status>.*`);
# any other gets `web.error.other.*`.
ERROR_PAGES = (401, 403, 404, 405, 413, 500, 503)

# Everything the page loads comes from this server: scripts, styles, images and the socket.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "connect-src 'self'", "font-src 'self'", "object-src 'none'", "base-uri 'self'",
    "form-action 'self'", "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


# Request bodies: every form of the site and the console is small; only the console's CSV import
# and the CV of the apply form send files. A larger body is refused before any handler reads it:
# the French 413 page, or for the widget's CV upload (which reads JSON) the French reason in JSON.
MAX_BODY_BYTES = 64 * 1024
LARGE_BODIES = {"/console/import": 8 * 1024 * 1024}
CV_PREFIX = "/cv/"
CV_BODY_BYTES = cv_files.MAX_BYTES + 256 * 1024  # the file and its multipart envelope


def _body_limit(path: str) -> int:
    if path.startswith(CV_PREFIX):
        return CV_BODY_BYTES
    return LARGE_BODIES.get(path, MAX_BODY_BYTES)


@web.middleware
async def body_limits(request: web.Request, handler) -> web.StreamResponse:
    """Cap the request body by path, from its Content-Length, before anything reads it; a body
    without a length (chunked) is still held to the application's `client_max_size` (8 MiB) when read,
    and the handlers cut their fields before any work (knowledge/conversations/review.py, the console's forms, the
    CV upload that stops reading past 5 Mo)."""
    limit = _body_limit(request.path)
    if request.content_length is not None and request.content_length > limit:
        if request.path.startswith(CV_PREFIX):
            return web.json_response({"error": cv_files.TOO_LARGE}, status=413)
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    return await handler(request)


def error_page(request: web.Request, status: int) -> web.Response:
    page = status if status in ERROR_PAGES else "other"
    title, said = text(f"web.error.{page}.title"), text(f"web.error.{page}.text")
    try:
        return aiohttp_jinja2.render_template("error.html", request, {"status": status, "title": title,
                                                                      "text": said}, status=status)
    except Exception:  # the error page must never fail in turn
        logger.exception("page d'erreur %s impossible à afficher", status)
        return web.Response(status=status, text=f"{title}. {said}", content_type="text/plain", charset="utf-8")


@web.middleware
async def error_pages(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return error_page(request, error.status)
    except SQLAlchemyError as error:  # the partner database is locked, damaged or unreachable
        logger.error("base des partenaires indisponible sur %s %s : %s", request.method, request.path,
                     error.__class__.__name__)
        return error_page(request, 503)
    except Exception:
        logger.exception("erreur sur %s %s", request.method, request.path)
        return error_page(request, 500)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: runs for every response, static files and WebSockets included."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
