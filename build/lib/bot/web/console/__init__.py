"""The coordinators' console, under /console of the web site: `setup(app, settings)`.

- auth.py: sessions, login/logout, CSRF, the guard of every /console URL;
- requests.py: the queue, the closed requests and one request (claim, reply, note, close);
- live.py: server-sent events telling open pages what changed;
- rasa.py: what reaches the user goes through Rasa's HTTP API;
- reminders.py: the unclaimed-request reminders a Rasa restart lost;
- data.py: openings, events and CSV import;
- observatory.py: the territory's HR observatory (figures, charts, CSV, questions to review);
- applications.py: the applications sent from the assistant, their status and trail.
"""
import asyncio
from typing import AsyncIterator

import aiohttp_jinja2
from aiohttp import web

from bot.settings import Settings
from bot.web.console import applications, auth, data, formatting, live, observatory, plan, reminders, requests
from bot.web.console.keys import RASA, STOPPING, TRUSTED_PROXIES
from bot.web.console.rasa import RasaConversations
from bot.web.keys import HTTP_CLIENT


def setup(app: web.Application, settings: Settings) -> None:
    # The session right after the error pages; the guard last, after the templates' context
    # processors, so that an error page refused by the guard still has its context.
    app.middlewares.insert(1, auth.session_storage(settings.console_secret, settings.secure_cookies))
    app.middlewares.append(auth.guard)
    app[STOPPING] = asyncio.Event()
    app[TRUSTED_PROXIES] = tuple(settings.trusted_proxies)
    aiohttp_jinja2.get_env(app).globals.update(formatting.template_globals())

    async def rasa(app: web.Application) -> AsyncIterator[None]:
        app[RASA] = RasaConversations(app[HTTP_CLIENT], settings.rasa_url, settings.rasa_token)
        yield

    async def stop_streams(app: web.Application) -> None:
        app[STOPPING].set()

    app.cleanup_ctx.extend([rasa, reminders.background])
    app.on_shutdown.append(stop_streams)
    routes(app.router)


def routes(router: web.UrlDispatcher) -> None:
    # Request ids: 9 digits at most (fits every database's integer); a longer number is a 404.
    router.add_get(auth.LOGIN, auth.login_page, name="console_login")
    router.add_post(auth.LOGIN, auth.login)
    router.add_post("/console/deconnexion", auth.logout, name="console_logout")
    router.add_get("/console", requests.queue_page, name="console")
    router.add_get("/console/file", requests.queue_fragment, name="console_queue")
    router.add_get("/console/traitees", requests.treated_page, name="console_treated")
    router.add_get("/console/flux", live.stream, name="console_stream")
    router.add_get("/console/demandes/{id:\\d{1,9}}", requests.request_page, name="console_request")
    router.add_get("/console/demandes/{id:\\d{1,9}}/transcription", requests.transcript_fragment)
    router.add_post("/console/demandes/{id:\\d{1,9}}/prendre", requests.claim)
    router.add_post("/console/demandes/{id:\\d{1,9}}/rendre", requests.release)
    router.add_post("/console/demandes/{id:\\d{1,9}}/repondre", requests.reply)
    router.add_post("/console/demandes/{id:\\d{1,9}}/note", requests.note)
    router.add_post("/console/demandes/{id:\\d{1,9}}/clore", requests.close)
    data.routes(router)
    observatory.routes(router)
    applications.routes(router)
    plan.routes(router)
