"""A CV sent as a document on Telegram while the apply form asks for one: downloaded through the
Bot API's getFile, checked and stored like the widget's (knowledge/coordination/cv_files.py), then handed to the
assistant as `/inform{"cv_token": …}`. A refused file gets its French reason; the form goes on."""
import asyncio
import json
from typing import Awaitable, Callable

from telegram import Bot, Document
from telegram.error import TelegramError

from bot.telegram.logs import logger
from knowledge.coordination import cv_files
from knowledge.texts import text

DOWNLOAD_FAILED = text("telegram.download_failed")


def file_base_url(api_base_url: str) -> str:
    """Where the Bot API serves files: https://api.telegram.org/bot → https://api.telegram.org/file/bot."""
    base = api_base_url.rstrip("/")
    return (base[:-len("/bot")] if base.endswith("/bot") else base) + "/file/bot"


async def offer_cv(bot: Bot, sender: str, document: Document, say: Callable[[str], Awaitable[None]],
                   forward: Callable[[str], Awaitable[None]]) -> bool:
    """Take `document` as the CV of the form waiting for one; False when no form is waiting."""
    token = await asyncio.to_thread(cv_files.open_token, sender)
    if token is None:
        return False
    if document.file_size and document.file_size > cv_files.MAX_BYTES:
        await say(cv_files.TOO_LARGE)
        return True
    try:
        telegram_file = await bot.get_file(document.file_id)
        data = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as error:
        logger.warning("Telegram : fichier non téléchargé (%s)", type(error).__name__)
        await say(DOWNLOAD_FAILED)
        return True
    try:
        await asyncio.to_thread(cv_files.save, token, document.file_name or "cv", data)
    except cv_files.Refused as refused:
        await say(str(refused))
        return True
    await forward("/inform" + json.dumps({"cv_token": token}, separators=(",", ":")))
    return True
