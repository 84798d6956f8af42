"""The partner data's tables: territory, professions, structures, openings, living resources, events."""

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
from sqlalchemy.orm import relationship

from knowledge.models import Base


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
    # When a coordinator closed it in the console, as long as that is its latest console change (a
    # later change there clears it): an import then leaves it closed (knowledge/partners/importer.py).
    closed_by_coordinator_at = Column(DateTime, nullable=True)

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
    # Shortest and longest stay in months, read from `duration` at import (knowledge/partners/stays.py);
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
