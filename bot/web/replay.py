"""The messages a widget tab missed, read back from the tracker store and sent to it again.

socket.io reaches only the tabs connected at the time: a message sent into a conversation while
none of its tabs was connected (page closed, phone asleep, mid-reload) — a coordinator's answer
typically — never reached the page. So a tab (re)connecting says in its `session_request` the id
of the last message its history holds (`holds`: an id, or null when it holds none); the channel
(bot/web/channel.py) reads that conversation's bot events from the tracker store, makes of them
the very messages Rasa sent (bot/web/output.py: same parts, same ids, the coordinator's name) and
sends that tab those after the one it holds, REPLAY_LIMIT at most. The widget drops, by id, what
another tab already wrote down.

A hand-over's signals (`{"handoff": …}`) are not sent again: the channel tells the tab the current
state itself. An id the conversation does not have (an older widget's random ids) gets nothing:
what that tab holds is unknown, and sending everything again would show it twice.
"""
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.shared.core.events import BotUttered

from bot.web.output import CollectedMessages

REPLAY_LIMIT = 50  # messages sent again at most, the latest ones
MESSAGE_ID = re.compile(r"[0-9a-f]{32}")


def holds_of(asked: Dict[Text, Any]) -> Tuple[bool, Optional[Text]]:
    """(whether the tab wants what it missed, the id of the last message it holds) from its
    `session_request`. A widget that does not say (`holds` absent, or not an id) gets nothing."""
    if "holds" not in asked:
        return False, None
    holds = asked["holds"]
    if holds is None:
        return True, None
    if isinstance(holds, str) and MESSAGE_ID.fullmatch(holds):
        return True, holds
    return False, None


def is_signal(event: BotUttered) -> bool:
    """A hand-over's signal: a message without text telling who joined or left (bot/web/console/rasa.py)."""
    custom = (event.data or {}).get("custom")
    return isinstance(custom, dict) and isinstance(custom.get("data"), dict) and "handoff" in custom["data"]


async def sent_messages(conversation_id: Text, events: List[Any]) -> List[Dict[Text, Any]]:
    """The messages the widget's output sent for the bot events of `events`, signals left out."""
    collected = CollectedMessages()
    for event in events:
        if isinstance(event, BotUttered) and not is_signal(event):
            await collected.send_response(conversation_id, event.message())
    return collected.sent


def after(messages: List[Dict[Text, Any]], holds: Optional[Text], limit: int = REPLAY_LIMIT) -> List[Dict[Text, Any]]:
    """The messages after the one with id `holds` (all of them when it is None), the last `limit`;
    none when no message has that id."""
    if holds is not None:
        ids = [message.get("id") for message in messages]
        if holds not in ids:
            return []
        messages = messages[ids.index(holds) + 1:]
    return messages[-limit:] if limit > 0 else []


async def missed(tracker_store: Any, conversation_id: Text, holds: Optional[Text],
                 limit: int = REPLAY_LIMIT) -> List[Dict[Text, Any]]:
    """What a tab holding the message `holds` has not got of the conversation (see the module docstring)."""
    tracker = await tracker_store.retrieve_full_tracker(conversation_id)
    if tracker is None:
        return []
    return after(await sent_messages(conversation_id, list(tracker.events)), holds, limit)
