"""The links of the alert e-mails: confirm an address (double opt-in), stop the alerts in one step
(GET from the link, POST from a mail client's one-click List-Unsubscribe)."""
import asyncio

import aiohttp_jinja2
from aiohttp import web

from knowledge.coordination import alerts
from knowledge.texts import text

CONFIRM, STOP = "/alertes/confirmer/{token}", "/alertes/arreter/{token}"


def _page(request: web.Request, title: str, said: str, status: int = 200) -> web.Response:
    return aiohttp_jinja2.render_template("alertes.html", request, {"title": title, "text": said}, status=status)


async def confirm(request: web.Request) -> web.Response:
    confirmed = await asyncio.to_thread(alerts.confirm, request.match_info["token"])
    if confirmed is None:
        return _page(request, text("alerts.page.invalid_link_title"), text("alerts.page.confirm_invalid"),
                     status=404)
    return _page(request, text("alerts.page.confirmed_title"), text("alerts.page.confirmed"))


async def stop(request: web.Request) -> web.Response:
    stopped = await asyncio.to_thread(alerts.unsubscribe_token, request.match_info["token"])
    if not stopped:
        return _page(request, text("alerts.page.invalid_link_title"), text("alerts.page.stop_invalid"), status=404)
    return _page(request, text("alerts.page.stopped_title"), text("alerts.page.stopped"))


def setup(app: web.Application) -> None:
    app.router.add_get(CONFIRM, confirm, name="alert_confirm")
    app.router.add_get(STOP, stop, name="alert_stop")
    app.router.add_post(STOP, stop)
