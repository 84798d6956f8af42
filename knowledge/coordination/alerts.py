"""Alerts of new openings: subscriptions kept with consent, e-mail double opt-in, one-step
unsubscribe, and the daily digest of each subscriber (each opening sent at most once).

New openings are found by difference, not by a hook in the import or the console: at
subscription time every opening already matching is noted as « already there »
(`AlertDelivery.sent_at` empty); later, any open matching opening not noted yet is new, whatever
added it. A digest records its openings in the same transaction that stamps `last_digest_at`.
"""
import os
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Dict, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from knowledge import db
from knowledge.coordination import mail_budget
from knowledge.coordination.models import AlertDelivery, AlertSubscription
from knowledge.partners import queries
from knowledge.partners.queries import OpeningInfo

PARIS = ZoneInfo("Europe/Paris")
TELEGRAM = "telegram"
# The most openings one search for a digest looks at (more would not be read anyway).
MAX_PER_DIGEST = 50


def digest_hour() -> int:
    """`ALERTS_DIGEST_HOUR`: the Paris hour from which the day's digest may go (8 by default)."""
    return int(os.environ.get("ALERTS_DIGEST_HOUR") or 8)


@dataclass(frozen=True)
class Subscription:
    id: int
    sender_id: str
    channel: str
    email: Optional[str]
    profession: Optional[str]
    communes: List[str]
    contract: Optional[str]
    work_time: Optional[str]
    confirm_token: Optional[str]
    unsubscribe_token: str
    confirmed: bool
    active: bool
    created_at: datetime
    last_digest_at: Optional[datetime]
    reconsent_asked_at: Optional[datetime] = None  # set while an e-mail alert waits for its yearly re-consent

    @property
    def chat_id(self) -> Optional[int]:
        prefix = TELEGRAM + "-"
        if self.channel == TELEGRAM and self.sender_id.startswith(prefix):
            return int(self.sender_id[len(prefix):])
        return None


def _info(row: AlertSubscription) -> Subscription:
    return Subscription(row.id, row.sender_id, row.channel, row.email, row.profession_code, list(row.communes or []),
                        row.contract, row.work_time, row.confirm_token, row.unsubscribe_token,
                        row.confirmed_at is not None, row.active, row.created_at, row.last_digest_at,
                        row.reconsent_asked_at)


def _matching(row: AlertSubscription) -> List[OpeningInfo]:
    return queries.find_openings(profession=row.profession_code, communes=row.communes or None,
                                 contract=row.contract, work_time=row.work_time, limit=MAX_PER_DIGEST).openings


def _same_criteria(row: AlertSubscription, profession: Optional[str], communes: Sequence[str],
                   contract: Optional[str], work_time: Optional[str]) -> bool:
    return ((row.profession_code, row.contract, row.work_time) == (profession, contract, work_time)
            and sorted(row.communes or []) == sorted(communes))


def _renew(row: AlertSubscription, sender_id: str, channel: str, consent_text: str, email: Optional[str],
           now: datetime) -> None:
    """The same alert asked again: the consent is renewed, the conversation is the latest one; a new
    address waits for its own confirmation, an unconfirmed one gets its link again (once a day at most)."""
    row.sender_id, row.channel, row.consent_text, row.consent_at = sender_id, channel, consent_text, now
    if row.channel == TELEGRAM:
        return
    if (email or "").lower() != (row.email or "").lower():
        row.email, row.confirmed_at, row.confirm_token = email, None, secrets.token_urlsafe(24)
        row.reconsent_asked_at = None
    if row.confirmed_at is None and (row.confirmation_sent_at is None
                                     or row.confirmation_sent_at <= now - mail_budget.DAY):
        row.confirmation_sent_at = None  # its link again; within a day, the one sent is still valid


def subscribe(sender_id: str, channel: str, consent_text: str, profession: Optional[str] = None,
              communes: Sequence[str] = (), contract: Optional[str] = None, work_time: Optional[str] = None,
              email: Optional[str] = None) -> Subscription:
    """Keep the criteria with the consent. Telegram: active at once; otherwise an e-mail is needed
    and the subscription waits for its confirmation link. The openings already there are noted.

    The same criteria asked again by the conversation, or for the same e-mail address, renew the
    active subscription that has them instead of adding a second one: one digest a day, each
    opening once."""
    now = datetime.utcnow()
    by_telegram = channel == TELEGRAM
    if not by_telegram and not email:
        raise ValueError("une alerte hors Telegram a besoin d'une adresse e-mail")
    same_person = AlertSubscription.sender_id == sender_id
    if not by_telegram:
        same_person = same_person | (func.lower(AlertSubscription.email) == email.lower())
    with db.session_scope() as session:
        for row in session.scalars(select(AlertSubscription).where(
                AlertSubscription.active.is_(True), same_person).order_by(AlertSubscription.id)):
            if (row.channel == TELEGRAM) == by_telegram and _same_criteria(row, profession, communes, contract,
                                                                          work_time):
                _renew(row, sender_id, channel, consent_text, None if by_telegram else email, now)
                return _info(row)
    row = AlertSubscription(
        sender_id=sender_id, channel=channel, email=None if by_telegram else email, profession_code=profession,
        communes=list(communes), contract=contract, work_time=work_time, consent_text=consent_text,
        consent_at=now, confirm_token=None if by_telegram else secrets.token_urlsafe(24),
        confirmed_at=now if by_telegram else None, unsubscribe_token=secrets.token_urlsafe(24), created_at=now)
    existing = _matching(row)
    with db.session_scope() as session:
        session.add(row)
        session.flush()
        for opening in existing:
            session.add(AlertDelivery(subscription_id=row.id, opening_id=opening.id, sent_at=None))
        return _info(row)


def by_confirm_token(token: str) -> Optional[Subscription]:
    """The subscription an e-mail's confirmation link names (nothing changed), None if unknown."""
    with db.session_scope() as session:
        row = session.scalars(select(AlertSubscription).where(AlertSubscription.confirm_token == (token or ""))).first()
        return _info(row) if row is not None else None


def by_unsubscribe_token(token: str) -> Optional[Subscription]:
    """The subscription an e-mail's stop link names (nothing changed), None if unknown."""
    with db.session_scope() as session:
        row = session.scalars(select(AlertSubscription).where(
            AlertSubscription.unsubscribe_token == (token or ""))).first()
        return _info(row) if row is not None else None


def confirm(token: str) -> Optional[Subscription]:
    """The e-mail confirmation link (first time, or the yearly re-consent): the subscription is
    active again from now; None for an unknown token."""
    with db.session_scope() as session:
        row = session.scalars(select(AlertSubscription).where(AlertSubscription.confirm_token == (token or ""))).first()
        if row is None or not row.active:
            return None
        if row.confirmed_at is None:
            row.confirmed_at = row.consent_at = datetime.utcnow()
            row.reconsent_asked_at = None
        return _info(row)


def reconsent_months() -> int:
    from knowledge.coordination import privacy  # privacy imports this module
    return int(privacy.retention().get("alerts_reconsent_months", 12))


def _reconsent_cutoff(now: datetime) -> datetime:
    from knowledge.coordination.privacy import months_before
    return months_before(now, reconsent_months())


def reconsent_due(now: Optional[datetime] = None) -> bool:
    """Whether `ask_reconsent` has someone to ask (read only)."""
    now = now or datetime.utcnow()
    with db.session_scope() as session:
        return session.scalars(select(AlertSubscription.id).where(
            AlertSubscription.active.is_(True), AlertSubscription.confirmed_at.is_not(None),
            AlertSubscription.consent_at < _reconsent_cutoff(now)).limit(1)).first() is not None


def ask_reconsent(now: Optional[datetime] = None) -> List[Subscription]:
    """Subscriptions whose consent is older than `alerts_reconsent_months` (knowledge/coordination/privacy.yml):
    an e-mail one waits for a new confirmation link (nothing is sent meanwhile); a Telegram one
    stops, and the person is offered to start it again. Returns those to tell.

    The e-mail's link is owed from now (`pending_confirmations`) until `confirmation_sent` notes it
    gone: a link that could not be sent goes at a later pass."""
    now = now or datetime.utcnow()
    cutoff = _reconsent_cutoff(now)
    with db.session_scope() as session:
        rows = list(session.scalars(select(AlertSubscription).where(
            AlertSubscription.active.is_(True), AlertSubscription.confirmed_at.is_not(None),
            AlertSubscription.consent_at < cutoff)))
        for row in rows:
            if row.channel == TELEGRAM:
                row.active, row.unsubscribed_at = False, now
            else:
                row.confirmed_at, row.confirm_token = None, secrets.token_urlsafe(24)
                row.confirmation_sent_at, row.reconsent_asked_at = None, now
        return [_info(row) for row in rows]


def unsubscribe_sender(sender_id: str) -> int:
    """« arrêter les alertes » / `/stop_alertes`: every active subscription of the conversation stops."""
    with db.session_scope() as session:
        rows = list(session.scalars(select(AlertSubscription).where(
            AlertSubscription.sender_id == sender_id, AlertSubscription.active.is_(True))))
        for row in rows:
            row.active, row.unsubscribed_at = False, datetime.utcnow()
        return len(rows)


def unsubscribe_token(token: str) -> bool:
    """The link of every e-mail (and its List-Unsubscribe header); True when it stopped one."""
    with db.session_scope() as session:
        row = session.scalars(select(AlertSubscription).where(
            AlertSubscription.unsubscribe_token == (token or ""))).first()
        if row is None:
            return False
        if row.active:
            row.active, row.unsubscribed_at = False, datetime.utcnow()
        return True


def pending_confirmations(now: Optional[datetime] = None) -> List[Subscription]:
    """E-mail subscriptions whose confirmation link (first one, or yearly re-consent) is to be sent
    now. A first link goes only within the address's budget (knowledge/coordination/mail_budget.py:
    one at a time per address, a few e-mails a day); the others wait, as long as their alert does. A
    re-consent link goes to an address its owner confirmed: always."""
    now = now or datetime.utcnow()
    chosen, addresses = [], set()
    with db.session_scope() as session:
        for row in session.scalars(select(AlertSubscription).where(
                AlertSubscription.active.is_(True), AlertSubscription.confirmed_at.is_(None),
                AlertSubscription.confirmation_sent_at.is_(None), AlertSubscription.email.is_not(None))
                .order_by(AlertSubscription.id)):
            address = mail_budget.address_key(row.email)
            if row.reconsent_asked_at is None and (
                    address in addresses or mail_budget.link_waiting(session, row.email, row.id)
                    or mail_budget.next_free(session, row.email, now) is not None):
                continue
            addresses.add(address)
            chosen.append(_info(row))
    return chosen


LINK_SENT, LINK_AFTER_OTHER = "sent", "after_other"


def link_held(subscription_id: int) -> Optional[str]:
    """Why an unconfirmed e-mail alert's link will not go at the next pass: LINK_SENT (the one sent
    less than a day ago is still valid), LINK_AFTER_OTHER (another alert's link waits at that
    address: it goes once that one is confirmed); None otherwise."""
    with db.session_scope() as session:
        row = session.get(AlertSubscription, subscription_id)
        if row is None or row.email is None or row.confirmed_at is not None:
            return None
        if row.confirmation_sent_at is not None:
            return LINK_SENT
        if row.reconsent_asked_at is None and mail_budget.link_waiting(session, row.email, row.id):
            return LINK_AFTER_OTHER
        return None


def confirmation_sent(subscription_id: int) -> None:
    with db.session_scope() as session:
        session.get(AlertSubscription, subscription_id).confirmation_sent_at = datetime.utcnow()


def _today_start(now: datetime) -> Tuple[date, datetime]:
    """The Paris day of `now` (naive UTC) and the naive UTC moment its digest may go from."""
    paris = now.replace(tzinfo=timezone.utc).astimezone(PARIS)
    start = datetime.combine(paris.date(), time(digest_hour()), PARIS).astimezone(timezone.utc).replace(tzinfo=None)
    return paris.date(), start


def digest_time_reached(now: Optional[datetime] = None) -> bool:
    """Whether `now` (naive UTC) is past today's digest hour in Paris."""
    now = now or datetime.utcnow()
    return now >= _today_start(now)[1]


@dataclass(frozen=True)
class Digest:
    subscription: Subscription
    openings: List[OpeningInfo]


def due_digests(now: Optional[datetime] = None) -> List[Digest]:
    """For each active, confirmed subscription without a digest today (Paris) and past the digest
    hour: its matching openings it was never told about. Subscriptions with nothing new are left out."""
    now = now or datetime.utcnow()
    today, start = _today_start(now)
    if now < start:
        return []
    with db.session_scope() as session:
        rows = list(session.scalars(select(AlertSubscription).where(
            AlertSubscription.active.is_(True), AlertSubscription.confirmed_at.is_not(None))))
        known = {row.id: {d.opening_id for d in row.deliveries} for row in rows}
    digests = []
    for row in rows:
        if row.last_digest_at is not None and row.last_digest_at >= start:
            continue
        new = [o for o in _matching(row) if o.id not in known[row.id]]
        if new:
            digests.append(Digest(_info(row), new))
    return digests


def record_digest(subscription_id: int, opening_ids: Sequence[str], now: Optional[datetime] = None) -> bool:
    """Note the digest as sent; False (nothing noted) when one already went today or the person
    unsubscribed meanwhile — the caller then does not send it."""
    now = now or datetime.utcnow()
    _, start = _today_start(now)
    with db.session_scope() as session:
        row = session.get(AlertSubscription, subscription_id, with_for_update=True)
        if row is None or not row.active or (row.last_digest_at is not None and row.last_digest_at >= start):
            return False
        known = {d.opening_id for d in row.deliveries}
        for opening_id in opening_ids:
            if opening_id not in known:
                session.add(AlertDelivery(subscription_id=row.id, opening_id=opening_id, sent_at=now))
        row.last_digest_at = now
        return True


def undo_digest(subscription_id: int, opening_ids: Sequence[str], previous: Optional[datetime]) -> None:
    """Sending failed: forget the digest just noted, so that the next pass sends it."""
    with db.session_scope() as session:
        row = session.get(AlertSubscription, subscription_id)
        if row is None:
            return
        for delivery in list(row.deliveries):
            if delivery.opening_id in opening_ids and delivery.sent_at is not None:
                row.deliveries.remove(delivery)
        row.last_digest_at = previous


def list_subscriptions(active_only: bool = True) -> List[Subscription]:
    query = select(AlertSubscription).order_by(AlertSubscription.id)
    if active_only:
        query = query.where(AlertSubscription.active.is_(True))
    with db.session_scope() as session:
        return [_info(r) for r in session.scalars(query)]


def active_by_profession_commune() -> Dict[Tuple[str, str], int]:
    """Active, confirmed alerts counted by (profession code or "", commune or ""): a demand signal."""
    counts: Counter = Counter()
    for sub in list_subscriptions():
        if sub.confirmed:
            for commune in sub.communes or [""]:
                counts[(sub.profession or "", commune)] += 1
    return dict(counts)


def for_sender(sender_id: str) -> List[Dict[str, object]]:
    """The conversation's subscriptions as JSON-ready data (right of access)."""
    with db.session_scope() as session:
        return [{"created_at": r.created_at.isoformat(), "channel": r.channel, "email": r.email,
                 "profession": r.profession_code, "communes": r.communes, "contract": r.contract,
                 "work_time": r.work_time, "consent_text": r.consent_text, "consent_at": r.consent_at.isoformat(),
                 "confirmed_at": r.confirmed_at.isoformat() if r.confirmed_at else None, "active": r.active,
                 "openings_sent": sorted(d.opening_id for d in r.deliveries if d.sent_at)}
                for r in session.scalars(select(AlertSubscription).where(AlertSubscription.sender_id == sender_id))]


def erase(sender_id: str) -> int:
    """Delete the conversation's subscriptions and what was sent to them."""
    with db.session_scope() as session:
        rows = list(session.scalars(select(AlertSubscription).where(AlertSubscription.sender_id == sender_id)))
        for row in rows:
            session.delete(row)
        return len(rows)


def purge(unconfirmed_before: datetime, unsubscribed_before: datetime, dry_run: bool = False) -> int:
    """Delete e-mail subscriptions left unconfirmed since before `unconfirmed_before` (made then, or
    their re-consent asked then: their link is old) and stopped subscriptions."""
    asked = func.coalesce(AlertSubscription.reconsent_asked_at, AlertSubscription.created_at)
    stale = ((AlertSubscription.confirmed_at.is_(None) & (asked < unconfirmed_before))
             | (AlertSubscription.active.is_(False) & (AlertSubscription.unsubscribed_at < unsubscribed_before)))
    with db.session_scope() as session:
        rows = list(session.scalars(select(AlertSubscription).where(stale)))
        if not dry_run:
            for row in rows:
                session.delete(row)
        return len(rows)

