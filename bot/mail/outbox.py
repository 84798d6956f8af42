"""The web process's outbox sender: e-mails the applications due, retries with back-off when the
SMTP server fails, and hands them to the coordinators' queue when no server is set; e-mails the
installation plans asked for (« Recevoir mon plan »), with the same back-off.

`send_due()` and `send_plans_due()` do one pass (the tests call them); `outbox_sender` is the
aiohttp cleanup context that runs `one_pass()` every `OUTBOX_INTERVAL_SECONDS` (30 by default)
while the site runs: those, the confirmation links of new e-mail alerts, and from
`ALERTS_DIGEST_HOUR` (Paris) the day's alert digests (bot/alerts/send.py).
"""
import asyncio
import logging
import os
from datetime import datetime
from typing import AsyncIterator, Optional

from aiohttp import web

from bot.alerts import send as alert_sender
from bot.mail.compose import application_message, plan_message
from bot.mail.smtp import SEND_ERRORS, SmtpPass
from knowledge.coordination import applications, mail_settings, plans
from knowledge.partners import plan_builder

log = logging.getLogger(__name__)
NO_SERVER = "aucun serveur d'envoi configuré (SMTP_HOST)"


async def send_due(now: Optional[datetime] = None) -> int:
    """Send every application due at `now` (default: now); returns how many were sent."""
    due = await asyncio.to_thread(applications.claim_due, now)
    smtp = mail_settings.smtp()
    mail = SmtpPass(smtp) if smtp is not None else None
    sent = 0
    for application in due:
        if mail is None:
            await asyncio.to_thread(applications.queue, application.id, NO_SERVER)
            continue
        try:
            await mail.deliver(application_message(application, smtp.mail_from))
        except SEND_ERRORS as error:
            log.warning("Candidature %s non envoyée : %s", application.reference, error)
            await asyncio.to_thread(applications.mark_failed, application.id, str(error) or type(error).__name__)
            continue
        await asyncio.to_thread(applications.mark_sent, application.id)
        sent += 1
    return sent


async def send_plans_due(now: Optional[datetime] = None) -> int:
    """E-mail every plan asked for and due at `now`; returns how many were sent. Without an SMTP
    server nothing is claimed (the person was told so, with the page's link)."""
    smtp = mail_settings.smtp()
    if smtp is None:
        return 0
    mail, sent = SmtpPass(smtp), 0
    for plan in await asyncio.to_thread(plans.claim_due_emails, now):
        message = plan_message(plan, plan_builder.describe_situation(plan.situation), plans.page_url(plan.token),
                               smtp.mail_from)
        try:
            await mail.deliver(message)
        except SEND_ERRORS as error:
            log.warning("Plan d'installation %s non envoyé : %s", plan.id, error)
            await asyncio.to_thread(plans.email_failed, plan.id, now)
            continue
        await asyncio.to_thread(plans.email_sent, plan.id, now)
        sent += 1
    return sent


def interval() -> float:
    return float(os.environ.get("OUTBOX_INTERVAL_SECONDS") or 30)


async def one_pass(now: Optional[datetime] = None) -> None:
    """What the site sends by itself at each pass; each part runs even when another failed."""
    parts = (("candidatures", send_due), ("plans d'installation", send_plans_due),
             ("liens de confirmation des alertes",
              lambda now: alert_sender.send_confirmations(alert_sender.Report())),
             ("messages du jour des alertes", alert_sender.send_daily))
    for label, part in parts:
        try:
            await part(now)
        except Exception:  # a database hiccup must not stop the sender for good
            log.exception("Envoi des %s : erreur, nouvel essai au prochain passage", label)


async def _loop() -> None:
    while True:
        await asyncio.sleep(interval())
        await one_pass()


async def outbox_sender(app: web.Application) -> AsyncIterator[None]:
    """Run the sender in the background while the site runs."""
    task = asyncio.create_task(_loop())
    yield
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
