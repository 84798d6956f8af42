"""The messages a widget tab missed, read back from the tracker store and sent to it again.

socket.io reaches only the tabs connected at the time: a message sent into a conversation while
none of its tabs was connected (page closed, phone asleep, mid-reload) — a coordinator's answer
typically — never reached the page. So a tab (re)connecting says in its `session_request` the id
of the last message its history holds (`holds`: an id, or null when it holds none); the channel
(bot/web/channel.py) reads that conversation's last SCAN_LIMIT bot events from the tracker store's
table, newest first until the one it holds (knowledge/coordination/transcripts.py: one indexed
query, off the event loop), makes of them the very messages Rasa sent (bot/web/output.py: same
parts, same ids, the coordinator's name) and sends that tab those after the one it holds,
REPLAY_LIMIT at most. The widget drops, by id, what another tab already wrote down.

This runs at every page view of a returning visitor: 1–2.5 ms for a tab up to date, 1–4 ms at
most, for conversations of 20 to 300 turns on SQLite, measured here; loading the conversation
through Rasa's tracker store (`retrieve_full_tracker`) took 24 ms at 20 turns and 235 ms at 300,
during which the Rasa server answered nobody.

A hand-over's signals (`{"handoff": …}`) are not sent again: the channel tells the tab the current
state itself. An id not among those events (an older widget's random ids, or a tab more than
SCAN_LIMIT bot messages behind) gets nothing: what that tab holds is unknown, and sending
everything again would show it twice.
"""
import asyncio
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.shared.core.events import BotUttered

from bot.web.output import CollectedMessages
from knowledge.coordination import transcripts

REPLAY_LIMIT = 50  # messages sent again at most, the latest ones
# Bot events read to find the one a tab holds: as many as the widget keeps messages (HISTORY_LIMIT).
SCAN_LIMIT = 200
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


async def missed(conversation_id: Text, holds: Optional[Text], limit: int = REPLAY_LIMIT,
                 scan: int = SCAN_LIMIT) -> List[Dict[Text, Any]]:
    """What a tab holding the message `holds` (None: none) has not got of the conversation, the last
    `limit` messages at most; nothing when `holds` is not among the messages of the last `scan` bot
    events (see the module docstring)."""
    stored = await asyncio.to_thread(transcripts.bot_events, conversation_id, scan)
    newer: List[Dict[Text, Any]] = []  # the messages after `holds`, in order
    for data in reversed(stored):  # newest first: a tab usually holds one of the last
        event = BotUttered(data.get("text"), data.get("data"), data.get("metadata"), data.get("timestamp"))
        messages = await sent_messages(conversation_id, [event])
        ids = [message.get("id") for message in messages]
        if holds in ids:
            return (messages[ids.index(holds) + 1:] + newer)[-limit:]
        newer = messages + newer
        if holds is None and len(newer) >= limit:
            break
    return newer[-limit:] if holds is None else []
