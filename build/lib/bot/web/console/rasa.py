"""What a coordinator does to a conversation, done through Rasa's own HTTP API.

Events are appended to the conversation's tracker with `output_channel=latest` and
`execute_side_effects=true`, so a message reaches the user on the channel they last used (the
widget's socket.io or Telegram) and is kept in the tracker store like any other:

- join: `pause` (Rasa then logs the user's messages without answering) + the joining message;
  the person's messages then skip understanding (bot/held.py, components/for_coordinator.py);
- reply: a bot message with metadata `{"coordinator": name}`;
- leave: the leaving message + `resume` (the assistant answers again, with the slots it had).

While paused, Rasa still fills slots from what the person writes (`action_extract_slots` runs on
every message), yet those messages were meant for the coordinator: on leaving, the slots they
changed get back the values they had at the pause (read with the tracker API's `until`).
"""
import logging
from typing import Any, Dict, List, Optional
from urllib.parse import quote

import aiohttp

from knowledge.texts import text

logger = logging.getLogger(__name__)


class RasaUnavailable(RuntimeError):
    """Rasa did not take the events; the message is for the coordinator."""


class RasaConversations:
    def __init__(self, client: aiohttp.ClientSession, rasa_url: str, token: str, timeout: float = 10):
        self.client, self.rasa_url, self.token = client, rasa_url.rstrip("/"), token
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def _call(self, method: str, sender_id: str, path: str, params: Dict[str, str],
                    body: Any = None) -> Dict[str, Any]:
        url = f"{self.rasa_url}/conversations/{quote(sender_id, safe='')}/{path}"
        try:
            async with self.client.request(method, url, params={**params, "token": self.token}, json=body,
                                           timeout=self.timeout) as response:
                if response.status != 200:
                    logger.error("Rasa a refusé %s %s pour %s : HTTP %s %s", method, path, sender_id,
                                 response.status, (await response.text())[:300])
                    raise RasaUnavailable(text("console.rasa_refused", status=response.status))
                return await response.json()
        except (aiohttp.ClientError, TimeoutError) as error:
            logger.error("Rasa injoignable (%s) : %s", self.rasa_url, error)
            raise RasaUnavailable(text("console.rasa_unreachable")) from error

    async def append(self, sender_id: str, events: List[Dict[str, Any]]) -> None:
        await self._call("POST", sender_id, "tracker/events",
                         {"output_channel": "latest", "execute_side_effects": "true"}, events)

    async def trigger(self, sender_id: str, intent: str, entities: Dict[str, str]) -> None:
        """Run `intent` as if the person had sent it (what a Rasa reminder does), answering on their channel."""
        await self._call("POST", sender_id, "trigger_intent", {"output_channel": "latest"},
                         {"name": intent, "entities": entities})

    async def tracker(self, sender_id: str, until: Optional[float] = None) -> Dict[str, Any]:
        """The conversation's state (with its events), or as it was at `until` (a timestamp; no events)."""
        params = {"include_events": "AFTER_RESTART" if until is None else "NONE"}
        if until is not None:
            params["until"] = repr(until)
        return await self._call("GET", sender_id, "tracker", params)

    async def slots_at_pause(self, sender_id: str) -> List[Dict[str, Any]]:
        """Slot events putting back what the messages written during the last pause changed."""
        now = await self.tracker(sender_id)
        pauses = [event["timestamp"] for event in now.get("events") or [] if event.get("event") == "pause"]
        if not pauses:
            return []
        then = (await self.tracker(sender_id, until=pauses[-1])).get("slots") or {}
        return [{"event": "slot", "name": name, "value": then.get(name)}
                for name, value in sorted((now.get("slots") or {}).items()) if value != then.get(name)]

    async def join(self, sender_id: str, name: str) -> None:
        # The signal first: the widget shows the joining message as the coordinator's.
        await self.append(sender_id, [{"event": "pause"}, _signal("joined", name),
                                      _said(text("coordinator_joined", coordinator=name), name)])

    async def reply(self, sender_id: str, name: str, message: str) -> None:
        await self.append(sender_id, [_said(message, name)])

    async def leave(self, sender_id: str, name: str, closed: bool = False, message: Optional[str] = None) -> None:
        """Give the conversation back to the assistant; `closed` when the request is closed too (the
        widget then allows a new conversation). With `message`, the person ended the exchange: the
        assistant says so, after the signal (the widget shows it as the assistant's)."""
        restored = await self.slots_at_pause(sender_id)
        signal = _signal("closed" if closed else "left", name)
        if message:
            said = [signal, {"event": "bot", "text": message}]
        else:
            said = [_said(text("coordinator_left", coordinator=name), name), signal]
        await self.append(sender_id, [*restored, *said, {"event": "resume"}])


def _said(message: str, name: str) -> Dict[str, Any]:
    return {"event": "bot", "text": message, "metadata": {"coordinator": name}}


def _signal(what: str, name: str) -> Dict[str, Any]:
    """A message without text telling the widget a person joined, left or closed the request, and
    who (Telegram ignores it)."""
    return {"event": "bot", "data": {"custom": {"data": {"handoff": what, "coordinator": name}}},
            "metadata": {"coordinator": name}}
