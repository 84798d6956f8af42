"""Applications in the console: listed per opening, per structure and per status, with the audit
trail of each; one queued or failed is marked « transmise » once a coordinator passed it on, its CV
downloaded to do so (audited)."""
import asyncio
from urllib.parse import quote, urlencode

import aiohttp_jinja2
from aiohttp import web

from bot.web.console.auth import csrf_token, current
from knowledge.coordination import applications
from knowledge.partners.queries import NotFound
from knowledge.texts import text

PAGE = "/console/candidatures"
# What the trail's actions mean, in the console's words (knowledge/texts/console.yml).
ACTIONS = {action: text(f"console.application.{action}")
           for action in ("recorded", "queued", "sent", "attempt_failed", "failed", "transmitted", "cv_downloaded")}


async def page(request: web.Request) -> web.Response:
    filters = {name: request.query.get(name, "").strip() for name in ("offre", "structure", "statut")}
    status = filters["statut"] if filters["statut"] in applications.STATUS_LABELS else ""
    found = await asyncio.to_thread(applications.list_applications, opening_id=filters["offre"] or None,
                                    structure_id=filters["structure"] or None, status=status or None)
    return aiohttp_jinja2.render_template("console/applications.html", request, {
        "applications": found, "filters": filters, "statuses": applications.STATUS_LABELS,
        "actions": ACTIONS, "csrf": await csrf_token(request),
        "waiting": (applications.QUEUED, applications.FAILED)})


async def transmitted(request: web.Request) -> web.StreamResponse:
    try:
        await asyncio.to_thread(applications.mark_transmitted, int(request.match_info["id"]), current(request).id)
    except NotFound:
        raise web.HTTPNotFound()
    back = {k: v for k, v in (await request.post()).items() if k in ("offre", "structure", "statut") and v}
    raise web.HTTPSeeOther(PAGE + (f"?{urlencode(back)}" if back else ""))


def attachment(filename: str) -> str:
    """`Content-Disposition: attachment` with the name as sent (RFC 6266), an ASCII one for old clients."""
    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def cv(request: web.Request) -> web.Response:
    """The CV of an application, as a download of its real type (read from its first bytes at upload)."""
    try:
        found = await asyncio.to_thread(applications.cv_for_coordinator, int(request.match_info["id"]),
                                        current(request).id)
    except NotFound:
        return aiohttp_jinja2.render_template("error.html", request, {
            "status": 404, "title": text("console.cv_not_found_title"), "text": text("console.cv_not_found")},
            status=404)
    return web.Response(body=found.data, content_type=found.content_type,
                        headers={"Content-Disposition": attachment(found.filename)})


def routes(router: web.UrlDispatcher) -> None:
    router.add_get(PAGE, page, name="console_applications")
    # Ids of 9 digits at most, like the requests' (fits every database's integer): longer is a 404.
    router.add_post(PAGE + "/{id:\\d{1,9}}/transmise", transmitted)
    router.add_get(PAGE + "/{id:\\d{1,9}}/cv", cv, name="console_application_cv")
