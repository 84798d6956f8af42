"""Test helpers for the coordinators' console: a fake Rasa HTTP API, a logged-in client."""
import re
from dataclasses import dataclass, field, replace
from typing import Any, AsyncIterator, Dict, List

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot import settings as bot_settings
from bot.web.app import init_app

PASSWORD = "un mot de passe assez long"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class FakeRasa:
    """Stands in for Rasa's HTTP API: records what the console appends to conversations."""

    calls: List[Dict[str, Any]] = field(default_factory=list)
    status: int = 200
    # What GET …/tracker answers, by sender: {"slots": now, "slots_at_pause": at the last pause}.
    trackers: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    reads: List[Dict[str, Any]] = field(default_factory=list)
    # What POST …/trigger_intent received (the reminders sent by the site).
    triggers: List[Dict[str, Any]] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/conversations/{sender}/tracker/events", self.append)
        app.router.add_get("/conversations/{sender}/tracker", self.tracker)
        app.router.add_post("/conversations/{sender}/trigger_intent", self.trigger)
        return app

    async def trigger(self, request: web.Request) -> web.Response:
        self.triggers.append({"sender": request.match_info["sender"], "query": dict(request.query),
                              "body": await request.json()})
        return web.json_response({"tracker": {}} if self.status == 200 else {"error": "x"}, status=self.status)

    async def tracker(self, request: web.Request) -> web.Response:
        """The events appended so far (the n-th at timestamp n), and the slots the test set."""
        sender = request.match_info["sender"]
        self.reads.append({"sender": sender, "query": dict(request.query)})
        known = self.trackers.get(sender, {})
        if "until" in request.query:
            return web.json_response({"sender_id": sender, "slots": known.get("slots_at_pause", {}), "events": None})
        events = [dict(event, timestamp=float(n)) for n, event in enumerate(self.events(sender), start=1)]
        return web.json_response({"sender_id": sender, "slots": known.get("slots", {}), "events": events})

    async def append(self, request: web.Request) -> web.Response:
        self.calls.append({"sender": request.match_info["sender"], "query": dict(request.query),
                           "events": await request.json()})
        return web.json_response({"ok": True} if self.status == 200 else {"error": "x"}, status=self.status)

    def events(self, sender: str) -> List[Dict[str, Any]]:
        return [event for call in self.calls if call["sender"] == sender for event in call["events"]]


@pytest.fixture
async def rasa() -> AsyncIterator[FakeRasa]:
    """A fake Rasa HTTP API on a free port (`rasa.port`)."""
    fake = FakeRasa()
    client = await start(fake.app())
    fake.port = client.port
    yield fake
    await client.close()


async def start(app: web.Application) -> TestClient:
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


async def console_client(rasa_port: int) -> TestClient:
    settings = replace(bot_settings.load(), rasa_port=rasa_port, rasa_token="jeton-de-test")
    return await start(init_app(settings))


async def csrf_of(client: TestClient, path: str = "/console/connexion") -> str:
    page = await (await client.get(path, headers={"Accept": "text/html"})).text()
    return CSRF.search(page).group(1)


async def log_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token."""
    token = await csrf_of(client)
    response = await client.post("/console/connexion", data={"email": email, "password": password, "csrf": token},
                                 allow_redirects=False)
    assert response.status == 303, await response.text()
    return await csrf_of(client, "/console")
