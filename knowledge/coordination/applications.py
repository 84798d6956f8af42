"""Applications to openings: recorded by the assistant (the outbox), e-mailed by the web process,
or queued « à transmettre » for the coordinators; each step kept in the application's audit trail.

The outbox is the `applications` table itself: a `pending` row is due when `next_attempt_at` has
passed. A sender claims it by moving `next_attempt_at` forward in one UPDATE (so two web
processes never send the same one), then marks it sent, or failed with a back-off.
"""
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import List, Optional
from urllib.parse import quote

from sqlalchemy import select, update

from knowledge import db, settings
from knowledge.audit import audit
from knowledge.coordination import mail_settings
from knowledge.coordination.models import Application, ApplicationEvent, CvUpload
from knowledge.partners.models import Commune, Opening
from knowledge.partners.queries import NotFound
from knowledge.texts import text

PENDING, SENT, QUEUED, FAILED, TRANSMITTED = "pending", "sent", "queued", "failed", "transmitted"
# The console's words for each status.
STATUS_LABELS = {status: text(f"console.application_status.{status}")
                 for status in (PENDING, SENT, QUEUED, FAILED, TRANSMITTED)}
# Retries when the SMTP server is down: 1, 2, 4… minutes, at most an hour apart, 12 attempts
# (about 7 hours); then the application goes to the coordinators as « échec d'envoi ».
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
MAX_ATTEMPTS = 12
# How long a claimed application is left to its sender before another may try again.
CLAIM_LEASE = timedelta(minutes=5)
_EMAIL = re.compile(r"^[^@\s<>]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,63}$")
_REFERENCE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def email_address(contact: str) -> Optional[str]:
    """The e-mail address when `contact` is one (« mailto: » allowed), else None (phone, URL…)."""
    value = (contact or "").strip()
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:"):]
    return value if _EMAIL.match(value) else None


def apply_payload(opening_id: str) -> str:
    """The message a « Postuler » button sends: it starts the apply form on this opening."""
    return f'/apply{{"opening_id":"{opening_id}"}}'


def apply_url(opening_id: str) -> str:
    """The site's link that opens the chat on this opening's apply form (static/widget.js reads ?postuler=)."""
    return f"{settings.public_site_url()}/?postuler={quote(opening_id)}"


def cv_folder() -> Path:
    return settings.var_dir() / "cv"


@dataclass(frozen=True)
class OpeningTarget:
    """What the apply form shows about the opening and who will receive the application."""
    id: str
    title: str
    structure_id: str
    structure: str
    commune: str
    profession: str
    recipient: str


def opening_target(opening_id: str) -> OpeningTarget:
    """The opening (still open) and its recipient; `NotFound` when it is unknown or closed."""
    with db.session_scope() as session:
        opening = session.get(Opening, opening_id or "")
        if opening is None or (opening.closes_on is not None and opening.closes_on < datetime.utcnow().date()):
            raise NotFound(f"offre {opening_id}")
        recipient = opening.contact or opening.structure.email or opening.structure.phone
        commune = session.get(Commune, opening.commune_id)
        return OpeningTarget(opening.id, opening.title, opening.structure_id, opening.structure.name,
                             commune.name, opening.profession_code, recipient or "")


@dataclass(frozen=True)
class EventInfo:
    at: datetime
    action: str
    detail: str
    coordinator: Optional[str] = None


@dataclass(frozen=True)
class ApplicationInfo:
    id: int
    reference: str
    opening_id: str
    opening_title: str
    structure_id: str
    structure: str
    profession: str
    commune: str
    recipient: str
    sender_id: str
    channel: str
    name: str
    contact: str
    message: str
    cv_path: Optional[str]
    cv_filename: Optional[str]
    cv_type: Optional[str]
    status: str
    attempts: int
    created_at: datetime
    sent_at: Optional[datetime]
    last_error: Optional[str]
    events: List[EventInfo] = field(default_factory=list)
    consent_text: str = ""  # the sentence the candidate accepted, word for word, naming the structure
    consent_at: Optional[datetime] = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


def _info(row: Application, with_events: bool = False) -> ApplicationInfo:
    return ApplicationInfo(
        id=row.id, reference=row.reference, opening_id=row.opening_id, opening_title=row.opening_title,
        structure_id=row.structure_id, structure=row.structure_name, profession=row.profession_code,
        commune=row.commune, recipient=row.recipient, sender_id=row.sender_id, channel=row.channel,
        name=row.name, contact=row.contact, message=row.message, cv_path=row.cv_path,
        cv_filename=row.cv_filename, cv_type=row.cv_type, status=row.status, attempts=row.attempts,
        created_at=row.created_at, sent_at=row.sent_at, last_error=row.last_error,
        events=[EventInfo(e.at, e.action, e.detail, e.coordinator.name if e.coordinator else None)
                for e in row.events] if with_events else [],
        consent_text=row.consent_text, consent_at=row.consent_at,
    )


def _event(row: Application, action: str, detail: str = "", coordinator_id: Optional[int] = None) -> None:
    row.events.append(ApplicationEvent(action=action, detail=detail, coordinator_id=coordinator_id))


def _new_reference() -> str:
    return "CS-" + "".join(secrets.choice(_REFERENCE_LETTERS) for _ in range(6))


def record(opening_id: str, sender_id: str, channel: str, name: str, contact: str, message: str,
           consent_text: str, cv_token: Optional[str] = None) -> ApplicationInfo:
    """Write the application (the outbox) and say where it goes; `NotFound` for a closed opening.

    It is e-mailed when the recipient is an e-mail address and an SMTP server is set, otherwise
    queued for the coordinators. The CV uploaded with `cv_token` by this conversation is attached.
    """
    target = opening_target(opening_id)
    by_mail = email_address(target.recipient) is not None and mail_settings.smtp() is not None
    now = datetime.utcnow()
    with db.session_scope() as session:
        row = Application(
            reference=_new_reference(), opening_id=target.id, opening_title=target.title,
            structure_id=target.structure_id, structure_name=target.structure, profession_code=target.profession,
            commune=target.commune, recipient=target.recipient, sender_id=sender_id, channel=channel,
            name=name, contact=contact, message=message or "", consent_text=consent_text, consent_at=now,
            status=PENDING if by_mail else QUEUED, next_attempt_at=now if by_mail else None, created_at=now)
        if cv_token:
            upload = session.get(CvUpload, cv_token)
            if upload is not None and upload.sender_id == sender_id and upload.path:
                row.cv_path, row.cv_filename, row.cv_type = upload.path, upload.filename, upload.content_type
                session.delete(upload)
        session.add(row)
        _event(row, "recorded", text("console.application_recorded_by", channel=channel))
        if not by_mail:
            _event(row, "queued", text("console.application_contact_not_email")
                   if mail_settings.smtp() is not None else text("console.application_no_smtp"))
        session.flush()
        return _info(row)


def claim_due(now: Optional[datetime] = None, limit: int = 20) -> List[ApplicationInfo]:
    """Applications of the outbox due now, claimed for `CLAIM_LEASE` by this sender."""
    now = now or datetime.utcnow()
    claimed = []
    with db.session_scope() as session:
        ids = list(session.scalars(select(Application.id).where(
            Application.status == PENDING, Application.next_attempt_at <= now)
            .order_by(Application.next_attempt_at).limit(limit)))
    for application_id in ids:
        with db.session_scope() as session:
            taken = session.execute(
                update(Application)
                .where(Application.id == application_id, Application.status == PENDING,
                       Application.next_attempt_at <= now)
                .values(next_attempt_at=now + CLAIM_LEASE)
                .execution_options(synchronize_session=False)).rowcount
            if taken:
                claimed.append(_info(session.get(Application, application_id)))
    return claimed


def mark_sent(application_id: int) -> None:
    with db.session_scope() as session:
        row = session.get(Application, application_id)
        row.status, row.sent_at, row.next_attempt_at = SENT, datetime.utcnow(), None
        row.attempts += 1
        _event(row, "sent", text("console.application_sent_to", recipient=row.recipient))


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: doubling from a minute, at most an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def mark_failed(application_id: int, error: str, now: Optional[datetime] = None) -> ApplicationInfo:
    """An attempt failed: try again later, or after `MAX_ATTEMPTS` hand it to the coordinators."""
    now = now or datetime.utcnow()
    with db.session_scope() as session:
        row = session.get(Application, application_id)
        row.attempts += 1
        row.last_error = error[:500]
        if row.attempts >= MAX_ATTEMPTS:
            row.status, row.next_attempt_at = FAILED, None
            _event(row, "failed", text("console.application_gave_up", attempts=row.attempts, error=row.last_error))
        else:
            row.next_attempt_at = now + retry_delay(row.attempts)
            _event(row, "attempt_failed", f"essai {row.attempts} : {row.last_error}")
        return _info(row)


def queue(application_id: int, reason: str) -> None:
    """Move an application to the coordinators' queue (« à transmettre »)."""
    with db.session_scope() as session:
        row = session.get(Application, application_id)
        row.status, row.next_attempt_at = QUEUED, None
        _event(row, "queued", reason)


def mark_transmitted(application_id: int, coordinator_id: int) -> None:
    """A coordinator transmitted a queued or failed application by other means."""
    with db.session_scope() as session:
        row = session.get(Application, application_id)
        if row is None:
            raise NotFound(f"candidature {application_id}")
        row.status, row.next_attempt_at, row.sent_at = TRANSMITTED, None, datetime.utcnow()
        _event(row, "transmitted", "", coordinator_id)


@dataclass(frozen=True)
class CvFile:
    filename: str
    content_type: str
    data: bytes


def cv_for_coordinator(application_id: int, coordinator_id: int) -> CvFile:
    """An application's CV, for a coordinator to transmit it by other means. Noted in the
    application's trail and in the audit trail (which outlives the application: who read whose CV,
    by reference only). `NotFound` when the application, its CV or the file is gone (erased, purged)."""
    with db.session_scope() as session:
        row = session.get(Application, application_id)
        if row is None or not row.cv_path:
            raise NotFound(f"CV de la candidature {application_id}")
        try:
            data = Path(row.cv_path).read_bytes()
        except OSError:
            raise NotFound(f"CV de la candidature {application_id}") from None
        _event(row, "cv_downloaded", "", coordinator_id)
        audit(session, coordinator_id, "cv_downloaded", detail=row.reference)
        return CvFile(row.cv_filename or Path(row.cv_path).name, row.cv_type or "application/octet-stream", data)


def get(application_id: int) -> ApplicationInfo:
    with db.session_scope() as session:
        row = session.get(Application, application_id)
        if row is None:
            raise NotFound(f"candidature {application_id}")
        return _info(row, with_events=True)


def list_applications(opening_id: Optional[str] = None, structure_id: Optional[str] = None,
                      status: Optional[str] = None) -> List[ApplicationInfo]:
    """Applications, newest first, for one opening, one structure or one status (the console)."""
    query = select(Application).order_by(Application.created_at.desc(), Application.id.desc())
    if opening_id:
        query = query.where(Application.opening_id == opening_id)
    if structure_id:
        query = query.where(Application.structure_id == structure_id)
    if status:
        query = query.where(Application.status == status)
    with db.session_scope() as session:
        return [_info(row, with_events=True) for row in session.scalars(query)]


def for_sender(sender_id: str) -> List[ApplicationInfo]:
    with db.session_scope() as session:
        return [_info(row, with_events=True) for row in session.scalars(
            select(Application).where(Application.sender_id == sender_id).order_by(Application.id))]


def _remove_file(path: Optional[str]) -> None:
    if path:
        Path(path).unlink(missing_ok=True)


def erase(sender_id: str) -> int:
    """Delete the conversation's applications, their CV files and unused uploads; the count deleted."""
    with db.session_scope() as session:
        rows = list(session.scalars(select(Application).where(Application.sender_id == sender_id)))
        uploads = list(session.scalars(select(CvUpload).where(CvUpload.sender_id == sender_id)))
        for row in rows:
            _remove_file(row.cv_path)
            session.delete(row)
        for upload in uploads:
            _remove_file(upload.path)
            session.delete(upload)
        return len(rows)


def purge(sent_before: datetime, uploads_before: datetime, dry_run: bool = False) -> int:
    """Delete applications (and CV files) sent before `sent_before` (or, never sent, recorded before
    it), and CV uploads never attached to an application made before `uploads_before`; the number of
    applications."""
    finished = Application.status.in_([SENT, TRANSMITTED])
    old = ((finished & (Application.sent_at < sent_before))
           | (~finished & (Application.created_at < sent_before)))
    with db.session_scope() as session:
        rows = list(session.scalars(select(Application).where(old)))
        if not dry_run:
            for row in rows:
                _remove_file(row.cv_path)
                session.delete(row)
            for upload in session.scalars(select(CvUpload).where(CvUpload.created_at < uploads_before)):
                _remove_file(upload.path)
                session.delete(upload)
        return len(rows)
