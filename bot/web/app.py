"""`init_app(settings)`: the aiohttp application of the public site."""
import asyncio
import contextlib
import hashlib
import logging
import weakref
from pathlib import Path
from typing import AsyncIterator

import aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import WSCloseCode, web
from sqlalchemy.exc import SQLAlchemyError

from bot.mail.outbox import outbox_sender
from bot.settings import Settings
from bot.web import console, middlewares, plan, routes
from bot.web.console.keys import COORDINATOR
from bot.web.keys import HTTP_CLIENT, RASA_URL, STATIC_VERSION, WEBSOCKETS
from knowledge import db
from knowledge.coordination import handoff_spool, privacy
from knowledge.partners import plan_builder

logger = logging.getLogger(__name__)

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


async def _replay_kept_requests(app: web.Application) -> AsyncIterator[None]:
    """Hand-over requests the action server kept on disk while the database was unavailable
    (knowledge/coordination/handoff_spool.py), recorded as soon as it answers again."""
    async def loop() -> None:
        while True:
            try:
                await asyncio.to_thread(handoff_spool.replay)
            except SQLAlchemyError as error:
                logger.warning("demandes en attente non rejouées, base indisponible (%s)", error.__class__.__name__)
            except OSError as error:
                logger.error("dossier des demandes en attente illisible : %s", error)
            except Exception:  # anything else: said, and the next round comes all the same
                logger.exception("demandes en attente : erreur inattendue, nouvel essai dans %s s",
                                 handoff_spool.REPLAY_SECONDS)
            await asyncio.sleep(handoff_spool.REPLAY_SECONDS)

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def init_app(settings: Settings) -> web.Application:
    # Body limits per path (middlewares.body_limits): 64 KiB, 8 MiB for the console's CSV import.
    app = web.Application(middlewares=[middlewares.error_pages, middlewares.body_limits],
                          client_max_size=max(middlewares.LARGE_BODIES.values()))
    app[RASA_URL] = settings.rasa_url
    app[WEBSOCKETS] = weakref.WeakSet()
    app[STATIC_VERSION] = static_version()
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(default=True),
        context_processors=[_globals],
    )
    app.cleanup_ctx.extend([_http_client, _database, _replay_kept_requests, outbox_sender])
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
