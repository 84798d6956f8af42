"""deploy/haproxy.cfg sends every request of a conversation to the same Rasa process, and the
widget's traffic to the first one. Two stand-in servers say which of them answered.

Needs Debian's haproxy (`.ci/run` and `make run-scaled` install it); skipped, saying so, without it.
"""
import asyncio
import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from tests.guichet import free_port

CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "haproxy.cfg"
pytestmark = pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy n'est pas installé")


async def stand_in(name: str, port: int) -> web.AppRunner:
    async def answer(request: web.Request) -> web.Response:
        return web.json_response({"server": name, "path": request.path})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def start_haproxy(ports):
    env = {**os.environ, "COTESOIN_HOST": "127.0.0.1", "RASA_PROCESSES": "2", **{k: str(v) for k, v in ports.items()}}
    return subprocess.Popen(["haproxy", "-db", "-f", str(CONFIG)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


async def ready_status(client, url, haproxy, deadline):
    """The status of /haproxy-ready, once HAProxy listens."""
    while True:
        try:
            async with client.get(url + "/haproxy-ready") as response:
                return response.status
        except aiohttp.ClientError:
            pass  # HAProxy is not listening yet
        assert time.monotonic() < deadline, haproxy.stderr.read1().decode() if haproxy.poll() else "haproxy muet"
        await asyncio.sleep(0.2)


async def wait_until_ready(client, url, haproxy, seconds=15):
    deadline = time.monotonic() + seconds
    while await ready_status(client, url, haproxy, deadline) != 200:
        assert time.monotonic() < deadline, "les deux processus ne sont jamais vus en service"
        await asyncio.sleep(0.2)


@pytest.fixture
async def front():
    ports = {"FRONT_PORT": free_port(), "RASA1_PORT": free_port(), "RASA2_PORT": free_port()}
    runners = [await stand_in("rasa1", ports["RASA1_PORT"]), await stand_in("rasa2", ports["RASA2_PORT"])]
    haproxy = start_haproxy(ports)
    url = f"http://127.0.0.1:{ports['FRONT_PORT']}"
    async with aiohttp.ClientSession() as client:
        await wait_until_ready(client, url, haproxy)  # both servers seen healthy
        yield client, url
    haproxy.terminate()
    haproxy.wait(10)
    for runner in runners:
        await runner.cleanup()


async def test_haproxy_says_ready_only_once_every_process_is_in_rotation():
    """With one process still starting, HAProxy already answers (through the other) but is not
    ready; it is once the second one passes its health checks."""
    ports = {"FRONT_PORT": free_port(), "RASA1_PORT": free_port(), "RASA2_PORT": free_port()}
    runners = [await stand_in("rasa1", ports["RASA1_PORT"])]
    haproxy = start_haproxy(ports)
    url = f"http://127.0.0.1:{ports['FRONT_PORT']}"
    try:
        async with aiohttp.ClientSession() as client:
            deadline = time.monotonic() + 15
            while (await served_by_or_none(client, url)) != "rasa1":
                assert time.monotonic() < deadline, "rasa1 jamais en service"
                await asyncio.sleep(0.2)
            await asyncio.sleep(2.5)  # a health check of rasa2 more: still refused
            assert await ready_status(client, url, haproxy, deadline) == 503
            runners.append(await stand_in("rasa2", ports["RASA2_PORT"]))
            await wait_until_ready(client, url, haproxy)
    finally:
        haproxy.terminate()
        haproxy.wait(10)
        for runner in runners:
            await runner.cleanup()


async def served_by_or_none(client, url):
    """Which stand-in answered `/`; None while HAProxy has none in service (or is not listening)."""
    try:
        return await served_by(client, url, "/")
    except aiohttp.ClientError:  # refused, or HAProxy's 503 page, which is not JSON
        return None


async def served_by(client, url, path, body=None):
    if body is None:
        async with client.get(url + path) as response:
            return (await response.json())["server"]
    async with client.post(url + path, data=json.dumps(body), headers={"Content-Type": "application/json"}) as response:
        return (await response.json())["server"]


async def test_each_rest_conversation_always_reaches_the_same_process_and_both_are_used(front):
    client, url = front
    seen = {}
    for k in range(40):
        sender = f"bench-{k}"
        servers = {await served_by(client, url, "/webhooks/rest/webhook", {"sender": sender, "message": m})
                   for m in ("bonjour", "et à Pornic ?", "merci")}
        assert len(servers) == 1, sender
        seen[sender] = servers.pop()
        api = await served_by(client, url, f"/conversations/{sender}/tracker/events?token=x", [])
        assert api == seen[sender]
    assert set(seen.values()) == {"rasa1", "rasa2"}


async def test_a_telegram_chat_is_routed_like_its_conversation_in_the_http_api(front):
    client, url = front
    for chat in (42, 1234567, -100987):
        update = {"update_id": 1,
                  "message": {"message_id": 1, "chat": {"id": chat, "type": "private"}, "text": "/start"}}
        tapped = {"update_id": 2, "callback_query": {"id": "1", "data": "/affirm",
                                                     "message": {"message_id": 2, "chat": {"id": chat}}}}
        first = await served_by(client, url, "/webhooks/telegram/webhook", update)
        assert await served_by(client, url, "/webhooks/telegram/webhook", tapped) == first
        assert await served_by(client, url, f"/conversations/telegram-{chat}/tracker", None) == first


async def test_the_widget_and_its_conversations_go_to_the_first_process(front):
    client, url = front
    for _ in range(10):
        assert await served_by(client, url, "/socket.io/?EIO=4&transport=polling", None) == "rasa1"
        widget = uuid.uuid4().hex
        assert await served_by(client, url, f"/conversations/{widget}/tracker/events", []) == "rasa1"
