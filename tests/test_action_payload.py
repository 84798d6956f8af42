"""bot/action_payload.py: the action server gets the recent events (bot/history.py's limit), and the domain
only where needed."""
import random

import pytest
import yaml
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk import Tracker

from actions import dialogue, handoff
from bot import action_payload


@pytest.fixture(scope="module")
def domain():
    return Domain.load("domain.yml")


def user(intent):
    return UserUttered(f"message {intent}", {"name": intent, "confidence": 0.9}, [], input_channel="rest")


def conversation(rng, domain, messages):
    """A conversation of `messages` user turns: understood or not, a callback form started somewhere."""
    events = [ActionExecuted("action_listen")]
    for _ in range(messages):
        if rng.random() < 0.15:
            events += [ActiveLoop(handoff.CALLBACK_FORM), SlotSet("pending", None)]
        events += [user(rng.choice(["nlu_fallback", "out_of_scope", "greet", "search_jobs"])),
                   ActionExecuted("action_fallback"), BotUttered("Pardon ?"), ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events("payload", events, domain.slots)


def payload(domain, tracker, action="action_fallback"):
    remote = RemoteAction(action, EndpointConfig("http://localhost:5055/webhook", enable_selective_domain=True))
    return action_payload.action_call_format(remote, tracker, domain)


def test_the_action_server_gets_the_last_user_messages_and_the_whole_state(domain):
    tracker = conversation(random.Random(1), domain, 12)
    sent = payload(domain, tracker)
    events = sent["tracker"].pop("events")
    full = tracker.current_state(EventVerbosity.ALL)
    assert sum(e["event"] == "user" for e in full.pop("events")) == 12
    assert sent["tracker"] == full  # slots, latest message, active form, ...
    assert [e["event"] for e in events].count("user") == action_payload.HISTORY_USER_MESSAGES
    assert events[0]["event"] == "user"
    assert events == [e.as_dict() for e in tracker.events][-len(events):]


def test_a_short_conversation_is_sent_whole(domain):
    tracker = conversation(random.Random(2), domain, action_payload.HISTORY_USER_MESSAGES - 1)
    assert payload(domain, tracker)["tracker"]["events"] == [e.as_dict() for e in tracker.events]


def test_our_actions_decide_the_same_on_the_recent_events(domain):
    """What they count from the events (misunderstandings in a row, attempts in the callback form)
    comes out the same as far as their thresholds go."""
    assert action_payload.HISTORY_USER_MESSAGES >= max(handoff.MAX_CONTACT_ATTEMPTS, 2)
    rng = random.Random(3)
    for _ in range(200):
        tracker = conversation(rng, domain, rng.randint(1, 15))
        whole = Tracker.from_dict(tracker.current_state(EventVerbosity.ALL))
        recent = Tracker.from_dict(payload(domain, tracker)["tracker"])
        assert (dialogue.misunderstood_in_a_row(recent) >= 2) == (dialogue.misunderstood_in_a_row(whole) >= 2)
        assert (handoff.attempts_in_form(recent) >= handoff.MAX_CONTACT_ATTEMPTS) == (
            handoff.attempts_in_form(whole) >= handoff.MAX_CONTACT_ATTEMPTS)
        assert recent.get_latest_input_channel() == whole.get_latest_input_channel() == "rest"


def test_only_the_form_validators_get_the_domain(domain):
    for endpoints in ("endpoints.yml", "deploy/endpoints-scaled.yml"):
        with open(endpoints) as file:
            assert yaml.safe_load(file)["action_endpoint"]["enable_selective_domain"] is True
    tracker = conversation(random.Random(4), domain, 1)
    for action in ("validate_job_search_form", "validate_callback_form"):
        assert payload(domain, tracker, action)["domain"] == domain.as_dict()
    for action in ("action_search_jobs", "action_fallback", "action_request_human", "action_ask_callback_contact"):
        assert "domain" not in payload(domain, tracker, action)
