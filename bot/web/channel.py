"""`SocketIOInput`: Rasa's socket.io channel for the web widget, declared in credentials.yml.

    bot.web.channel.SocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true

It is Rasa's own `socketio` channel (same events, same name, same output channel, so
`output_channel=socketio` in Rasa's HTTP API still reaches the widget), with three changes:

- Rasa 3.6.21 calls `sio.enter_room()` without awaiting it; python-socketio 5 made it a coroutine,
  so with `session_persistence` the answers went to a room nobody had joined
  (https://github.com/RasaHQ/rasa/issues/13027). Here it is awaited.
- The conversation id is the one the server issued (a uuid4 in hex), with its HMAC proof
  (bot/web/widget_ids.py), and remembered for this socket by `session_request`; Rasa's channel
  believed any `session_id` a message carried, so a page could write into another conversation (a
  Telegram chat's `telegram-<id>` for instance, or a widget's id read in the console). An id
  presented without the proof issued with it is replaced by a new one: `session_confirm` carries
  `{"session_id": …, "proof": …}`, which the widget keeps.
- What the page sends is checked before Rasa sees it: an empty message or one over
  MAX_MESSAGE_CHARS gets a French answer; anything that is not a text message is ignored.
- While a coordinator holds the conversation (knowledge/coordination/handoff.py), the person's messages are for
  them: they go to Rasa marked `for_coordinator` in their metadata, and the pipeline's last
  component (components/for_coordinator.py) keeps them out of understanding (no intent, no
  entity: nothing in the observatory's « questions non comprises »). Two commands still work
  (knowledge/partners/vocabulary.yml `commands_while_held`): « stop » closes the request and gives the
  conversation back to the assistant, with a reply; « supprimer mes données » does the same, then
  goes to the assistant, which asks to confirm the erasure. A medical emergency or distress still
  gets the 15 / 112 or the 3114 at once (bot/held.py `safety_answer`), the message going to the
  coordinator too. On connection the page is told whether
  a request is open or held (`{"handoff": …}`), so a widget that missed a change catches up.
- Every message sent to a conversation carries an `id` (`MessageIds`): all the tabs of one visitor
  are in the conversation's room and get it, and each tab keeps the history shared between them, so
  the id tells a tab that another one already wrote this answer down.
"""
import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels import socketio as rasa_socketio
from rasa.core.channels.channel import UserMessage, decode_bearer_token
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot import held
from bot.web import widget_ids
from knowledge.texts import template, text

logger = logging.getLogger(__name__)

# The widget refuses longer messages itself; the channel refuses them for any other client.
MAX_MESSAGE_CHARS = 1000
CLOSED = {"handoff": "closed"}

EMPTY_MESSAGE = text("web.empty_message")
TOO_LONG = template("web.too_long")


def french_number(value: int) -> str:
    """5000 -> '5 000' (narrow no-break space, as French typography wants)."""
    return f"{value:,}".replace(",", "\u202f")


def check_message(data: Any) -> tuple:
    """(text to pass to Rasa or None, French answer or None) for what the page sent."""
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return None, None
    text = data["message"].strip()
    if not text:
        return None, EMPTY_MESSAGE
    if len(text) > MAX_MESSAGE_CHARS:
        return None, TOO_LONG.format(length=french_number(len(text)), limit=french_number(MAX_MESSAGE_CHARS))
    return text, None


def metadata_of(data: Dict[Text, Any], key: Text) -> Dict[Text, Any]:
    metadata = data.get(key) or {}
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return {}
    return metadata if isinstance(metadata, dict) else {}


class MessageIds(rasa_socketio.SocketIOOutput):
    """Rasa's socket.io output, each message with an `id` of its own (see the module docstring)."""

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        if isinstance(response, dict):
            response = {**response, "id": uuid.uuid4().hex}
        await super()._send_message(socket_id, response)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """What an action sends under `data` (the apply form's file button), with an id too."""
        data = json_message.get("data")
        if isinstance(data, dict):
            json_message = {**json_message, "data": {**data, "id": uuid.uuid4().hex}}
        await super().send_custom_json(recipient_id, json_message, **kwargs)


class SocketIOInput(rasa_socketio.SocketIOInput):
    """Rasa's socket.io channel, with rooms that work and checked input (see the module docstring)."""

    def get_output_channel(self) -> Optional[rasa_socketio.SocketIOOutput]:
        """The output of messages Rasa sends on its own (a coordinator's, `output_channel=latest`)."""
        return MessageIds(self.sio, self.bot_message_evt) if self.sio is not None else super().get_output_channel()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # cors_allowed_origins=[] turns python-engineio's origin check off, as Rasa does: the page
        # reaches this server through the web app's same-origin proxy (bot/web/proxy.py).
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        blueprint = rasa_socketio.SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        namespace = self.namespace
        id_key = widget_ids.load_key()

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            return bool(token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

        async def tell_state(sid: Text, session_id: Text) -> None:
            """Tell the page whether a hand-over is requested, held or over, when that changed."""
            state = await held.state(session_id)
            if state is None:
                return
            async with sio.session(sid, namespace=namespace) as session:
                told = session.get("handoff") or CLOSED
                changed = told.get("handoff") != state["handoff"] or told.get("coordinator") != state.get("coordinator")
                session["handoff"] = state
            if changed:
                await sio.emit(self.bot_message_evt, state, room=sid, namespace=namespace)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            asked = data if isinstance(data, dict) else {}
            session_id, proof = widget_ids.kept_or_new(id_key, asked.get("session_id"), asked.get("proof"))
            async with sio.session(sid, namespace=namespace) as session:
                previous = session.get("session_id")
                session["session_id"] = session_id
                # What the page believes: told only when the server knows otherwise.
                believed = isinstance(data, dict) and data.get("handoff") in ("requested", "joined")
                session["handoff"] = {"handoff": data["handoff"]} if believed else CLOSED
            if previous and previous != session_id:
                await sio.leave_room(sid, previous, namespace=namespace)
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=namespace)
            await sio.emit("session_confirm", {"session_id": session_id, "proof": proof}, room=sid,
                           namespace=namespace)
            await tell_state(sid, session_id)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: Text, data: Any = None) -> None:
            text, answer = check_message(data)
            if answer is not None:
                await sio.emit(self.bot_message_evt, {"text": answer}, room=sid, namespace=namespace)
            if text is None:
                return
            if self.session_persistence:
                session = await sio.get_session(sid, namespace=namespace)
                sender_id = session.get("session_id")
                if sender_id is None:
                    logger.warning("socket.io : message reçu avant session_request, ignoré")
                    return
            else:
                sender_id = sid
            output = MessageIds(sio, self.bot_message_evt)
            metadata = metadata_of(data, self.metadata_key)
            metadata.pop(held.FOR_COORDINATOR, None)  # only this channel says so
            holder, safety = await held.holder(sender_id), []
            if holder is not None:
                command = held.command(text)
                if command is None:
                    metadata[held.FOR_COORDINATOR] = True
                    safety = held.safety_answer(text, holder)
                else:
                    if not await held.end(sender_id, holder, command):
                        await sio.emit(self.bot_message_evt, {"text": held.end_failed()}, room=sid,
                                       namespace=namespace)
                        return
                    if command == held.STOP:
                        return
            await on_new_message(UserMessage(text, output, sender_id, input_channel=self.name(),
                                             metadata=metadata))
            if safety and not await held.say_safety(sender_id, safety):
                for line in safety:
                    await sio.emit(self.bot_message_evt, {"text": line}, room=sid, namespace=namespace)
            await tell_state(sid, sender_id)

        return blueprint
