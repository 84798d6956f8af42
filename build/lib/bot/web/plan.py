"""The page of an installation plan, `/plan/<token>` (issue 20): what the person typed and the plan.

Unknown or expired tokens get the site's 404 page. The page is personal: never kept by a proxy or
the browser's cache (`Cache-Control: no-store, private`), never indexed.
"""
import asyncio
from typing import Any, Dict

import aiohttp_jinja2
from aiohttp import web

from knowledge.coordination import plans
from knowledge.partners import plan_builder
from knowledge.partners.queries import NotFound

PRIVATE_HEADERS = {"Cache-Control": "no-store, private", "Pragma": "no-cache", "X-Robots-Tag": "noindex, nofollow"}


def page_data(token: str) -> Dict[str, Any]:
    plan = plans.by_token(token)
    return {"plan": plan, "situation": plan_builder.describe_situation(plan.situation),
            "expires": f"{plan.expires_at:%d/%m/%Y}", "updated": f"{plan.updated_at:%d/%m/%Y}"}


async def plan_page(request: web.Request) -> web.Response:
    try:
        data = await asyncio.to_thread(page_data, request.match_info["token"])
    except NotFound:
        raise web.HTTPNotFound()
    response = aiohttp_jinja2.render_template("plan.html", request, data)
    response.headers.update(PRIVATE_HEADERS)
    return response


def setup(app: web.Application) -> None:
    app.router.add_get(r"/plan/{token:[A-Za-z0-9_-]{16,64}}", plan_page, name="plan")
