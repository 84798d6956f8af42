"""Installation plans kept for their page `/plan/<token>`: save, read, update, erase, purge, gaps.

A plan is saved each time the assistant gives it (actions/plan.py `answer_plan`): a plan still valid
for the same person is replaced in place, so that « Recevoir mon plan », the e-mail and the hand-over
to a coordinator use the latest one, and the observatory counts every plan given, whether or not the
person asks for it afterwards. Its token is random (`secrets.token_urlsafe`), and the page answers
only until `expires_at` (knowledge/partners/plan.yml, `page_days`); expired plans are purged, and
erased with the person's data. The observatory counts the gaps per commune and kind of need.
"""
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

from sqlalchemy import delete, func, select, update

from knowledge import db, settings
from knowledge.audit import audit
from knowledge.coordination import applications, mail_budget
from knowledge.coordination.models import InstallationPlan
from knowledge.partners import plan_builder
from knowledge.partners.queries import NotFound
from knowledge.texts import text


@dataclass(frozen=True)
class PlanInfo:
    id: int
    token: str
    sender_id: str
    situation: Dict[str, Any]
    sections: List[Dict[str, Any]]
    gaps: List[Dict[str, Any]]
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    request_id: Optional[int] = None
    email: Optional[str] = None
    extra: Dict[str, Any] = field(default_factory=dict)


def _info(plan: InstallationPlan) -> PlanInfo:
    return PlanInfo(plan.id, plan.token, plan.sender_id, dict(plan.situation or {}), list(plan.sections or []),
                    list(plan.gaps or []), plan.created_at, plan.updated_at, plan.expires_at, plan.request_id,
                    plan.email)


def page_url(token: str) -> str:
    return f"{settings.public_site_url()}/plan/{token}"


def lifetime() -> timedelta:
    return timedelta(days=int(plan_builder.settings()["page_days"]))


def save(sender_id: str, situation: Dict[str, Any], plan: Dict[str, Any],
         now: Optional[datetime] = None) -> PlanInfo:
    """Keep the sender's plan; a plan still valid for this sender is replaced in place (same token)."""
    now = now or datetime.utcnow()
    commune = situation.get("commune") or ""
    with db.session_scope() as session:
        row = session.scalars(select(InstallationPlan).where(InstallationPlan.sender_id == sender_id,
                                                             InstallationPlan.expires_at > now)
                              .order_by(InstallationPlan.id.desc())).first()
        if row is None:
            row = InstallationPlan(token=secrets.token_urlsafe(24), sender_id=sender_id, created_at=now)
            session.add(row)
        row.situation, row.sections, row.gaps = situation, plan["sections"], plan["gaps"]
        row.commune = "" if commune == "peu_importe" or commune.startswith(plan_builder.EPCI_PREFIX) else commune
        row.updated_at = now
        row.expires_at = now + lifetime()
        session.flush()
        return _info(row)


def by_token(token: str, now: Optional[datetime] = None) -> PlanInfo:
    """The plan of a page; NotFound when the token is unknown or the plan expired."""
    now = now or datetime.utcnow()
    with db.session_scope() as session:
        row = session.scalars(select(InstallationPlan).where(InstallationPlan.token == token)).first()
        if row is None or row.expires_at <= now:
            raise NotFound("plan")
        return _info(row)


def latest(sender_id: str, now: Optional[datetime] = None) -> Optional[PlanInfo]:
    now = now or datetime.utcnow()
    with db.session_scope() as session:
        row = session.scalars(select(InstallationPlan).where(InstallationPlan.sender_id == sender_id,
                                                             InstallationPlan.expires_at > now)
                              .order_by(InstallationPlan.id.desc())).first()
        return _info(row) if row is not None else None


def for_request(request_id: int) -> Optional[PlanInfo]:
    with db.session_scope() as session:
        row = session.scalars(select(InstallationPlan).where(InstallationPlan.request_id == request_id)
                              .order_by(InstallationPlan.id.desc())).first()
        return _info(row) if row is not None else None


def case_file(request_id: int) -> Optional[Dict[str, Any]]:
    """What the console shows of a request's plan (situation, items, gaps, page), or None."""
    plan = for_request(request_id)
    if plan is None:
        return None
    return {"plan": plan, "situation": plan_builder.describe_situation(plan.situation),
            "url": page_url(plan.token)}


def attach_request(plan_id: int, request_id: int) -> None:
    """The plan becomes the case file of the request."""
    with db.session_scope() as session:
        row = session.get(InstallationPlan, plan_id)
        if row is None:
            raise NotFound(f"plan {plan_id}")
        row.request_id = request_id
        audit(session, None, "plan_handed_over", request_id)


def request_email(plan_id: int, email: str, consent_text: str, now: Optional[datetime] = None) -> Optional[datetime]:
    """Keep the address the plan is to be sent to, with the consent question answered. It goes at
    the outbox's next pass (None), or later (returned) when this plan was e-mailed less than 24 hours
    ago, was already put off, or the address has had its e-mails of the day
    (knowledge/coordination/mail_budget.py): asked again and again, it would flood an address."""
    now = now or datetime.utcnow()
    with db.session_scope() as session:
        row = session.get(InstallationPlan, plan_id)
        if row is None:
            raise NotFound(f"plan {plan_id}")
        waits = [mail_budget.next_free(session, email, now)]
        if row.email_sent_at is not None:
            waits.append(row.email_sent_at + mail_budget.DAY)
        elif row.email_attempts == 0 and row.email_next_attempt_at is not None:
            waits.append(row.email_next_attempt_at)  # put off before, not sent since
        later = max((wait for wait in waits if wait is not None and wait > now), default=None)
        row.email, row.email_consent_text, row.email_consent_at = email, consent_text, now
        # Into the outbox: the web process sends it when due (bot/mail/outbox.py).
        row.email_sent_at, row.email_attempts, row.email_next_attempt_at = None, 0, later or now
        return later


def claim_due_emails(now: Optional[datetime] = None, limit: int = 20) -> List[PlanInfo]:
    """Plans whose e-mail is due now, claimed for the applications' lease by this sender (one
    UPDATE each, so two web processes never send the same one). One beyond its address's daily
    budget (knowledge/coordination/mail_budget.py) is put off until the budget allows it."""
    now = now or datetime.utcnow()
    due = (InstallationPlan.email_next_attempt_at <= now, InstallationPlan.email_sent_at.is_(None),
           InstallationPlan.email.is_not(None), InstallationPlan.expires_at > now)
    claimed, planned = [], Counter()
    with db.session_scope() as session:
        rows = list(session.execute(select(InstallationPlan.id, InstallationPlan.email).where(*due)
                                    .order_by(InstallationPlan.email_next_attempt_at).limit(limit)))
    for plan_id, email in rows:
        address = mail_budget.address_key(email)
        with db.session_scope() as session:
            free = mail_budget.next_free(session, email, now, planned=planned[address])
            later = free if free is not None else now + applications.CLAIM_LEASE
            taken = session.execute(update(InstallationPlan).where(InstallationPlan.id == plan_id, *due)
                                    .values(email_next_attempt_at=later)
                                    .execution_options(synchronize_session=False)).rowcount
            if taken and free is None:
                planned[address] += 1
                claimed.append(_info(session.get(InstallationPlan, plan_id)))
    return claimed


def email_sent(plan_id: int, now: Optional[datetime] = None) -> None:
    with db.session_scope() as session:
        row = session.get(InstallationPlan, plan_id)
        if row is not None:
            row.email_sent_at, row.email_next_attempt_at = now or datetime.utcnow(), None
            row.email_attempts += 1


def email_failed(plan_id: int, now: Optional[datetime] = None) -> None:
    """SMTP refused or down: try again after the applications' back-off; after their number of
    attempts, stop (the page's link, already given, stays valid)."""
    now = now or datetime.utcnow()
    with db.session_scope() as session:
        row = session.get(InstallationPlan, plan_id)
        if row is None:
            return
        row.email_attempts += 1
        row.email_next_attempt_at = (None if row.email_attempts >= applications.MAX_ATTEMPTS
                                     else now + applications.retry_delay(row.email_attempts))


def add_item(plan_id: int, coordinator_id: int, name: str, contact: str = "", detail: str = "",
             now: Optional[datetime] = None) -> PlanInfo:
    """A coordinator's addition, in its own section at the end of the plan; audited."""
    name = name.strip()
    if not name:
        raise ValueError(text("console.plan_item_name_missing"))
    key = "coordinator"
    with db.session_scope() as session:
        row = session.get(InstallationPlan, plan_id)
        if row is None:
            raise NotFound(f"plan {plan_id}")
        sections = [dict(s, items=list(s["items"])) for s in row.sections or []]
        section = next((s for s in sections if s["key"] == key), None)
        if section is None:
            section = {"key": key, "title": plan_builder.settings()["sections"][key], "items": []}
            sections.append(section)
        section["items"].append({"name": name[:200], "commune": "", "detail": detail.strip()[:300],
                                 "description": "", "contact": contact.strip()[:300]})
        row.sections = sections
        row.updated_at = now or datetime.utcnow()
        audit(session, coordinator_id, "plan_item_added", row.request_id, detail=name[:200])
        session.flush()
        return _info(row)


def erase(sender_id: str) -> int:
    """Delete the sender's plans (their pages answer 404 from then on)."""
    with db.session_scope() as session:
        return session.execute(delete(InstallationPlan).where(InstallationPlan.sender_id == sender_id)).rowcount


def purge(now: Optional[datetime] = None, dry_run: bool = False) -> int:
    """Delete the plans whose page has expired (with their e-mail and its consent)."""
    now = now or datetime.utcnow()
    expired = InstallationPlan.expires_at <= now
    with db.session_scope() as session:
        count = session.scalar(select(func.count()).select_from(InstallationPlan).where(expired))
        if not dry_run:
            session.execute(delete(InstallationPlan).where(expired))
        return count


def gap_counts(since: Optional[datetime] = None, until: Optional[datetime] = None) -> Dict[tuple, int]:
    """{(commune, kind): number of plans that found nothing for that kind}; the commune is "" when
    the person did not give one."""
    query = select(InstallationPlan.commune, InstallationPlan.gaps)
    if since is not None:
        query = query.where(InstallationPlan.created_at >= since)
    if until is not None:
        query = query.where(InstallationPlan.created_at < until)
    counts: Dict[tuple, int] = {}
    with db.session_scope() as session:
        for commune, gaps in session.execute(query):
            for kind in sorted({g["kind"] for g in gaps or []}):
                counts[(commune or "", kind)] = counts.get((commune or "", kind), 0) + 1
    return counts
