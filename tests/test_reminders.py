"""The unclaimed-request reminders a Rasa restart lost, sent again by the web site (bot/web/console/reminders.py)."""
import asyncio
import time
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoffUnclaimed, request_human
from bot.web.console import reminders
from bot.web.console.rasa import RasaConversations
from knowledge import db
from knowledge.coordination import accounts, handoff
from knowledge.coordination.models import CoordinatorRequest
from knowledge.coordination.office_hours import HandoffConfig
from tests.console_helpers import console_client
from tests.test_handoff import reminder_tracker, run

TUESDAY_10H_PARIS = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
TOKEN = "jeton-de-test"


@pytest.fixture
async def conversations(rasa):
    async with aiohttp.ClientSession() as client:
        yield RasaConversations(client, f"http://127.0.0.1:{rasa.port}", TOKEN)


def new_request(sender: str, created: datetime, contact: str = None) -> int:
    """A request made at `created` (aware), as the assistant records it."""
    request_id, _ = handoff.record_request(sender, "socketio", "emploi", {})
    with db.session_scope() as session:
        request = session.get(CoordinatorRequest, request_id)
        request.created_at = created.astimezone(timezone.utc).replace(tzinfo=None)
        request.contact = contact
    return request_id


def triggered(rasa):
    return [call["sender"] for call in rasa.triggers]


async def test_a_lost_reminder_is_sent_once_through_rasa(loaded_db, rasa, conversations):
    request_id = new_request("page-1", TUESDAY_10H_PARIS)
    # Due 10 minutes after the request (claim_delay_minutes), sent 2 minutes later if Rasa did not.
    assert await reminders.send_overdue(conversations, TUESDAY_10H_PARIS + timedelta(minutes=11)) == []
    assert await reminders.send_overdue(conversations, TUESDAY_10H_PARIS + timedelta(minutes=13)) == [request_id]
    [call] = rasa.triggers
    assert call["sender"] == "page-1"
    assert call["query"] == {"output_channel": "latest", "token": TOKEN}
    assert call["body"] == {"name": "EXTERNAL_handoff_unclaimed", "entities": {"handoff_request": str(request_id)}}
    # The action that answered it marks the request: the next rounds leave it alone.
    assert handoff.mark_reminded(request_id)
    assert await reminders.send_overdue(conversations, TUESDAY_10H_PARIS + timedelta(minutes=14)) == []
    assert len(rasa.triggers) == 1


async def test_only_waiting_requests_made_in_office_hours_and_not_too_late_are_reminded(loaded_db, rasa,
                                                                                         conversations):
    now = TUESDAY_10H_PARIS + timedelta(hours=6)  # 16 h in Paris
    new_request("waiting", TUESDAY_10H_PARIS)
    new_request("with-contact", TUESDAY_10H_PARIS, contact="06 12 34 56 78")
    # Monday 17 h 30, after hours: the call back was offered at once, no reminder.
    new_request("evening", now - timedelta(hours=22, minutes=30))
    new_request("recent", now - timedelta(minutes=5))
    new_request("yesterday-morning", TUESDAY_10H_PARIS - timedelta(days=1, hours=1))
    claimed = new_request("claimed", TUESDAY_10H_PARIS)
    coordinator = accounts.add_coordinator("claire@cotesoin.exemple.fr", "un mot de passe solide", "Claire")
    handoff.claim(claimed, coordinator.id)
    reminded = new_request("reminded", TUESDAY_10H_PARIS)
    handoff.mark_reminded(reminded)
    await reminders.send_overdue(conversations, now)
    assert triggered(rasa) == ["waiting"]


async def test_when_rasa_cannot_be_reached_the_next_round_sends_it(loaded_db, rasa, conversations):
    new_request("page-1", TUESDAY_10H_PARIS)
    later = TUESDAY_10H_PARIS + timedelta(minutes=20)
    rasa.status = 500
    assert await reminders.send_overdue(conversations, later) == []
    rasa.status = 200
    assert len(await reminders.send_overdue(conversations, later + timedelta(minutes=1))) == 1
    assert triggered(rasa) == ["page-1", "page-1"]


async def test_a_reminder_handled_twice_speaks_once(loaded_db, make_tracker):
    """Rasa's reminder and the site's back-up both came: the second one stays silent."""
    request_human(CollectingDispatcher(), make_tracker(), now=TUESDAY_10H_PARIS)
    first, _ = await run(ActionHandoffUnclaimed, reminder_tracker(make_tracker))
    second, events = await run(ActionHandoffUnclaimed, reminder_tracker(make_tracker))
    assert "toujours en attente" in first.messages[0]["text"]
    assert second.messages == [] and events == []
    # The request's creation is in its history too.
    assert [line["action"] for line in handoff.audit_trail(1)] == [handoff.REMINDED, "request_created"]
    assert handoff.audit_trail(1)[0]["who"] == "assistant"


async def test_the_site_looks_for_lost_reminders_as_soon_as_it_starts(loaded_db, rasa, monkeypatch):
    monkeypatch.setattr(HandoffConfig, "is_open", lambda self, now=None: True)
    new_request("page-1", datetime.now(timezone.utc) - timedelta(minutes=30))
    client = await console_client(rasa.port)
    try:
        deadline = time.monotonic() + 30
        while not rasa.triggers and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert triggered(rasa) == ["page-1"]
    finally:
        await client.close()
