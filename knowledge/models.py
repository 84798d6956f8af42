"""The partner database: territory, structures, openings, living resources, requests."""
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Commune(Base):
    __tablename__ = "communes"

    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False, unique=True)
    postal_code = Column(String(5), nullable=False)
    epci = Column(String(100), nullable=False)
    latitude = Column(Float, nullable=False)
    longitude = Column(Float, nullable=False)


class Profession(Base):
    __tablename__ = "professions"

    code = Column(String(60), primary_key=True)
    label = Column(String(120), nullable=False)
    synonyms = Column(JSON, nullable=False, default=list)
    description = Column(Text, nullable=False, default="")
    training = Column(JSON, nullable=False, default=dict)  # diplome, duree, parcours, ou_se_former
    pay = Column(Text, nullable=False, default="")
    bridges = Column(JSON, nullable=False, default=list)  # [{vers, voie}]
    link = Column(String(300), nullable=False, default="")


class Structure(Base):
    __tablename__ = "structures"

    id = Column(String(40), primary_key=True)
    name = Column(String(200), nullable=False)
    type = Column(String(60), nullable=False, index=True)
    commune_id = Column(ForeignKey("communes.id"), nullable=False, index=True)
    address = Column(String(300), nullable=False, default="")
    phone = Column(String(40), nullable=False, default="")
    email = Column(String(200), nullable=False, default="")
    website = Column(String(300), nullable=False, default="")
    sector = Column(String(60), nullable=False, default="")

    commune = relationship(Commune)


class Opening(Base):
    __tablename__ = "openings"

    id = Column(String(40), primary_key=True)
    structure_id = Column(ForeignKey("structures.id"), nullable=False, index=True)
    profession_code = Column(ForeignKey("professions.code"), nullable=False, index=True)
    title = Column(String(300), nullable=False)
    contract = Column(String(20), nullable=False, index=True)
    work_time = Column(String(20), nullable=False, default="")
    commune_id = Column(ForeignKey("communes.id"), nullable=False, index=True)
    published_on = Column(Date, nullable=True)
    closes_on = Column(Date, nullable=True, index=True)
    description = Column(Text, nullable=False, default="")
    contact = Column(String(300), nullable=False, default="")

    structure = relationship(Structure)
    profession = relationship(Profession)
    commune = relationship(Commune)


class Housing(Base):
    __tablename__ = "housing"

    id = Column(String(40), primary_key=True)
    name = Column(String(200), nullable=False)
    type = Column(String(60), nullable=False)
    commune_id = Column(ForeignKey("communes.id"), nullable=False, index=True)
    audience = Column(String(200), nullable=False, default="")
    duration = Column(String(200), nullable=False, default="")
    # Shortest and longest stay in months, read from `duration` at import (knowledge/stays.py);
    # None when the text does not say (then the housing is never filtered out on it).
    min_stay_months = Column(Float, nullable=True)
    max_stay_months = Column(Float, nullable=True)
    monthly_rent = Column(Integer, nullable=True)
    contact = Column(String(300), nullable=False, default="")
    description = Column(Text, nullable=False, default="")

    commune = relationship(Commune)


class Childcare(Base):
    __tablename__ = "childcare"

    id = Column(String(40), primary_key=True)
    name = Column(String(200), nullable=False)
    type = Column(String(60), nullable=False)
    commune_id = Column(ForeignKey("communes.id"), nullable=False, index=True)
    min_age_months = Column(Integer, nullable=True)
    max_age_months = Column(Integer, nullable=True)
    atypical_hours = Column(Boolean, nullable=False, default=False)
    # Optional columns of garde_enfants.csv: hours as "HH:MM" (None when not given) and whether
    # children are looked after at night (None when not said).
    opens_at = Column(String(5), nullable=True)
    closes_at = Column(String(5), nullable=True)
    night = Column(Boolean, nullable=True)
    contact = Column(String(300), nullable=False, default="")
    description = Column(Text, nullable=False, default="")

    commune = relationship(Commune)


mobility_communes = Table(
    "mobility_communes",
    Base.metadata,
    Column("mobility_id", ForeignKey("mobility.id", ondelete="CASCADE"), primary_key=True),
    Column("commune_id", ForeignKey("communes.id"), primary_key=True),
)


class Mobility(Base):
    __tablename__ = "mobility"

    id = Column(String(40), primary_key=True)
    name = Column(String(200), nullable=False)
    type = Column(String(60), nullable=False)
    description = Column(Text, nullable=False, default="")
    contact = Column(String(300), nullable=False, default="")

    communes = relationship(Commune, secondary=mobility_communes)


class Event(Base):
    """A discovery event: forum, job dating, visit, immersion… (table name avoids Rasa's `events`)."""

    __tablename__ = "calendar_events"

    id = Column(String(40), primary_key=True)
    title = Column(String(300), nullable=False)
    type = Column(String(60), nullable=False)
    date = Column(Date, nullable=False, index=True)
    commune_id = Column(ForeignKey("communes.id"), nullable=False, index=True)
    description = Column(Text, nullable=False, default="")
    registration = Column(String(300), nullable=False, default="")

    commune = relationship(Commune)


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


class AuditEntry(Base):
    """Who did what and when in the console (login, claim, reply, close, data edits…)."""

    __tablename__ = "audit_trail"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=datetime.utcnow, index=True)
    coordinator_id = Column(ForeignKey("coordinators.id"), index=True)
    action = Column(String(40), nullable=False)
    request_id = Column(ForeignKey("coordinator_requests.id", ondelete="SET NULL"), index=True)
    detail = Column(Text, nullable=False, default="")

    coordinator = relationship(Coordinator)
