"""Read and record partner data for the assistant and the console. Returns plain data."""
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import yaml
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from knowledge import db
from knowledge.partners.models import (
    Childcare,
    Commune,
    Event,
    Housing,
    Mobility,
    Opening,
    Profession,
    Structure,
    mobility_communes,
)
from knowledge.settings import TERRITORY_FILE


class NotFound(LookupError):
    """The asked-for record does not exist."""


@dataclass(frozen=True)
class OpeningInfo:
    id: str
    title: str
    profession: str
    structure: str
    commune: str
    contract: str
    work_time: str
    closes_on: Optional[date]
    contact: str


@dataclass(frozen=True)
class OpeningSearch:
    openings: List[OpeningInfo]
    total: int


@dataclass(frozen=True)
class ProfessionInfo:
    code: str
    label: str
    synonyms: List[str]
    description: str
    training: Dict[str, Any]
    pay: str
    bridges: List[Dict[str, str]]
    link: str


@dataclass(frozen=True)
class Resource:
    """Anything with a name, a place and a contact: housing, childcare, mobility, structure, event."""

    id: str
    name: str
    type: str
    commune: str
    contact: str
    description: str = ""
    details: Dict[str, Any] = field(default_factory=dict)


# -- territory ---------------------------------------------------------------------------
def commune_names() -> List[str]:
    with db.session_scope() as session:
        return list(session.scalars(select(Commune.name).order_by(Commune.name)))


def _distance_km(a: Commune, b: Commune) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(h))


def neighbours(commune: str, count: int = 4) -> List[str]:
    """The `count` nearest other communes of the territory, nearest first."""
    with db.session_scope() as session:
        communes = list(session.scalars(select(Commune)))
        origin = next((c for c in communes if c.name == commune), None)
        if origin is None:
            raise NotFound(commune)
        others = sorted((c for c in communes if c is not origin), key=lambda c: _distance_km(origin, c))
        return [c.name for c in others[:count]]


def nearest_commune(latitude: float, longitude: float, within_km: Optional[float] = None) -> str:
    """The commune of the territory nearest to a point (a location shared in a chat).

    Raises NotFound when there is no commune, or none within `within_km` when it is given.
    """
    point = Commune(latitude=latitude, longitude=longitude)
    with db.session_scope() as session:
        communes = list(session.scalars(select(Commune)))
        if not communes:
            raise NotFound("commune")
        nearest = min(communes, key=lambda c: _distance_km(point, c))
        if within_km is not None and _distance_km(point, nearest) > within_km:
            raise NotFound(f"aucune commune à moins de {within_km:g} km")
        return nearest.name


# -- professions --------------------------------------------------------------------------
def _profession_info(p: Profession) -> ProfessionInfo:
    return ProfessionInfo(p.code, p.label, list(p.synonyms or []), p.description, dict(p.training or {}),
                          p.pay, list(p.bridges or []), p.link)


def get_profession(code: str) -> ProfessionInfo:
    with db.session_scope() as session:
        profession = session.get(Profession, code)
        if profession is None:
            raise NotFound(code)
        return _profession_info(profession)


def list_professions() -> List[ProfessionInfo]:
    with db.session_scope() as session:
        return [_profession_info(p) for p in session.scalars(select(Profession).order_by(Profession.label))]


def bridges_towards(code: str) -> List[Tuple[ProfessionInfo, str]]:
    """Professions with a bridge leading to `code`, with the way (voie) described."""
    return [(p, b.get("voie", "")) for p in list_professions() for b in p.bridges if b.get("vers") == code]


# -- openings -------------------------------------------------------------------------------
def _open_openings(query, profession, communes, contract, work_time, today):
    """`query` on openings restricted to the criteria given and to those not yet closed."""
    query = query.join(Opening.commune).where(
        or_(Opening.closes_on.is_(None), Opening.closes_on >= (today or date.today())))
    if profession:
        query = query.where(Opening.profession_code == profession)
    if communes:
        query = query.where(Commune.name.in_(list(communes)))
    if contract:
        query = query.where(Opening.contract == contract)
    if work_time:
        query = query.where(Opening.work_time == work_time)
    return query


def find_openings(
    profession: Optional[str] = None,
    communes: Optional[Sequence[str]] = None,
    contract: Optional[str] = None,
    work_time: Optional[str] = None,
    today: Optional[date] = None,
    limit: int = 5,
    offset: int = 0,
) -> OpeningSearch:
    """Open openings matching every given criterion (None means any), newest first.

    Openings whose closing date has passed are never returned.
    """
    with db.session_scope() as session:
        query = _open_openings(select(Opening).join(Opening.structure), profession, communes, contract,
                               work_time, today)
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        # limit=0 asks for the count only (the commune question, the site's counts): no rows query.
        rows = session.scalars(
            query.options(contains_eager(Opening.structure), contains_eager(Opening.commune))
            .order_by(Opening.published_on.desc(), Opening.id).limit(limit).offset(offset)
        ) if limit else []
        openings = [
            OpeningInfo(o.id, o.title, o.profession_code, o.structure.name, o.commune.name, o.contract,
                        o.work_time, o.closes_on, o.contact or o.structure.email or o.structure.phone)
            for o in rows
        ]
        return OpeningSearch(openings, total)


def count_openings_by(column: str, profession: Optional[str], communes: Optional[Sequence[str]],
                      contract: Optional[str] = None, work_time: Optional[str] = None,
                      today: Optional[date] = None) -> Dict[str, int]:
    """Open openings grouped by `commune` or `contract`, for proposing alternatives."""
    group = {"commune": Commune.name, "contract": Opening.contract}[column]
    with db.session_scope() as session:
        query = _open_openings(select(group, func.count(Opening.id)), profession, communes, contract,
                               work_time, today).group_by(group)
        return {name: count for name, count in session.execute(query)}


# -- living and discovery resources ----------------------------------------------------------
def _in_communes(query, communes: Optional[Sequence[str]]):
    return query.where(Commune.name.in_(list(communes))) if communes else query


def find_housing(communes: Optional[Sequence[str]] = None) -> List[Resource]:
    with db.session_scope() as session:
        query = (_in_communes(select(Housing).join(Housing.commune), communes)
                 .options(contains_eager(Housing.commune)).order_by(Commune.name, Housing.name))
        return [
            Resource(h.id, h.name, h.type, h.commune.name, h.contact, h.description,
                     {"audience": h.audience, "duration": h.duration, "monthly_rent": h.monthly_rent,
                      "stay_months": (h.min_stay_months, h.max_stay_months)})
            for h in session.scalars(query)
        ]


def find_childcare(communes: Optional[Sequence[str]] = None, atypical_hours: bool = False) -> List[Resource]:
    with db.session_scope() as session:
        query = _in_communes(select(Childcare).join(Childcare.commune), communes).options(
            contains_eager(Childcare.commune))
        if atypical_hours:
            query = query.where(Childcare.atypical_hours.is_(True))
        query = query.order_by(Childcare.atypical_hours.desc(), Commune.name, Childcare.name)
        return [
            Resource(c.id, c.name, c.type, c.commune.name, c.contact, c.description,
                     {"min_age_months": c.min_age_months, "max_age_months": c.max_age_months,
                      "atypical_hours": c.atypical_hours, "opens_at": c.opens_at, "closes_at": c.closes_at,
                      "night": c.night})
            for c in session.scalars(query)
        ]


def find_mobility(communes: Optional[Sequence[str]] = None) -> List[Resource]:
    """Mobility services; for a commune, those serving it."""
    with db.session_scope() as session:
        query = select(Mobility).options(selectinload(Mobility.communes)).order_by(Mobility.name)
        if communes:
            served = select(mobility_communes.c.mobility_id).join(Commune).where(Commune.name.in_(list(communes)))
            query = query.where(Mobility.id.in_(served))
        return [
            Resource(m.id, m.name, m.type, ", ".join(sorted(c.name for c in m.communes)), m.contact,
                     m.description, {"communes_count": len(m.communes)})
            for m in session.scalars(query)
        ]


def upcoming_events(communes: Optional[Sequence[str]] = None, today: Optional[date] = None,
                    types: Optional[Iterable[str]] = None) -> List[Resource]:
    today = today or date.today()
    with db.session_scope() as session:
        query = _in_communes(select(Event).join(Event.commune).where(Event.date >= today), communes).options(
            contains_eager(Event.commune))
        if types:
            query = query.where(Event.type.in_(list(types)))
        return [
            Resource(e.id, e.title, e.type, e.commune.name, e.registration, e.description, {"date": e.date})
            for e in session.scalars(query.order_by(Event.date, Event.id))
        ]


def find_structures(types: Optional[Iterable[str]] = None, communes: Optional[Sequence[str]] = None) -> List[Resource]:
    with db.session_scope() as session:
        query = _in_communes(select(Structure).join(Structure.commune), communes).options(
            contains_eager(Structure.commune))
        if types:
            query = query.where(Structure.type.in_(list(types)))
        return [
            Resource(s.id, s.name, s.type, s.commune.name, " · ".join(x for x in (s.phone, s.email) if x),
                     s.address, {"website": s.website, "sector": s.sector})
            for s in session.scalars(query.order_by(Structure.type, Commune.name, Structure.name))
        ]


# -- vocabulary for the NLU normaliser ------------------------------------------------------------
def naming_vocabulary() -> Dict[str, Dict[str, List[str]]]:
    """Canonical professions and communes with the variants people type."""
    aliases = yaml.safe_load(TERRITORY_FILE.read_text(encoding="utf-8"))["commune_aliases"]
    with db.session_scope() as session:
        professions = {p.code: [p.label, *(p.synonyms or [])] for p in session.scalars(select(Profession))}
        communes = {c.name: aliases.get(c.name, []) for c in session.scalars(select(Commune))}
    return {"profession": professions, "commune": communes}
