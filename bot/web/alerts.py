"""The links of the alert e-mails: confirm an address (double opt-in), stop the alerts.

Opening a link (GET) changes nothing: it shows the alert and a button, and the button (POST)
acts. Mail scanners open the links of the messages they check; a link that acted when opened
would confirm an address nobody confirmed, or stop someone's alerts. A mail client's one-click
List-Unsubscribe (RFC 8058) is a POST to the stop link: it stops at once."""
import asyncio

import aiohttp_jinja2
from aiohttp import web

from bot.alerts.send import describe
from knowledge.coordination import alerts
from knowledge.texts import text

CONFIRM, STOP = "/alertes/confirmer/{token}", "/alertes/arreter/{token}"


def _page(request: web.Request, title: str, said: str, status: int = 200, button: str = "") -> web.Response:
    """The page of a link; with `button`, a form that posts to the same link."""
    return aiohttp_jinja2.render_template("alertes.html", request, {"title": title, "text": said, "button": button},
                                          status=status)


def _invalid(request: web.Request, key: str) -> web.Response:
    return _page(request, text("alerts.page.invalid_link_title"), text(key), status=404)


async def show_confirm(request: web.Request) -> web.Response:
    sub = await asyncio.to_thread(alerts.by_confirm_token, request.match_info["token"])
    if sub is None or not sub.active:
        return _invalid(request, "alerts.page.confirm_invalid")
    if sub.confirmed:
        return _page(request, text("alerts.page.confirmed_title"), text("alerts.page.confirmed"))
    if sub.reconsent_asked_at is not None:
        said = text("alerts.page.reconsent_ask", months=alerts.reconsent_months(), criteria=describe(sub))
        return _page(request, text("alerts.page.confirm_title"), said, button=text("alerts.page.reconsent_button"))
    return _page(request, text("alerts.page.confirm_title"),
                 text("alerts.page.confirm_ask", criteria=describe(sub)), button=text("alerts.page.confirm_button"))


async def confirm(request: web.Request) -> web.Response:
    confirmed = await asyncio.to_thread(alerts.confirm, request.match_info["token"])
    if confirmed is None:
        return _invalid(request, "alerts.page.confirm_invalid")
    return _page(request, text("alerts.page.confirmed_title"), text("alerts.page.confirmed"))


async def show_stop(request: web.Request) -> web.Response:
    sub = await asyncio.to_thread(alerts.by_unsubscribe_token, request.match_info["token"])
    if sub is None:
        return _invalid(request, "alerts.page.stop_invalid")
    if not sub.active:
        return _page(request, text("alerts.page.stopped_title"), text("alerts.page.stopped"))
    return _page(request, text("alerts.page.stop_title"),
                 text("alerts.page.stop_ask", criteria=describe(sub)), button=text("alerts.page.stop_button"))


async def stop(request: web.Request) -> web.Response:
    stopped = await asyncio.to_thread(alerts.unsubscribe_token, request.match_info["token"])
    if not stopped:
        return _invalid(request, "alerts.page.stop_invalid")
    return _page(request, text("alerts.page.stopped_title"), text("alerts.page.stopped"))


def setup(app: web.Application) -> None:
    app.router.add_get(CONFIRM, show_confirm, name="alert_confirm")
    app.router.add_post(CONFIRM, confirm)
    app.router.add_get(STOP, show_stop, name="alert_stop")
    app.router.add_post(STOP, stop)
