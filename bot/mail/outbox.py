"""The web process's outbox sender: e-mails the applications due, retries with back-off when the
SMTP server fails, and hands them to the coordinators' queue when no server is set.

`send_due()` does one pass (the tests call it); `outbox_sender` is the aiohttp cleanup context
that runs it every `OUTBOX_INTERVAL_SECONDS` (30 by default) while the site runs, with the
confirmation links of new e-mail alerts (bot/alerts/send.py).
"""
import asyncio
import logging
import os
from datetime import datetime
from typing import AsyncIterator, Optional

import aiosmtplib
from aiohttp import web

from bot.alerts import send as alert_sender
from bot.mail.compose import application_message
from bot.mail.smtp import deliver
from knowledge import applications, mail_settings

log = logging.getLogger(__name__)
NO_SERVER = "aucun serveur d'envoi configuré (SMTP_HOST)"


async def send_due(now: Optional[datetime] = None) -> int:
    """Send every application due at `now` (default: now); returns how many were sent."""
    due = await asyncio.to_thread(applications.claim_due, now)
    smtp = mail_settings.smtp()
    sent = 0
    for application in due:
        if smtp is None:
            await asyncio.to_thread(applications.queue, application.id, NO_SERVER)
            continue
        try:
            await deliver(application_message(application, smtp.mail_from), smtp)
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as error:
            log.warning("Candidature %s non envoyée : %s", application.reference, error)
            await asyncio.to_thread(applications.mark_failed, application.id, str(error) or type(error).__name__)
            continue
        await asyncio.to_thread(applications.mark_sent, application.id)
        sent += 1
    return sent


def interval() -> float:
    return float(os.environ.get("OUTBOX_INTERVAL_SECONDS") or 30)


async def _loop() -> None:
    while True:
        await asyncio.sleep(interval())
        try:
            await send_due()
            # The confirmation links of new e-mail alerts go at once too (the digests: `cotesoin alerts send`).
            await alert_sender.send_confirmations(alert_sender.Report())
        except Exception:  # a database hiccup must not stop the sender for good
            log.exception("Envoi des candidatures et des liens d'alerte : erreur, nouvel essai au prochain passage")


async def outbox_sender(app: web.Application) -> AsyncIterator[None]:
    """Run the sender in the background while the site runs."""
    task = asyncio.create_task(_loop())
    yield
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
