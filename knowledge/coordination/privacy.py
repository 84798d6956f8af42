"""Personal data of a conversation: export, erase, and purge by the retention policy.

A conversation's personal data lives in two places: Rasa's tracker store (`events`: the messages)
and the partner database (`coordinator_requests` with the consented contact, and their
`request_notes`; `applications` with their CV files and `cv_uploads`, knowledge/coordination/applications.py;
`alert_subscriptions` and what was sent to them, knowledge/coordination/alerts.py). The audit trail keeps who
did what, never a message or a contact.

The purge deletes the messages older than the conversation retention; a coordinator's note older
than that, on a request still kept (open, or closed recently), outlives its conversation: it is
kept with people's names, street names, e-mails and phones masked (knowledge/partners/name_masking.py).
"""
import calendar
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional

import yaml
from sqlalchemy import delete, func, select, update

from knowledge import db
from knowledge.audit import audit
from knowledge.coordination import alerts, applications, cv_files, plans, transcripts
from knowledge.coordination.handoff import CLOSED
from knowledge.coordination.models import CoordinatorRequest, InstallationPlan, RequestNote
from knowledge.partners import name_masking
from knowledge.texts import text

POLICY_FILE = Path(__file__).with_name("privacy.yml")


@lru_cache(maxsize=1)
def retention() -> Dict[str, int]:
    """{'conversations_months': 12, 'contact_months_after_close': 3} from privacy.yml."""
    policy = yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))["retention"]
    for name in ("conversations_months", "contact_months_after_close"):
        if not isinstance(policy.get(name), int) or policy[name] < 1:
            raise ValueError(f"{POLICY_FILE.name} : retention.{name} doit être un nombre entier de mois (≥ 1)")
    return policy


def months_before(moment: datetime, months: int) -> datetime:
    """The same day `months` earlier (the last day of the month when it does not exist)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def export(sender_id: str) -> Dict[str, Any]:
    """Everything kept about one conversation, as JSON-ready data (right of access)."""
    lines = transcripts.transcript(sender_id, limit=1_000_000)
    with db.session_scope() as session:
        requests = [
            {"id": r.id, "created_at": r.created_at.isoformat(), "channel": r.channel, "topic": r.topic,
             "criteria": r.criteria, "status": r.status, "outcome": r.outcome,
             "closed_at": r.closed_at.isoformat() if r.closed_at else None,
             "contact": r.contact, "contact_consent_text": r.contact_consent_text,
             "contact_consent_at": r.contact_consent_at.isoformat() if r.contact_consent_at else None,
             "notes": [{"at": n.created_at.isoformat(), "text": n.text} for n in r.notes]}
            for r in session.scalars(select(CoordinatorRequest).where(CoordinatorRequest.sender_id == sender_id)
                                     .order_by(CoordinatorRequest.id))
        ]
    return {
        "conversation_id": sender_id,
        "exported_at": datetime.utcnow().isoformat(timespec="seconds") + "Z",
        "messages": [{"at": line.at.isoformat(timespec="seconds") + "Z", "from": line.who, "author": line.author,
                      "text": line.text} for line in lines],
        "requests": requests,
        "applications": [_application(a) for a in applications.for_sender(sender_id)],
        "alerts": alerts.for_sender(sender_id),
        "plans": _exported_plans(sender_id),
    }


def _application(a: "applications.ApplicationInfo") -> Dict[str, Any]:
    return {"reference": a.reference, "created_at": a.created_at.isoformat(), "opening": a.opening_title,
            "structure": a.structure, "name": a.name, "contact": a.contact, "message": a.message,
            "cv": a.cv_filename, "status": a.status_label, "consent_text": a.consent_text,
            "consent_at": a.consent_at.isoformat() if a.consent_at else None,
            "events": [{"at": e.at.isoformat(), "action": e.action} for e in a.events]}


def _exported_plans(sender_id: str) -> list:
    with db.session_scope() as session:
        return [{"created_at": p.created_at.isoformat(), "expires_at": p.expires_at.isoformat(),
                 "situation": p.situation, "sections": p.sections, "gaps": p.gaps, "email": p.email,
                 "email_consent_text": p.email_consent_text}
                for p in session.scalars(select(InstallationPlan).where(InstallationPlan.sender_id == sender_id)
                                         .order_by(InstallationPlan.id))]


@dataclass(frozen=True)
class Erased:
    events: int
    requests: int
    applications: int = 0
    alerts: int = 0
    plans: int = 0


def erase_requests(sender_id: str, coordinator_id: Optional[int] = None) -> int:
    """Delete the conversation's requests (contact, consent and notes with them); audited."""
    with db.session_scope() as session:
        ids = list(session.scalars(select(CoordinatorRequest.id).where(CoordinatorRequest.sender_id == sender_id)))
        if ids:
            session.execute(delete(RequestNote).where(RequestNote.request_id.in_(ids)))
            session.execute(delete(CoordinatorRequest).where(CoordinatorRequest.id.in_(ids)))
        audit(session, coordinator_id, "data_erased", detail=f"{len(ids)} demande(s)")
        return len(ids)


def erase_messages(sender_id: str) -> int:
    """Delete the conversation from the tracker store."""
    with transcripts.engine().begin() as connection:
        if not transcripts.table_exists(connection):
            return 0
        events = transcripts.events
        if transcripts.windows_exist(connection):  # derived from the events (bot/tracker_store.py)
            connection.execute(delete(transcripts.windows).where(transcripts.windows.c.sender_id == sender_id))
        return connection.execute(delete(events).where(events.c.sender_id == sender_id)).rowcount


def erase(sender_id: str, coordinator_id: Optional[int] = None) -> Erased:
    """Erase everything kept about one conversation (right to erasure)."""
    erased_plans = plans.erase(sender_id)  # before the requests: a plan may point at one
    return Erased(events=erase_messages(sender_id), requests=erase_requests(sender_id, coordinator_id),
                  applications=erase_applications(sender_id), alerts=alerts.erase(sender_id), plans=erased_plans)


def erase_applications(sender_id: str) -> int:
    """Delete the conversation's applications, CV files and upload tokens."""
    cv_files.discard(sender_id)
    return applications.erase(sender_id)


@dataclass(frozen=True)
class Purge:
    conversations_before: datetime
    contacts_closed_before: datetime
    events: int
    conversations: int
    requests: int
    contacts: int
    dry_run: bool
    applications: int = 0
    applications_before: Optional[datetime] = None
    alerts: int = 0
    plans: int = 0
    notes_masked: int = 0


def _mask_old_notes(old: datetime, purged_requests: list, dry_run: bool) -> int:
    """Mask the notes written before `old` that are still kept; the number of notes changed."""
    with db.session_scope() as session:
        notes = session.execute(select(RequestNote.id, RequestNote.text).where(
            RequestNote.created_at < old, RequestNote.request_id.not_in(purged_requests))).all()
    if not notes:
        return 0  # spaCy's model is loaded only when there is something to mask
    changed = {note_id: masked for (note_id, text), masked in zip(notes, name_masking.mask_whole(t for _, t in notes))
               if masked != text}
    if changed and not dry_run:
        with db.session_scope() as session:
            for note_id, masked in changed.items():
                session.execute(update(RequestNote).where(RequestNote.id == note_id).values(text=masked))
    return len(changed)


def purge(now: Optional[datetime] = None, dry_run: bool = False) -> Purge:
    """Apply the retention policy: messages older than the conversation retention, closed requests
    older than it, contacts of requests closed longer ago than the contact retention; the notes
    older than the conversation retention that are still kept are masked.

    Idempotent and safe to run from cron; `dry_run` counts without deleting.
    """
    now = now or datetime.utcnow()
    policy = retention()
    old = months_before(now, policy["conversations_months"])
    contact_cutoff = months_before(now, policy["contact_months_after_close"])
    old_seconds = (old - datetime(1970, 1, 1)).total_seconds()
    old_events = transcripts.events.c.timestamp < old_seconds
    with transcripts.engine().begin() as connection:
        if transcripts.table_exists(connection):
            events = connection.scalar(select(func.count()).where(old_events))
            conversations = connection.scalar(
                select(func.count(func.distinct(transcripts.events.c.sender_id))).where(old_events))
            if not dry_run:
                connection.execute(delete(transcripts.events).where(old_events))
                if transcripts.windows_exist(connection):
                    connection.execute(delete(transcripts.windows).where(transcripts.windows.c.timestamp < old_seconds))
        else:
            events = conversations = 0
    old_requests = (CoordinatorRequest.status == CLOSED) & (CoordinatorRequest.closed_at < old)
    stale_contacts = ((CoordinatorRequest.contact.is_not(None) | CoordinatorRequest.contact_consent_at.is_not(None))
                      & (CoordinatorRequest.status == CLOSED) & (CoordinatorRequest.closed_at < contact_cutoff))
    with db.session_scope() as session:
        request_ids = list(session.scalars(select(CoordinatorRequest.id).where(old_requests)))
        contacts = session.scalar(select(func.count()).select_from(CoordinatorRequest).where(stale_contacts))
        if not dry_run:
            session.execute(update(CoordinatorRequest).where(stale_contacts)
                            .values(contact=None, contact_consent_text=None, contact_consent_at=None)
                            .execution_options(synchronize_session=False))
            if request_ids:
                session.execute(delete(RequestNote).where(RequestNote.request_id.in_(request_ids)))
                session.execute(delete(CoordinatorRequest).where(CoordinatorRequest.id.in_(request_ids)))
            audit(session, None, "purge", detail=text("console.purge_detail", events=events,
                                                       requests=len(request_ids), contacts=contacts))
    notes_masked = _mask_old_notes(old, request_ids, dry_run)
    applications_cutoff = months_before(now, int(policy.get("applications_months_after_sending", 6)))
    old_applications = applications.purge(applications_cutoff, now - cv_files.TOKEN_LIFETIME, dry_run)
    # Alerts: e-mail ones left unconfirmed a month after they were made or their re-consent asked,
    # stopped ones after a month.
    old_alerts = alerts.purge(months_before(now, 1), months_before(now, 1), dry_run)
    expired_plans = plans.purge(now, dry_run)
    return Purge(old, contact_cutoff, events, conversations, len(request_ids), contacts, dry_run, old_applications,
                 applications_cutoff, old_alerts, expired_plans, notes_masked)
