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
- Every message sent to a conversation carries an `id` (bot/web/output.py `MessageIds`): all the
  tabs of one visitor are in the conversation's room and get it, and each tab keeps the history
  shared between them, so the id tells a tab that another one already wrote this answer down.
- A tab (re)connecting says which message its history ends with (`holds` in `session_request`);
  what it missed while no tab was connected (a coordinator's answer written while the page was
  closed) is read back from the tracker store's table and sent to that tab only, with the same ids
  (bot/web/replay.py). This is done under the conversation's lock in Rasa's lock store, as Rasa
  handles a message: an answer being sent meanwhile is either already stored or reaches the tab
  live, after what it missed.
"""
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels import socketio as rasa_socketio
from rasa.core.channels.channel import UserMessage, decode_bearer_token
from rasa.core.lock_store import LockError
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot import held
from bot.web import replay, widget_ids
from bot.web.output import MessageIds
from knowledge.texts import template, text

logger = logging.getLogger(__name__)

# The widget refuses longer messages itself; the channel refuses them for any other client.
MAX_MESSAGE_CHARS = 1000
CLOSED = {"handoff": "closed"}
# Between two looks at the conversation's lock while Rasa answers in it (Rasa's default: 1 s).
LOCK_WAIT_SECONDS = 0.05

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


class SocketIOInput(rasa_socketio.SocketIOInput):
    """Rasa's socket.io channel, with rooms that work and checked input (see the module docstring)."""

    app: Optional[Sanic] = None  # the Rasa server's, kept when it starts: its agent has the lock store

    def _agent(self) -> Any:
        """Rasa's agent of the server, when it has a lock store (a model loaded)."""
        agent = getattr(self.app.ctx, "agent", None) if self.app is not None else None
        return agent if getattr(agent, "lock_store", None) is not None else None

    def get_output_channel(self) -> Optional[rasa_socketio.SocketIOOutput]:
        """The output of messages Rasa sends on its own (a coordinator's, `output_channel=latest`)."""
        return MessageIds(self.sio, self.bot_message_evt) if self.sio is not None else super().get_output_channel()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # cors_allowed_origins=[] turns python-engineio's origin check off, as Rasa does: the page
        # reaches this server through the web app's same-origin proxy (bot/web/proxy.py).
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        blueprint = rasa_socketio.SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)

        def keep_app(app: Sanic, _loop: Any) -> None:  # a function: Sanic never calls a bound method here
            self.app = app

        blueprint.listener(keep_app, "before_server_start")
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

            async def confirm() -> None:
                await sio.emit("session_confirm", {"session_id": session_id, "proof": proof}, room=sid,
                               namespace=namespace)
                await tell_state(sid, session_id)

            wanted, holds = replay.holds_of(asked)
            agent = self._agent()
            if not (wanted and self.session_persistence and session_id == asked.get("session_id") and agent):
                await confirm()
                return
            try:
                # In the room already: what Rasa sends once the lock is released reaches this tab live.
                async with agent.lock_store.lock(session_id, wait_time_in_seconds=LOCK_WAIT_SECONDS):
                    await confirm()
                    await send_missed(sid, session_id, holds)
            except LockError as error:
                logger.error("Conversation verrouillée, messages manqués non renvoyés : %s", error)
                await confirm()

        async def send_missed(sid: Text, session_id: Text, holds: Optional[Text]) -> None:
            """Send this tab what it missed of the conversation (bot/web/replay.py)."""
            try:
                messages = await replay.missed(session_id, holds)
            except Exception as error:  # the tab goes on without them; nothing else depends on it
                logger.error("Messages manqués illisibles dans le stockage des conversations : %s", error)
                return
            for message in messages:
                await sio.emit(self.bot_message_evt, message, room=sid, namespace=namespace)

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
