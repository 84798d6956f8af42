"""Turn query results into short French chat messages (pure functions, no I/O)."""
import re
from datetime import date, datetime, timezone
from typing import Dict, Iterable, List, Optional
from zoneinfo import ZoneInfo

from knowledge.coordination.applications import apply_payload
from knowledge.partners import vocabulary
from knowledge.partners.queries import OpeningInfo, Resource
from knowledge.texts import text

PARIS = ZoneInfo("Europe/Paris")
# « 6 h 15 », « 21h », « 7h30 » in a description.
HOURS_IN_TEXT = re.compile(r"\b\d{1,2} ?h\b|\b\d{1,2} ?h ?\d{2}\b")


def french_date(day: date) -> str:
    month = text(f"date.month.{day.month}")
    return f"{day.day}{'er' if day.day == 1 else ''} {month} {day.year}"


def french_moment(moment: datetime) -> str:
    """A naive UTC moment as said in Paris: « le 8 décembre 2026 vers 14 h »."""
    paris = moment.replace(tzinfo=timezone.utc).astimezone(PARIS)
    return text("date.moment", day=french_date(paris.date()), hour=paris.hour)


def in_commune(commune: Optional[str]) -> str:
    """"à Pornic", or "sur le territoire" when no commune is set."""
    return text("piece.in_commune", commune=commune) if commune else text("piece.whole_territory")


def counted(count: int, what: str) -> str:
    """« 1 offre », « 3 offres »: the texts `count.<what>.one` and `count.<what>.many`."""
    return text(f"count.{what}.one" if count == 1 else f"count.{what}.many", count=count)


def opening_line(opening: OpeningInfo) -> str:
    details = [vocabulary.contract_label(opening.contract)]
    if opening.work_time:
        details.append(vocabulary.work_time_label(opening.work_time))
    line = f"• {opening.title} — {opening.structure}, {opening.commune} ({', '.join(details)})"
    if opening.closes_on:
        line = text("line.apply_before", line=line, date=french_date(opening.closes_on))
    return text("line.contact", line=line, contact=opening.contact) if opening.contact else line


def openings_list(openings: Iterable[OpeningInfo]) -> str:
    return "\n".join(opening_line(o) for o in openings)


def short(title: str) -> str:
    """A title cut to fit a button (40 characters)."""
    return title if len(title) <= 40 else title[:39].rstrip() + "…"


def apply_buttons(openings: Iterable[OpeningInfo]) -> List[Dict[str, str]]:
    """A « Postuler » button per opening shown; its payload starts the apply form (actions/apply.py)."""
    return [{"title": text("button.apply", title=short(o.title)), "payload": apply_payload(o.id)} for o in openings]


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
        parts.append(text("line.rent", rent=details["monthly_rent"]))
    return ", ".join(p for p in parts if p)


def months(value: int) -> str:
    """A child's age: "8 mois", "18 mois", "3 ans"."""
    return counted(value // 12, "year") if value >= 24 and value % 12 == 0 else text("count.months", count=value)


def age_range(min_months: Optional[int], max_months: Optional[int]) -> str:
    if min_months is None and max_months is None:
        return ""
    if max_months is None:
        return text("piece.from_age", age=months(min_months))
    return text("piece.age_between", low=months(min_months or 0), high=months(max_months))


def clock(value: str) -> str:
    """An hour "06:15" as said in French: « 6 h 15 »; "21:00": « 21 h »."""
    hours, minutes = value.split(":")[:2]
    if minutes != "00":
        return text("line.clock_minutes", hours=int(hours), minutes=minutes)
    return text("line.clock", hours=int(hours))


def opening_hours(opens: Optional[str], closes: Optional[str]) -> str:
    """« ouverte de 6 h 15 à 21 h 30 » from the hours the partner gave (either may be missing)."""
    if opens and closes:
        return text("childcare_hours", opens=clock(opens), closes=clock(closes))
    if opens:
        return text("childcare_opens", opens=clock(opens))
    if closes:
        return text("childcare_closes", closes=clock(closes))
    return ""


def childcare_extra(resource: Resource) -> str:
    """Ages, the opening hours when the partner gave them (« ouverte de 6 h 15 à 21 h 30 ») and
    night care; extended hours without hours point to the description, never a vague « horaires
    atypiques possibles »."""
    details = resource.details
    parts = [age_range(details.get("min_age_months"), details.get("max_age_months")),
             opening_hours(details.get("opens_at"), details.get("closes_at"))]
    if not parts[1] and details.get("atypical_hours"):
        hours_written = HOURS_IN_TEXT.search(resource.description or "")
        parts.append(text("childcare_extended_see_below" if hours_written else "childcare_extended_ask"))
    if details.get("night"):
        parts.append(text("childcare_at_night"))
    return ", ".join(p for p in parts if p)


def event_extra(resource: Resource) -> str:
    return text("line.event", type=vocabulary.event_type_label(resource.type),
                date=french_date(resource.details["date"]))


def structure_extra(resource: Resource) -> str:
    return vocabulary.structure_type_label(resource.type)


def counts_line(counts: Dict[str, int], label) -> str:
    """"Rouans (2), Cheix-en-Retz (1)" from a mapping of counts, largest first."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{label(name)} ({count})" for name, count in ordered)

