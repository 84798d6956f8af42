"""A fake Telegram Bot API server for the tests, and builders of the updates Telegram would send.

`FakeBotApi` listens on 127.0.0.1 (aiohttp, random port), records every method called as
`/bot<token>/<method>` with its parameters, and answers like Telegram: `{"ok": true, "result": …}`
with a plausible Message for sendMessage, 401 for another token, or the errors a test queued.
"""
import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from aiohttp import web

BOT_USER = {"id": 424242, "is_bot": True, "first_name": "Côté Soin", "username": "CoteSoinTestBot"}
# Parameters python-telegram-bot sends as strings and that must not be read as JSON.
_TEXT_PARAMETERS = {"text", "url", "secret_token", "callback_query_id", "photo"}


@dataclass
class Call:
    method: str
    params: Dict[str, Any]


class FakeBotApi:
    def __init__(self, token: str):
        self.token = token
        self.calls: List[Call] = []
        self.update_batches: List[List[dict]] = []  # what the next getUpdates calls return
        self.errors: Dict[str, List[dict]] = {}  # method -> error answers to give first
        self.webhook_url = ""
        self._runner: Optional[web.AppRunner] = None
        self.port = 0
        self._message_ids = 1000
        self.files: Dict[str, bytes] = {}  # file_id -> content, served by getFile and /file/bot…

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> "FakeBotApi":
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- what the tests look at ------------------------------------------------------------------
    def methods(self) -> List[str]:
        return [call.method for call in self.calls]

    def sent(self, method: str = "sendMessage") -> List[Dict[str, Any]]:
        return [call.params for call in self.calls if call.method == method]

    def texts(self) -> List[str]:
        return [params["text"] for params in self.sent("sendMessage")]

    def fail_next(self, method: str, error_code: int, description: str, **parameters: Any) -> None:
        answer = {"ok": False, "error_code": error_code, "description": description}
        if parameters:
            answer["parameters"] = parameters
        self.errors.setdefault(method, []).append(answer)

    # -- the server ------------------------------------------------------------------------------
    async def _file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if request.match_info["token"] != self.token or file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id])

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append(Call(method, params))
        if self.errors.get(method):
            answer = self.errors[method].pop(0)
            return web.json_response(answer, status=answer["error_code"])
        return web.json_response({"ok": True, "result": await self._result(method, params)})

    @staticmethod
    async def _params(request: web.Request) -> Dict[str, Any]:
        if request.content_type == "application/json":
            return await request.json()
        params = {}
        for key, value in (await request.post()).items():
            if key in _TEXT_PARAMETERS or not isinstance(value, str):
                params[key] = value
                continue
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        return params

    async def _result(self, method: str, params: Dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "sendPhoto"):
            self._message_ids += 1
            message = {"message_id": self._message_ids, "date": int(time.time()), "from": BOT_USER,
                       "chat": {"id": int(params["chat_id"]), "type": "private"}}
            if "text" in params:
                message["text"] = params["text"]
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            return message
        if method == "getFile":
            file_id = params["file_id"]
            return {"file_id": file_id, "file_unique_id": f"u-{file_id}",
                    "file_size": len(self.files.get(file_id, b"")), "file_path": f"documents/{file_id}"}
        if method == "setWebhook":
            self.webhook_url = params.get("url", "")
            return True
        if method == "deleteWebhook":
            self.webhook_url = ""
            return True
        if method == "getWebhookInfo":
            return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": 0}
        if method == "getUpdates":
            if self.update_batches:
                return self.update_batches.pop(0)
            await asyncio.sleep(0.05)  # a (very) short long-poll with nothing new
            return []
        return True  # answerCallbackQuery, leaveChat, …


# -- updates as Telegram posts them ---------------------------------------------------------------
_next_id = [5000]


def _update_id() -> int:
    _next_id[0] += 1
    return _next_id[0]


def person(chat_id: int) -> Dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Camille", "language_code": "fr"}


def message_update(chat_id: int, chat_type: str = "private", **content: Any) -> Dict[str, Any]:
    """An update with a new message; `content` is e.g. text="…", photo=[…], location={…}."""
    update_id = _update_id()
    chat = {"id": chat_id, "type": chat_type}
    chat.update({"first_name": "Camille"} if chat_type == "private" else {"title": "Équipe du service"})
    message = {"message_id": update_id, "date": int(time.time()), "chat": chat, "from": person(abs(chat_id))}
    message.update(content)
    return {"update_id": update_id, "message": message}


def text_update(chat_id: int, text: str, **kwargs: Any) -> Dict[str, Any]:
    update = message_update(chat_id, text=text, **kwargs)
    if text.startswith("/"):
        command = text.split()[0]
        update["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return update


def button_update(chat_id: int, data: str, message_text: str = "Que cherchez-vous ?") -> Dict[str, Any]:
    """A tap on an inline button carrying `data` under a message of the bot."""
    update_id = _update_id()
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb-{update_id}",
            "from": person(chat_id),
            "chat_instance": "instance-1",
            "data": data,
            "message": {"message_id": 77, "date": int(time.time()), "from": BOT_USER,
                        "chat": {"id": chat_id, "type": "private", "first_name": "Camille"},
                        "text": message_text},
        },
    }


ATTACHMENTS = {
    "photo": {"photo": [{"file_id": "ph1", "file_unique_id": "u1", "width": 90, "height": 90, "file_size": 1200}]},
    "voice": {"voice": {"file_id": "vo1", "file_unique_id": "u2", "duration": 4, "mime_type": "audio/ogg"}},
    "sticker": {"sticker": {"file_id": "st1", "file_unique_id": "u3", "type": "regular", "width": 512,
                            "height": 512, "is_animated": False, "is_video": False, "emoji": "👍"}},
    "document": {"document": {"file_id": "do1", "file_unique_id": "u4", "file_name": "cv.pdf",
                              "mime_type": "application/pdf"}},
}
