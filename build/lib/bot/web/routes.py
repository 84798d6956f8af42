"""Every URL of the public site."""
from pathlib import Path

from aiohttp import web

from bot.web import alerts, proxy, uploads, views


def setup(app: web.Application, static: Path) -> None:
    app.router.add_get("/", views.home, name="home")
    app.router.add_get("/confidentialite", views.privacy, name="privacy")
    app.router.add_get("/healthz", views.health, name="health")
    app.router.add_get("/healthz/process", views.process_health, name="process_health")
    uploads.setup(app)
    alerts.setup(app)
    app.router.add_route("*", proxy.PATH, proxy.socketio, name="socketio")
    app.router.add_static("/static/", static, name="static", append_version=False)
