"""How many e-mails an address typed in a conversation may get from the site, whoever typed it.

Anyone can type any address: in the alert form (a confirmation link) or for « Recevoir mon plan »
(the plan). Without a bound, one person could have the site write to someone else's address again
and again. So:
- an alert's confirmation link does not go to an address that already has one waiting (sent, not
  yet confirmed, alert still active): the next one goes once that one is confirmed, or purged a
  month later with its alert;
- an address gets at most `PER_ADDRESS_PER_DAY` of these e-mails (links and plans together) in
  24 hours; the others wait until the oldest of the day is 24 hours old.
Alert digests (to addresses whose owner confirmed) and applications (to the partners' contacts)
are not counted."""
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import func, select

from knowledge.coordination.models import AlertSubscription, InstallationPlan

PER_ADDRESS_PER_DAY = 3
DAY = timedelta(hours=24)


def address_key(email: Optional[str]) -> str:
    """The address as the budget counts it (case and surrounding spaces ignored)."""
    return (email or "").strip().lower()


def sent_today(session, email: str, now: datetime) -> List[datetime]:
    """When the site wrote to `email` in the last 24 hours (confirmation links and plans), oldest first."""
    address, since = address_key(email), now - DAY
    links = session.scalars(select(AlertSubscription.confirmation_sent_at).where(
        func.lower(AlertSubscription.email) == address, AlertSubscription.confirmation_sent_at >= since))
    plans = session.scalars(select(InstallationPlan.email_sent_at).where(
        func.lower(InstallationPlan.email) == address, InstallationPlan.email_sent_at >= since))
    return sorted([*links, *plans])


def next_free(session, email: str, now: datetime, planned: int = 0) -> Optional[datetime]:
    """None when one more e-mail may go to `email` now (`planned` already chosen in this pass);
    otherwise when it may."""
    sent = sent_today(session, email, now)
    if len(sent) + planned < PER_ADDRESS_PER_DAY:
        return None
    return (sent[0] + DAY) if sent else now + DAY


def link_waiting(session, email: str, other_than: int) -> bool:
    """True when another active alert of `email` has its confirmation link sent and not confirmed."""
    return session.scalar(select(func.count()).select_from(AlertSubscription).where(
        func.lower(AlertSubscription.email) == address_key(email), AlertSubscription.id != other_than,
        AlertSubscription.active.is_(True), AlertSubscription.confirmed_at.is_(None),
        AlertSubscription.confirmation_sent_at.is_not(None))) > 0
