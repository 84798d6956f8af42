"""The audit trail: who did what and when (console logins, claims, replies, closes, data edits, erasures…).

Below the three packages: the hand-over, the accounts, the data editing, the plans, privacy and the
review all write to it. The table refers to coordinators and requests by foreign key only (their
classes are the coordination's, knowledge/coordination/models.py).
"""
from datetime import datetime
from typing import Optional

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Session, relationship

from knowledge.models import Base


class AuditEntry(Base):
    """Who did what and when in the console (login, claim, reply, close, data edits…)."""

    __tablename__ = "audit_trail"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=datetime.utcnow, index=True)
    coordinator_id = Column(ForeignKey("coordinators.id"), index=True)
    action = Column(String(40), nullable=False)
    request_id = Column(ForeignKey("coordinator_requests.id", ondelete="SET NULL"), index=True)
    detail = Column(Text, nullable=False, default="")

    coordinator = relationship("Coordinator")  # knowledge/coordination/models.py


def audit(session: Session, coordinator_id: Optional[int], action: str,
          request_id: Optional[int] = None, detail: str = "") -> None:
    """Add a line to the audit trail (in the caller's transaction)."""
    session.add(AuditEntry(coordinator_id=coordinator_id, action=action, request_id=request_id, detail=detail))
