"""Send what the alerts owe: confirmation links of new e-mail subscriptions, then the day's
digests (in the Telegram chat through the channel's client and rate limiter, or by e-mail with
a List-Unsubscribe header). A digest is noted before it goes, and un-noted when sending fails:
two senders never send the same one."""
import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import List, Optional
from urllib.parse import quote

from telegram.error import TelegramError

from bot.mail.compose import render
from bot.mail.smtp import SEND_ERRORS, SmtpPass
from knowledge.coordination import alerts, applications, mail_settings
from knowledge.coordination.applications import apply_payload
from knowledge.partners import queries, vocabulary
from knowledge.settings import public_site_url
from knowledge.texts import text

log = logging.getLogger(__name__)


def describe(sub: alerts.Subscription) -> str:
    """« infirmier / infirmière à Pornic, CDI » — the criteria in words."""
    words = []
    if sub.profession:
        try:
            words.append(queries.get_profession(sub.profession).label)
        except queries.NotFound:
            words.append(sub.profession)
    else:
        words.append(text("alerts.criteria.any_profession"))
    words.append(text("alerts.criteria.in_communes", communes=", ".join(sub.communes)) if sub.communes
                 else text("alerts.criteria.whole_territory"))
    if sub.contract:
        words.append(vocabulary.contract_label(sub.contract))
    if sub.work_time:
        words.append(vocabulary.work_time_label(sub.work_time))
    return " ".join(words[:2]) + "".join(f", {w}" for w in words[2:])


def confirm_url(sub: alerts.Subscription) -> str:
    return f"{public_site_url()}/alertes/confirmer/{quote(sub.confirm_token or '')}"


def unsubscribe_url(sub: alerts.Subscription) -> str:
    return f"{public_site_url()}/alertes/arreter/{quote(sub.unsubscribe_token)}"


def apply_url(opening: queries.OpeningInfo) -> str:
    return applications.apply_url(opening.id)


def confirmation_message(sub: alerts.Subscription, mail_from: str) -> EmailMessage:
    """The confirmation link of a new e-mail alert, or of its yearly re-consent."""
    reconsent = sub.reconsent_asked_at is not None
    message = EmailMessage()
    message["Subject"] = text("alerts.reconsent_subject" if reconsent else "alerts.confirm_subject")
    message["From"], message["To"] = mail_from, sub.email
    values = {"criteria": describe(sub), "confirm_url": confirm_url(sub), "reconsent": reconsent,
              "months": alerts.reconsent_months()}
    message.set_content(render("alert_confirm.txt", **values))
    message.add_alternative(render("alert_confirm.html", **values), subtype="html")
    return message


def digest_message(digest: alerts.Digest, mail_from: str) -> EmailMessage:
    sub = digest.subscription
    message = EmailMessage()
    count = len(digest.openings)
    message["Subject"] = (text("alerts.digest_subject_many", count=count) if count > 1
                          else text("alerts.digest_subject_one"))
    message["From"], message["To"] = mail_from, sub.email
    message["List-Unsubscribe"] = f"<{unsubscribe_url(sub)}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    values = {"criteria": describe(sub), "openings": digest.openings, "apply_url": apply_url,
              "unsubscribe_url": unsubscribe_url(sub)}
    message.set_content(render("alert_digest.txt", **values))
    message.add_alternative(render("alert_digest.html", **values), subtype="html")
    return message


def telegram_text(digest: alerts.Digest) -> str:
    lines = [text("alerts.digest_telegram_intro", criteria=describe(digest.subscription))]
    lines += [f"• {o.title} — {o.structure}, {o.commune}" for o in digest.openings]
    lines.append(text("alerts.digest_telegram_stop"))
    return "\n".join(lines)


def telegram_buttons(digest: alerts.Digest) -> List[dict]:
    """The « Postuler » buttons of the conversation (the same payload starts the apply form)."""
    return [{"title": text("button.apply", title=o.title[:40]), "payload": apply_payload(o.id)}
            for o in digest.openings]


@dataclass
class Report:
    confirmations: int = 0
    digests: int = 0
    openings: int = 0
    failed: int = 0
    reconsents: int = 0
    planned: List[str] = field(default_factory=list)
    # The e-mails of this pass (bot/mail/smtp.py): once the server proved unreachable, no other is tried.
    mail: Optional[SmtpPass] = None

    def mail_pass(self, smtp: mail_settings.SmtpSettings) -> SmtpPass:
        self.mail = self.mail or SmtpPass(smtp)
        return self.mail


async def send_confirmations(report: Report, dry_run: bool = False) -> None:
    """The confirmation links owed (new e-mail alerts, re-consents asked); one that fails goes at
    the next pass."""
    smtp = mail_settings.smtp()
    for sub in await asyncio.to_thread(alerts.pending_confirmations):
        if dry_run or smtp is None:
            report.planned.append(text("alerts.planned_confirmation", email=sub.email))
            continue
        await _send_confirmation(report, sub, smtp)


async def _send_confirmation(report: Report, sub: alerts.Subscription, smtp: mail_settings.SmtpSettings) -> None:
    try:
        await report.mail_pass(smtp).deliver(confirmation_message(sub, smtp.mail_from))
    except SEND_ERRORS as error:
        log.warning("Alerte %s : lien de confirmation non envoyé, il repartira au prochain passage (%s)", sub.id, error)
        report.failed += 1
        return
    await asyncio.to_thread(alerts.confirmation_sent, sub.id)
    if sub.reconsent_asked_at is not None:
        report.reconsents += 1
    else:
        report.confirmations += 1


async def send_reconsent(report: Report, telegram_output=None, now: Optional[datetime] = None,
                         dry_run: bool = False) -> None:
    """After `alerts_reconsent_months`, ask again: a new confirmation link by e-mail (owed until it
    went: without a server, or when it fails, `send_confirmations` sends it at a later pass); on
    Telegram the alert stops and a button starts it again."""
    if dry_run:
        return
    smtp = mail_settings.smtp()
    for sub in await asyncio.to_thread(alerts.ask_reconsent, now):
        if sub.chat_id is None:
            if smtp is not None:
                await _send_confirmation(report, sub, smtp)
            continue
        if telegram_output is None:
            continue
        try:
            await telegram_output.send_text_with_buttons(
                sub.sender_id, text("alerts.reconsent_telegram", months=alerts.reconsent_months()),
                [{"title": text("button.alert_me_again"), "payload": "/subscribe_alerts"}])
        except TelegramError as error:
            log.warning("Alerte %s : demande de nouvel accord non envoyée (%s)", sub.id, error)
            report.failed += 1
            continue
        report.reconsents += 1


async def send_digests(report: Report, telegram_output=None, now: Optional[datetime] = None,
                       dry_run: bool = False) -> None:
    """`telegram_output`: a TelegramOutput (bot/telegram/output.py) for Telegram subscribers."""
    smtp = mail_settings.smtp()
    for digest in await asyncio.to_thread(alerts.due_digests, now):
        sub = digest.subscription
        where = f"telegram {sub.chat_id}" if sub.chat_id is not None else sub.email
        report.planned.append(text("alerts.planned_digest", count=len(digest.openings), id=sub.id, where=where))
        if dry_run:
            continue
        if sub.chat_id is not None and telegram_output is None or sub.chat_id is None and smtp is None:
            log.warning("Alerte %s : aucun moyen d'envoi configuré (Telegram ou SMTP_HOST)", sub.id)
            report.failed += 1
            continue
        if not await asyncio.to_thread(alerts.record_digest, sub.id, [o.id for o in digest.openings], now):
            continue
        try:
            if sub.chat_id is not None:
                await telegram_output.send_text_with_buttons(sub.sender_id, telegram_text(digest),
                                                             telegram_buttons(digest))
            else:
                await report.mail_pass(smtp).deliver(digest_message(digest, smtp.mail_from))
        except SEND_ERRORS + (TelegramError,) as error:
            log.warning("Alerte %s : message du jour non envoyé, il repartira au prochain passage (%s)", sub.id, error)
            await asyncio.to_thread(alerts.undo_digest, sub.id, [o.id for o in digest.openings], sub.last_digest_at)
            report.failed += 1
            continue
        report.digests += 1
        report.openings += len(digest.openings)


async def send_daily(now: Optional[datetime] = None, dry_run: bool = False) -> Report:
    """The day's part, from `ALERTS_DIGEST_HOUR` (Paris): the re-consent questions, then the digests
    — at most one a day per subscriber (knowledge/coordination/alerts.py notes each before it goes). The web
    process calls it at every pass of its outbox; the Telegram client is opened only when a Telegram
    subscriber is owed something."""
    report = Report()
    now = now or datetime.utcnow()
    if not alerts.digest_time_reached(now):
        return report
    due = await asyncio.to_thread(alerts.due_digests, now)
    reconsent = not dry_run and await asyncio.to_thread(alerts.reconsent_due, now)
    if not due and not reconsent:
        return report
    from bot.telegram import settings as telegram_settings
    settings = telegram_settings.load()
    if not settings.enabled or not reconsent and all(d.subscription.chat_id is None for d in due):
        await send_reconsent(report, None, now, dry_run)
        await send_digests(report, None, now, dry_run)
        return report
    from bot.telegram.app import make_bot
    from bot.telegram.formatting import CallbackPayloads
    from bot.telegram.output import TelegramOutput

    bot = make_bot(settings)
    async with bot:
        output = TelegramOutput(bot, CallbackPayloads())
        await send_reconsent(report, output, now, dry_run)
        await send_digests(report, output, now, dry_run)
    return report
