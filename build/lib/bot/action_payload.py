"""What the Rasa server sends the action server at each custom action: the recent events only.

Rasa sends the whole tracker it loaded (with the windowed loading of bot/tracker_store.py, up to
2 × `HISTORY_USER_MESSAGES` user messages) and serialises it at every action call. The payload
carries the events from the `HISTORY_HISTORY_USER_MESSAGES`-th latest user message on: the one history
limit of bot/history.py, documented there for action authors. Our actions look back at most a few
user messages: `actions/dialogue.misunderstood_in_a_row` (up to 2),
`actions/handoff.attempts_in_form` (up to `MAX_CONTACT_ATTEMPTS`, 3), the latest input channel;
rasa_sdk reads the slots, the latest message and the active form from the tracker's state, which
is sent whole. The full conversation stays in the tracker store, for the console and the HTTP API.

Rasa has no hook for this payload: `action_call_format` replaces `RemoteAction._action_call_format`
as one of the guarded patches of bot/rasa_speedups.py, applied where the Rasa server starts.

With `enable_selective_domain` in endpoints.yml (Rasa's own setting), the domain goes only to the
actions that need it: Rasa sends it to every `validate_…` action (our two form validators, whose
rasa_sdk base class reads the form's slots from it) and to those marked `send_domain: true`.
"""
from typing import Any, Dict, List, Text

from bot.history import HISTORY_USER_MESSAGES


def recent_events(events) -> List:
    """The events from the `HISTORY_USER_MESSAGES`-th latest user message on (all if there are fewer)."""
    from rasa.shared.core.events import UserUttered

    events = list(events)
    seen = 0
    for position in range(len(events) - 1, -1, -1):
        if isinstance(events[position], UserUttered):
            seen += 1
            if seen == HISTORY_USER_MESSAGES:
                return events[position:]
    return events


def action_call_format(self, tracker, domain) -> Dict[Text, Any]:
    """Rasa 3.6's `RemoteAction._action_call_format`, with the recent events only."""
    import rasa
    from rasa.shared.core.trackers import EventVerbosity

    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [event.as_dict() for event in recent_events(tracker.events)]
    result = {"next_action": self._name, "sender_id": tracker.sender_id, "tracker": state,
              "version": rasa.__version__}
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
        result["domain"] = domain.as_dict()
    return result

