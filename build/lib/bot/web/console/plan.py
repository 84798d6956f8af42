"""A request's installation plan in the console (issue 20): situation, items and gaps side by side;
the coordinator adds items and sends the updated plan back to the conversation (a link to its page).
"""
import asyncio

from aiohttp import web

from bot.web.console.auth import current
from bot.web.console.keys import RASA
from bot.web.console.rasa import RasaUnavailable
from bot.web.console.requests import _back, _request_or_404
from knowledge.coordination import handoff, plans
from knowledge.coordination.handoff import Conflict
from knowledge.texts import text


async def add_item(request: web.Request) -> web.StreamResponse:
    item = await _request_or_404(request)
    form = await request.post()
    plan = await asyncio.to_thread(plans.for_request, item.id)
    if plan is None:
        raise await _back(request, item.id, text("console.no_plan"))
    try:
        await asyncio.to_thread(plans.add_item, plan.id, current(request).id, str(form.get("name", "")),
                                str(form.get("contact", "")), str(form.get("detail", "")))
    except ValueError as error:
        raise await _back(request, item.id, str(error))
    raise await _back(request, item.id)


async def send_plan(request: web.Request) -> web.StreamResponse:
    """The updated plan's link, said in the conversation by the coordinator holding the request."""
    item = await _request_or_404(request)
    view = await asyncio.to_thread(plans.case_file, item.id)
    if view is None:
        raise await _back(request, item.id, text("console.no_plan"))
    me = current(request)
    message = text("plan_completed_by_coordinator", url=view["url"])
    try:
        await asyncio.to_thread(handoff.check_held, item.id, me.id)
        await request.app[RASA].reply(item.sender_id, me.name, message)
    except (Conflict, RasaUnavailable) as error:
        raise await _back(request, item.id, str(error))
    await asyncio.to_thread(handoff.record_reply, item.id, me.id, message)
    raise await _back(request, item.id)


def routes(router: web.UrlDispatcher) -> None:
    router.add_post("/console/demandes/{id:\\d+}/plan/element", add_item)
    router.add_post("/console/demandes/{id:\\d+}/plan/envoyer", send_plan)
