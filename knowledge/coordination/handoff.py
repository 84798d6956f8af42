"""Requests for a coordinator: recorded by the assistant, claimed, answered and closed in the console.

Every change a coordinator makes is kept in the audit trail (`audit`). Functions return plain data
(`RequestInfo`) and raise `NotFound` or `Conflict`; the assistant and the console both call them.
"""
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Tuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from knowledge import db
from knowledge.audit import AuditEntry, audit
from knowledge.coordination.models import Coordinator, CoordinatorRequest, RequestNote
from knowledge.partners.queries import NotFound
from knowledge.texts import text as message_text

OPEN, CLAIMED, CLOSED = "open", "claimed", "closed"
# The audit line written when the assistant reminded the person that their request is still waiting.
REMINDED = "unclaimed_reminder"
# What became of a request; the labels are the console's.
OUTCOMES = {code: message_text(f"console.outcome.{code}")
            for code in ("answered", "called_back", "oriented", "no_reply")}
# Set when the person ends the exchange themselves (« stop », « supprimer mes données ») while a
# coordinator holds it; never offered to the coordinators when they close a request.
ENDED_BY_PERSON = "ended_by_person"
OUTCOME_LABELS = {**OUTCOMES, ENDED_BY_PERSON: message_text(f"console.outcome.{ENDED_BY_PERSON}")}


class Conflict(RuntimeError):
    """The request is not in a state that allows this (claimed by someone else, already closed…)."""


@dataclass(frozen=True)
class NoteInfo:
    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class RequestInfo:
    id: int
    sender_id: str
    channel: str
    topic: str
    criteria: Dict[str, Any]
    status: str
    created_at: datetime
    claimed_by: Optional[str] = None
    claimed_by_id: Optional[int] = None
    claimed_at: Optional[datetime] = None
    closed_at: Optional[datetime] = None
    outcome: Optional[str] = None
    contact: Optional[str] = None
    notes: List[NoteInfo] = field(default_factory=list)


def _info(request: CoordinatorRequest, with_notes: bool = False) -> RequestInfo:
    return RequestInfo(
        id=request.id, sender_id=request.sender_id, channel=request.channel, topic=request.topic,
        criteria=dict(request.criteria or {}), status=request.status, created_at=request.created_at,
        claimed_by=request.claimed_by.name if request.claimed_by else None,
        claimed_by_id=request.claimed_by_id, claimed_at=request.claimed_at, closed_at=request.closed_at,
        outcome=request.outcome, contact=request.contact,
        notes=[NoteInfo(n.coordinator.name, n.text, n.created_at) for n in request.notes] if with_notes else [],
    )


def _current(session: Session, sender_id: str) -> Optional[CoordinatorRequest]:
    return session.scalars(
        select(CoordinatorRequest)
        .where(CoordinatorRequest.sender_id == sender_id, CoordinatorRequest.status != CLOSED)
        .order_by(CoordinatorRequest.id.desc())
    ).first()


def record_request(sender_id: str, channel: str, topic: str, criteria: Dict[str, Any]) -> Tuple[int, bool]:
    """Record a request for a coordinator; returns (request id, created).

    A sender with a request still open gets that one back (criteria refreshed), not a second one.
    """
    with db.session_scope() as session:
        existing = _current(session, sender_id)
        if existing is not None:
            existing.criteria = criteria
            existing.topic = topic or existing.topic
            return existing.id, False
        request = CoordinatorRequest(sender_id=sender_id, channel=channel, topic=topic, criteria=criteria)
        session.add(request)
        session.flush()
        audit(session, None, "request_created", request.id)
        return request.id, True


def current_request(sender_id: str) -> Optional[RequestInfo]:
    """The sender's request that is not closed yet, if any."""
    with db.session_scope() as session:
        request = _current(session, sender_id)
        return _info(request) if request is not None else None


@dataclass(frozen=True)
class Holder:
    """Who holds a conversation: the request and the coordinator answering it."""
    request_id: int
    coordinator_id: int
    coordinator: str


def held_by(sender_id: str) -> Optional[Holder]:
    """The coordinator holding this conversation now, if any (the person's messages are for them)."""
    with db.session_scope() as session:
        request = _current(session, sender_id)
        if request is None or request.status != CLAIMED or request.claimed_by is None:
            return None
        return Holder(request.id, request.claimed_by_id, request.claimed_by.name)


def end_by_person(request_id: int, command: str) -> bool:
    """The person ended a held exchange (`command`: what they asked); False if it was no longer held."""
    with db.session_scope() as session:
        result = session.execute(
            update(CoordinatorRequest)
            .where(CoordinatorRequest.id == request_id, CoordinatorRequest.status == CLAIMED)
            .values(status=CLOSED, outcome=ENDED_BY_PERSON, closed_at=datetime.utcnow())
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return False
        audit(session, None, "ended_by_person", request_id, command)
        return True


def save_contact(request_id: int, contact: str, consent_text: str) -> None:
    """Keep how to call the user back, with the consent they gave (its exact text and date)."""
    with db.session_scope() as session:
        request = session.get(CoordinatorRequest, request_id)
        if request is None:
            raise NotFound(f"demande {request_id}")
        request.contact = contact
        request.contact_consent_text = consent_text
        request.contact_consent_at = datetime.utcnow()
        audit(session, None, "contact_given", request_id)


def mark_reminded(request_id: int) -> bool:
    """Note that the unclaimed reminder of this request was handled; False if it already was.

    Rasa's own reminder and the console's back-up (bot/web/console/reminders.py) may both fire for
    one request: the first one handled wins. Both run under Rasa's lock on the conversation, so they
    never run at the same time; the update only takes a request not reminded yet anyway. The
    request's `reminded_at` says it; the audit trail keeps a line for the coordinators."""
    with db.session_scope() as session:
        marked = session.execute(
            update(CoordinatorRequest)
            .where(CoordinatorRequest.id == request_id, CoordinatorRequest.reminded_at.is_(None))
            .values(reminded_at=datetime.utcnow())
            .execution_options(synchronize_session=False))
        if not marked.rowcount:
            return False
        audit(session, None, REMINDED, request_id)
        return True


def overdue_reminders(created_after: datetime, created_before: datetime,
                      made_while_open: Callable[[datetime], bool]) -> List[RequestInfo]:
    """Open requests without a contact, made between the two dates (naive UTC, like `created_at`)
    while the coordinators were at work, whose unclaimed reminder was never handled: the ones whose
    Rasa reminder was lost (Rasa keeps reminders in memory, gone if it restarts)."""
    with db.session_scope() as session:
        requests = session.scalars(
            select(CoordinatorRequest)
            .where(CoordinatorRequest.status == OPEN, CoordinatorRequest.contact.is_(None),
                   CoordinatorRequest.created_at > created_after, CoordinatorRequest.created_at <= created_before,
                   CoordinatorRequest.reminded_at.is_(None))
            .order_by(CoordinatorRequest.id))
        return [_info(r) for r in requests if made_while_open(r.created_at)]


def open_requests() -> List[RequestInfo]:
    """The queue: requests not closed yet, oldest first."""
    with db.session_scope() as session:
        return [_info(r) for r in session.scalars(
            select(CoordinatorRequest)
            .where(CoordinatorRequest.status != CLOSED)
            .order_by(CoordinatorRequest.created_at, CoordinatorRequest.id)
        )]


@dataclass(frozen=True)
class ClosedRequests:
    """The closed requests found: the first `limit` (`shown`) and how many match in all (`total`)."""

    shown: List[RequestInfo]
    total: int

    @property
    def cut(self) -> bool:
        """More requests match than are shown."""
        return self.total > len(self.shown)


def closed_requests(since: Optional[datetime] = None, until: Optional[datetime] = None,
                    outcome: str = "", profession: str = "", commune: str = "",
                    limit: int = 200) -> ClosedRequests:
    """Closed requests, last closed first, closed in [since, until) (naive UTC), with this outcome
    and these criteria (each filter left out when empty): the first `limit`, and the count of all."""
    conditions = [CoordinatorRequest.status == CLOSED]
    if since is not None:
        conditions.append(CoordinatorRequest.closed_at >= since)
    if until is not None:
        conditions.append(CoordinatorRequest.closed_at < until)
    if outcome:
        conditions.append(CoordinatorRequest.outcome == outcome)
    order = (CoordinatorRequest.closed_at.desc(), CoordinatorRequest.id.desc())
    with db.session_scope() as session:
        # The criteria are a JSON column: compared here, the same way on SQLite and PostgreSQL.
        matching = [
            request_id for request_id, criteria in session.execute(
                select(CoordinatorRequest.id, CoordinatorRequest.criteria).where(*conditions).order_by(*order))
            if (not profession or (criteria or {}).get("profession") == profession)
            and (not commune or (criteria or {}).get("commune") == commune)]
        shown = session.scalars(select(CoordinatorRequest).where(CoordinatorRequest.id.in_(matching[:limit]))
                                .order_by(*order)) if matching else []
        return ClosedRequests([_info(request) for request in shown], len(matching))


def get_request(request_id: int) -> RequestInfo:
    with db.session_scope() as session:
        request = session.get(CoordinatorRequest, request_id)
        if request is None:
            raise NotFound(f"demande {request_id}")
        return _info(request, with_notes=True)


def claim(request_id: int, coordinator_id: int) -> RequestInfo:
    """Take an open request. One coordinator at a time: the update only matches an unclaimed
    request, so two coordinators claiming together cannot both win (`Conflict` for the second)."""
    with db.session_scope() as session:
        result = session.execute(
            update(CoordinatorRequest)
            .where(CoordinatorRequest.id == request_id, CoordinatorRequest.status == OPEN)
            .values(status=CLAIMED, claimed_by_id=coordinator_id, claimed_at=datetime.utcnow())
            .execution_options(synchronize_session=False)
        )
        request = session.get(CoordinatorRequest, request_id)
        if request is None:
            raise NotFound(f"demande {request_id}")
        if result.rowcount != 1:
            holder = request.claimed_by.name if request.claimed_by else None
            raise Conflict(message_text("console.already_claimed_by", holder=holder)
                           if request.status == CLAIMED and holder
                           else message_text("console.already_closed"))
        audit(session, coordinator_id, "claim", request_id)
        session.flush()
        session.refresh(request)
        return _info(request)


def _held(session: Session, request_id: int, coordinator_id: int) -> CoordinatorRequest:
    request = session.get(CoordinatorRequest, request_id)
    if request is None:
        raise NotFound(f"demande {request_id}")
    if request.status != CLAIMED or request.claimed_by_id != coordinator_id:
        raise Conflict(message_text("console.claim_first") if request.status == OPEN
                       else message_text("console.not_yours"))
    return request


def release(request_id: int, coordinator_id: int) -> None:
    """Give a held request back to the queue, unclaimed."""
    with db.session_scope() as session:
        request = _held(session, request_id, coordinator_id)
        request.status, request.claimed_by_id, request.claimed_at = OPEN, None, None
        audit(session, coordinator_id, "release", request_id)


def check_held(request_id: int, coordinator_id: int) -> RequestInfo:
    """The request, if this coordinator holds it; `Conflict` otherwise."""
    with db.session_scope() as session:
        return _info(_held(session, request_id, coordinator_id))


def record_reply(request_id: int, coordinator_id: int, text: str) -> None:
    """Audit a reply (its text lives in the conversation itself, in the tracker store)."""
    with db.session_scope() as session:
        _held(session, request_id, coordinator_id)
        audit(session, coordinator_id, "reply", request_id,
              message_text("console.audit_reply_length", length=len(text)))


def add_note(request_id: int, coordinator_id: int, text: str) -> None:
    with db.session_scope() as session:
        if session.get(CoordinatorRequest, request_id) is None:
            raise NotFound(f"demande {request_id}")
        session.add(RequestNote(request_id=request_id, coordinator_id=coordinator_id, text=text))
        audit(session, coordinator_id, "note", request_id)


def close(request_id: int, coordinator_id: int, outcome: str) -> RequestInfo:
    """Close a held request with an outcome; the assistant takes the conversation back."""
    if outcome not in OUTCOMES:
        raise ValueError(f"issue inconnue : {outcome}")
    with db.session_scope() as session:
        request = _held(session, request_id, coordinator_id)
        request.status, request.outcome, request.closed_at = CLOSED, outcome, datetime.utcnow()
        audit(session, coordinator_id, "close", request_id, OUTCOMES[outcome])
        session.flush()
        return _info(request)


def audit_trail(request_id: Optional[int] = None, limit: int = 200) -> List[Dict[str, Any]]:
    """The latest audit lines, newest first (for one request when `request_id` is given)."""
    with db.session_scope() as session:
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if request_id is not None:
            query = query.where(AuditEntry.request_id == request_id)
        return [{"at": a.at, "who": a.coordinator.name if a.coordinator else "assistant", "action": a.action,
                 "request_id": a.request_id, "detail": a.detail} for a in session.scalars(query)]


def coordinator_name(coordinator_id: int) -> str:
    with db.session_scope() as session:
        coordinator = session.get(Coordinator, coordinator_id)
        if coordinator is None:
            raise NotFound(f"coordinateur {coordinator_id}")
        return coordinator.name
