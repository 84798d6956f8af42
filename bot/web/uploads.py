"""`POST /cv/{token}`: the CV file of the apply form, sent by the widget.

The token is the single-use one the form issued to this conversation (knowledge/coordination/cv_files.py); the
file's type is read from its first bytes. The answer is JSON: {"token", "filename"} when the file
is taken, {"error": reason in French} (400) when it is not, so the widget shows why and the form
goes on.
"""
import asyncio
from urllib.parse import unquote

from aiohttp import web

from knowledge.coordination import cv_files
from knowledge.texts import text

PATH = "/cv/{token}"
FIELD = "file"


def _refused(reason: str, status: int = 400) -> web.Response:
    return web.json_response({"error": reason}, status=status)


async def upload_cv(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    try:
        reader = await request.multipart()
        part = await reader.next()
        while part is not None and part.name != FIELD:
            part = await reader.next()
    except (ValueError, AssertionError):
        part = None
    if part is None:
        return _refused(text("cv.no_file"))
    data = bytearray()
    while len(data) <= cv_files.MAX_BYTES:
        chunk = await part.read_chunk(64 * 1024)
        if not chunk:
            break
        data.extend(chunk)
    # Some clients send the name percent-encoded (browsers send it as is).
    try:
        stored = await asyncio.to_thread(cv_files.save, token, unquote(part.filename or "cv"),
                                          bytes(data))
    except cv_files.Refused as refused:
        return _refused(str(refused))
    return web.json_response({"token": token, "filename": stored.filename})


def setup(app: web.Application) -> None:
    app.router.add_post(PATH, upload_cv, name="cv_upload")
