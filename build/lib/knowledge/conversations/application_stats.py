"""Applications and alerts in the observatory: applications per opening, per profession and per
commune over a period; active alerts per profession × commune today (a demand signal shown next
to the unmet searches). Aggregates only; a count between 1 and 4 shown as « < 5 », as everywhere
in the observatory."""
from collections import Counter
from dataclasses import dataclass
from typing import List

from sqlalchemy import func, select

from knowledge import db
from knowledge.conversations.observatory import Count, Period, masked
from knowledge.coordination import alerts
from knowledge.coordination.models import Application
from knowledge.partners.models import Profession
from knowledge.texts import text


@dataclass(frozen=True)
class Row:
    label: str
    applications: Count


@dataclass(frozen=True)
class ApplicationFigures:
    total: Count
    by_opening: List[Row]
    by_profession: List[Row]
    by_commune: List[Row]


def _rows(counts: Counter) -> List[Row]:
    return [Row(label, masked(count)) for label, count in sorted(counts.items(), key=lambda i: (-i[1], i[0]))]


def application_figures(period: Period) -> ApplicationFigures:
    start, end = period.utc_bounds()
    with db.session_scope() as session:
        labels = dict(session.execute(select(Profession.code, Profession.label)).all())
        found = session.execute(
            select(Application.opening_title, Application.structure_name, Application.profession_code,
                   Application.commune, func.count())
            .where(Application.created_at >= start, Application.created_at < end)
            .group_by(Application.opening_title, Application.structure_name, Application.profession_code,
                      Application.commune)).all()
    openings, professions, communes = Counter(), Counter(), Counter()
    for title, structure, profession, commune, count in found:
        openings[f"{title} — {structure}, {commune}"] += count
        professions[labels.get(profession, profession)] += count
        communes[commune] += count
    return ApplicationFigures(masked(sum(openings.values())), _rows(openings), _rows(professions), _rows(communes))


@dataclass(frozen=True)
class AlertRow:
    profession_label: str
    commune: str  # "" for the whole territory
    alerts: Count


def active_alerts() -> List[AlertRow]:
    """Active, confirmed alerts by profession × commune, most first."""
    with db.session_scope() as session:
        labels = dict(session.execute(select(Profession.code, Profession.label)).all())
    counts = alerts.active_by_profession_commune()
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [AlertRow(labels.get(profession, profession) if profession else text("console.any_profession_capital"),
                     commune, masked(count))
            for (profession, commune), count in ordered]
