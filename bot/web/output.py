"""What the widget's channel (bot/web/channel.py) sends to a conversation's tabs: Rasa's socket.io
output, each message with an `id` and, for a coordinator's message, their name.

- `id`: all the tabs of one visitor are in the conversation's room and get each message; they keep
  one history between them, so the id tells a tab that another one already wrote this message
  down. A message of a bot event (everything Rasa sends: `send_response` with the event's message)
  gets an id made from the conversation, the event's timestamp and the part's rank (Rasa's output
  cuts a text at its blank lines): the same id when the event is read back from the tracker store
  and sent again to a tab that missed it (bot/web/replay.py). Anything else gets a random id.
- `coordinator`: a bot event whose metadata names a coordinator (bot/web/console/rasa.py) is their
  message: each of its parts says so, and the widget shows their first name on it, whoever holds
  the conversation when it arrives (sent again later, or after the hand-over ended).
"""
import copy
import hashlib
import itertools
import uuid
from typing import Any, Dict, Iterator, List, Optional, Text

from rasa.core.channels import socketio as rasa_socketio
from rasa.core.channels.channel import OutputChannel

COORDINATOR = "coordinator"  # the metadata key of a coordinator's message (bot/web/console/rasa.py)


def message_ids(conversation_id: Text, timestamp: Any) -> Iterator[str]:
    """The ids of the parts of the bot event sent at `timestamp` in a conversation, in order."""
    for rank in itertools.count():
        said = f"{conversation_id}\n{timestamp!r}\n{rank}".encode()
        yield hashlib.sha256(said).hexdigest()[:32]


class MessageIds(rasa_socketio.SocketIOOutput):
    """Rasa's socket.io output, each message with an `id` of its own (see the module docstring)."""

    _ids: Optional[Iterator[str]] = None
    _coordinator: Optional[str] = None

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """A bot event's message (what Rasa's processor sends): ids from its timestamp."""
        timestamp = message.get("timestamp")
        name = message.get(COORDINATOR)
        # A copy per event: the parts of two events being sent at once never share a count.
        event = copy.copy(self)
        event._ids = message_ids(recipient_id, timestamp) if isinstance(timestamp, (int, float)) else None
        event._coordinator = name if isinstance(name, str) and name.strip() else None
        await OutputChannel.send_response(event, recipient_id, dict(message))

    def _next_id(self) -> str:
        return next(self._ids) if self._ids is not None else uuid.uuid4().hex

    async def _emit(self, data: Dict[Text, Any], room: Text) -> None:
        await self.sio.emit(self.bot_message_evt, data, room=room)

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        if isinstance(response, dict):
            response = {**response, "id": self._next_id()}
            if self._coordinator:
                response[COORDINATOR] = self._coordinator
        await self._emit(response, socket_id)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """What an action sends under `data` (the apply form's file button, a hand-over's signal)."""
        data = json_message.get("data")
        if isinstance(data, dict):
            data = {**data, "id": self._next_id()}
        await self._emit(data, json_message.get("room") or recipient_id)


class CollectedMessages(MessageIds):
    """What `MessageIds` would send, kept in `sent` instead of being sent (bot/web/replay.py)."""

    def __init__(self) -> None:
        super().__init__(None, "")
        self.sent: List[Dict[Text, Any]] = []

    async def _emit(self, data: Dict[Text, Any], room: Text) -> None:
        if isinstance(data, dict):
            self.sent.append(data)
