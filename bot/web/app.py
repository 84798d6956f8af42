"""`init_app(settings)`: the aiohttp application of the public site."""
import hashlib
import weakref
from pathlib import Path
from typing import AsyncIterator

import aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import WSCloseCode, web

from bot.settings import Settings
from bot.web import console, middlewares, plan, routes
from bot.web.console.keys import COORDINATOR
from bot.web.keys import HTTP_CLIENT, RASA_URL, STATIC_VERSION, WEBSOCKETS
from knowledge import db, plan_builder, privacy

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def static_version(folder: Path = STATIC) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    app[HTTP_CLIENT] = aiohttp.ClientSession(auto_decompress=False)
    yield
    await app[HTTP_CLIENT].close()


async def _close_websockets(app: web.Application) -> None:
    for socket in list(app[WEBSOCKETS]):
        await socket.close(code=WSCloseCode.GOING_AWAY, message=b"Arret du serveur")


async def _database(app: web.Application) -> AsyncIterator[None]:
    yield
    db.dispose()


def init_app(settings: Settings) -> web.Application:
    # 8 MiB: the console's CSV import sends files; everything else is far smaller.
    app = web.Application(middlewares=[middlewares.error_pages], client_max_size=8 * 1024 * 1024)
    app[RASA_URL] = settings.rasa_url
    app[WEBSOCKETS] = weakref.WeakSet()
    app[STATIC_VERSION] = static_version()
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(default=True),
        context_processors=[_globals],
    )
    app.cleanup_ctx.extend([_http_client, _database])
    app.on_shutdown.append(_close_websockets)
    app.on_response_prepare.append(middlewares.security_headers)
    routes.setup(app, STATIC)
    plan.setup(app)
    console.setup(app, settings)
    return app


async def _globals(request: web.Request) -> dict:
    version = request.app[STATIC_VERSION]
    return {"static": lambda path: f"/static/{path}?v={version}", "path": request.path,
            # Called by the console's templates: the guard sets it after this context is made.
            "current_coordinator": lambda: request.get(COORDINATOR), "retention": privacy.retention(),
            "plan_days": plan_builder.settings()["page_days"]}
