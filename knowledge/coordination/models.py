"""The coordination's tables: coordinators and their sessions, requests for a coordinator and their notes,
applications, CV uploads, job alerts, installation plans."""
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import relationship

from knowledge.models import Base


class Coordinator(Base):
    """A person of the Côté Soin team who logs into the console (`cotesoin coordinator add`)."""

    __tablename__ = "coordinators"

    id = Column(Integer, primary_key=True)
    email = Column(String(254), nullable=False, unique=True)
    name = Column(String(100), nullable=False)
    password_hash = Column(String(200), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)


class ConsoleSession(Base):
    """A console login, as long as it lasts: the cookie carries the token, the table its SHA-256.
    Logout, a password change and an account's removal delete the account's rows, which ends
    every session at once (an old cookie no longer opens anything)."""

    __tablename__ = "console_sessions"

    token_hash = Column(String(64), primary_key=True)
    coordinator_id = Column(ForeignKey("coordinators.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)


class LoginFailure(Base):
    """A failed console login, counted by `key` (« compte:<e-mail> » whether the account exists or
    not, and « adresse:<IP> ») to slow down guessing (knowledge/coordination/accounts.py); kept 15 minutes."""

    __tablename__ = "login_failures"

    id = Column(Integer, primary_key=True)
    key = Column(String(300), nullable=False, index=True)
    at = Column(DateTime, nullable=False, default=datetime.utcnow, index=True)


class CoordinatorRequest(Base):
    """A conversation handed over to the coordinators.

    status: open (waiting) → claimed (a coordinator holds the conversation) → closed (with an
    outcome, the assistant has taken over again). A contact is kept only with the user's consent,
    recorded with its text and date.
    """

    __tablename__ = "coordinator_requests"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(40), nullable=False)
    topic = Column(String(60), nullable=False, default="")
    criteria = Column(JSON, nullable=False, default=dict)
    status = Column(String(20), nullable=False, default="open", index=True)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow, index=True)
    claimed_by_id = Column(ForeignKey("coordinators.id"), index=True)
    claimed_at = Column(DateTime)
    closed_at = Column(DateTime, index=True)
    outcome = Column(String(20))
    contact = Column(String(254))
    contact_consent_text = Column(Text)
    contact_consent_at = Column(DateTime)
    # When the unclaimed reminder was handled (by Rasa's reminder or the console's back-up): one per request.
    reminded_at = Column(DateTime)

    claimed_by = relationship(Coordinator)
    notes = relationship("RequestNote", back_populates="request", order_by="RequestNote.id",
                         cascade="all, delete-orphan")


class RequestNote(Base):
    """An internal note of a coordinator on a request; never shown to the user."""

    __tablename__ = "request_notes"

    id = Column(Integer, primary_key=True)
    request_id = Column(ForeignKey("coordinator_requests.id", ondelete="CASCADE"), nullable=False, index=True)
    coordinator_id = Column(ForeignKey("coordinators.id"), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)

    request = relationship(CoordinatorRequest, back_populates="notes")
    coordinator = relationship(Coordinator)


class Application(Base):
    """An application to an opening, sent from the conversation (knowledge/coordination/applications.py).

    status: pending (in the outbox, the web process e-mails it) → sent; queued (« à transmettre »:
    the contact is not an e-mail, or no SMTP server is set); failed (every attempt failed, the
    coordinators transmit it). The consent is kept with its exact text and date.
    """

    __tablename__ = "applications"

    id = Column(Integer, primary_key=True)
    reference = Column(String(20), nullable=False, unique=True)
    # Copied from the opening, not a foreign key: an import may replace or remove the opening.
    opening_id = Column(String(40), nullable=False, index=True)
    opening_title = Column(String(300), nullable=False)
    structure_id = Column(String(40), nullable=False, index=True)
    structure_name = Column(String(200), nullable=False)
    profession_code = Column(String(60), nullable=False, default="")
    commune = Column(String(100), nullable=False, default="")
    recipient = Column(String(300), nullable=False)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(40), nullable=False)
    name = Column(String(200), nullable=False)
    contact = Column(String(254), nullable=False)
    message = Column(Text, nullable=False, default="")
    cv_path = Column(String(300))
    cv_filename = Column(String(200))
    cv_type = Column(String(100))
    consent_text = Column(Text, nullable=False)
    consent_at = Column(DateTime, nullable=False)
    status = Column(String(20), nullable=False, index=True)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, index=True)
    last_error = Column(Text)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow, index=True)
    sent_at = Column(DateTime)

    events = relationship("ApplicationEvent", back_populates="application", order_by="ApplicationEvent.id",
                          cascade="all, delete-orphan")


class ApplicationEvent(Base):
    """The audit trail of one application: recorded, attempt failed, sent, queued, transmitted…"""

    __tablename__ = "application_events"

    id = Column(Integer, primary_key=True)
    application_id = Column(ForeignKey("applications.id", ondelete="CASCADE"), nullable=False, index=True)
    at = Column(DateTime, nullable=False, default=datetime.utcnow)
    coordinator_id = Column(ForeignKey("coordinators.id"))
    action = Column(String(40), nullable=False)
    detail = Column(Text, nullable=False, default="")

    application = relationship(Application, back_populates="events")
    coordinator = relationship(Coordinator)


class CvUpload(Base):
    """A CV file offered to the apply form: the single-use token issued to one conversation, then
    the stored file (random name under the var folder) once uploaded."""

    __tablename__ = "cv_uploads"

    token = Column(String(64), primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    path = Column(String(300))
    filename = Column(String(200))
    content_type = Column(String(100))
    size = Column(Integer)
    uploaded_at = Column(DateTime)


class AlertSubscription(Base):
    """« M'alerter des nouvelles offres »: job-search criteria kept with consent (knowledge/coordination/alerts.py).

    Telegram subscriptions are confirmed at once (the chat is the address); an e-mail one waits
    for its confirmation link (double opt-in). Active until unsubscribed.
    """

    __tablename__ = "alert_subscriptions"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(40), nullable=False)
    email = Column(String(254))
    profession_code = Column(String(60))
    communes = Column(JSON, nullable=False, default=list)
    contract = Column(String(20))
    work_time = Column(String(20))
    consent_text = Column(Text, nullable=False)
    consent_at = Column(DateTime, nullable=False)
    confirm_token = Column(String(64), unique=True)
    confirmation_sent_at = Column(DateTime)
    confirmed_at = Column(DateTime)
    # The yearly re-consent asked (a new confirmation link): unconfirmed since then, not since creation.
    reconsent_asked_at = Column(DateTime)
    unsubscribe_token = Column(String(64), nullable=False, unique=True)
    active = Column(Boolean, nullable=False, default=True, index=True)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    unsubscribed_at = Column(DateTime)
    last_digest_at = Column(DateTime)

    deliveries = relationship("AlertDelivery", cascade="all, delete-orphan")


class AlertDelivery(Base):
    """An opening a subscriber was told about (or that already existed when they subscribed):
    never sent to them again."""

    __tablename__ = "alert_deliveries"

    subscription_id = Column(ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), primary_key=True)
    opening_id = Column(String(40), primary_key=True)
    sent_at = Column(DateTime)  # None: the opening already existed at subscription time


class InstallationPlan(Base):
    """A person's installation plan (issue 20): what they said, the plan built from the database.

    `situation` holds only the answers the person typed (profession, commune, arrival month,
    hours, children's ages, car, partner's occupation, housing need, practice); `sections` the
    plan's items by section, coordinators' additions included; `gaps` the kinds of need for which
    nothing was found (the observatory counts them per commune). The page `/plan/<token>` shows it
    until `expires_at`. An e-mail is kept only with the consent question answered.
    """

    __tablename__ = "installation_plans"

    id = Column(Integer, primary_key=True)
    token = Column(String(64), nullable=False, unique=True)
    sender_id = Column(String(255), nullable=False, index=True)
    commune = Column(String(100), nullable=False, default="", index=True)
    situation = Column(JSON, nullable=False, default=dict)
    sections = Column(JSON, nullable=False, default=list)
    gaps = Column(JSON, nullable=False, default=list)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow, index=True)
    updated_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    expires_at = Column(DateTime, nullable=False, index=True)
    request_id = Column(ForeignKey("coordinator_requests.id", ondelete="SET NULL"), index=True)
    email = Column(String(254))
    email_consent_text = Column(Text)
    email_consent_at = Column(DateTime)
    email_sent_at = Column(DateTime)
    # The outbox of the plan's e-mail (bot/mail/outbox.py): due when `email_next_attempt_at` has passed.
    email_attempts = Column(Integer, nullable=False, default=0, server_default="0")
    email_next_attempt_at = Column(DateTime, index=True)
