"""Turn query results into short French chat messages (pure functions, no I/O)."""
from datetime import date
from typing import Dict, Iterable, List, Optional

from knowledge import vocabulary
from knowledge.applications import apply_payload
from knowledge.queries import OpeningInfo, Resource

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]


def french_date(day: date) -> str:
    return f"{day.day}{'er' if day.day == 1 else ''} {MONTHS[day.month - 1]} {day.year}"


def in_commune(commune: Optional[str]) -> str:
    """"à Pornic", or "sur le territoire" when no commune is set."""
    return f"à {commune}" if commune else "sur le territoire"


def plural(count: int, singular: str, many: Optional[str] = None) -> str:
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def opening_line(opening: OpeningInfo) -> str:
    details = [vocabulary.contract_label(opening.contract)]
    if opening.work_time:
        details.append(vocabulary.work_time_label(opening.work_time))
    line = f"• {opening.title} — {opening.structure}, {opening.commune} ({', '.join(details)})"
    if opening.closes_on:
        line += f", candidature avant le {french_date(opening.closes_on)}"
    return f"{line}\n  Contact : {opening.contact}" if opening.contact else line


def openings_list(openings: Iterable[OpeningInfo]) -> str:
    return "\n".join(opening_line(o) for o in openings)


def short(title: str) -> str:
    """A title cut to fit a button (40 characters)."""
    return title if len(title) <= 40 else title[:39].rstrip() + "…"


def apply_buttons(openings: Iterable[OpeningInfo]) -> List[Dict[str, str]]:
    """A « Postuler » button per opening shown; its payload starts the apply form (actions/apply.py)."""
    return [{"title": f"Postuler — {short(o.title)}", "payload": apply_payload(o.id)} for o in openings]


def resource_line(resource: Resource, extra: str = "") -> str:
    line = f"• {resource.name} ({resource.commune})" if resource.commune else f"• {resource.name}"
    if extra:
        line += f" — {extra}"
    if resource.description:
        line += f"\n  {resource.description}"
    if resource.contact:
        line += f"\n  Contact : {resource.contact}"
    return line


def housing_extra(resource: Resource) -> str:
    details = resource.details
    parts = [details.get("audience"), details.get("duration")]
    if details.get("monthly_rent"):
        parts.append(f"environ {details['monthly_rent']} € par mois")
    return ", ".join(p for p in parts if p)


def months(value: int) -> str:
    """A child's age: "8 mois", "18 mois", "3 ans"."""
    return plural(value // 12, "an") if value >= 24 and value % 12 == 0 else f"{value} mois"


def age_range(min_months: Optional[int], max_months: Optional[int]) -> str:
    if min_months is None and max_months is None:
        return ""
    if max_months is None:
        return f"dès {months(min_months)}"
    return f"de {months(min_months or 0)} à {months(max_months)}"


def childcare_extra(resource: Resource) -> str:
    details = resource.details
    parts = [age_range(details.get("min_age_months"), details.get("max_age_months"))]
    if details.get("atypical_hours"):
        parts.append("horaires atypiques possibles")
    return ", ".join(p for p in parts if p)


def event_extra(resource: Resource) -> str:
    return f"{vocabulary.event_type_label(resource.type)}, le {french_date(resource.details['date'])}"


def structure_extra(resource: Resource) -> str:
    return vocabulary.structure_type_label(resource.type)


def counts_line(counts: Dict[str, int], label) -> str:
    """"Rouans (2), Cheix-en-Retz (1)" from a mapping of counts, largest first."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{label(name)} ({count})" for name, count in ordered)

