"""When the coordinators answer, and the other hand-over settings, from `knowledge/coordination/handoff.yml`.

Closed on public holidays (knowledge/coordination/holidays.py) unless `public_holidays` is false, and on the
`closed_dates` the file lists.

`config()` reads the file once (a malformed file raises `ConfigError`, in French, listing every
problem); `claim_delay_minutes()` applies the HANDOFF_CLAIM_DELAY_MINUTES override. A `now` without
time zone is taken as UTC (like `datetime.utcnow()` in the database).
"""
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from knowledge import settings  # noqa: F401  (settings reads .env into the environment)
from knowledge.coordination import holidays
from knowledge.texts import text

HANDOFF_FILE = Path(__file__).resolve().parent / "handoff.yml"
DELAY_ENV = "HANDOFF_CLAIM_DELAY_MINUTES"
# The days as handoff.yml names them (its `office_hours` keys), also said as such in the hours.
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
CLOSED_WORDS = {"fermé", "ferme", "fermée", "closed", "-", ""}
KEYS = ("timezone", "office_hours", "public_holidays", "closed_dates", "claim_delay_minutes")
DEFAULTS: Dict[str, Any] = {
    "timezone": "Europe/Paris",
    "office_hours": {day: "9:00-17:00" for day in DAYS[:5]},
    "public_holidays": True,
    "closed_dates": [],
    "claim_delay_minutes": 10,
}
MAX_DELAY_MINUTES = 24 * 60
# How far ahead the next opening is looked for (a closure can run over the new year).
SEARCH_DAYS = 400
DATES_EXAMPLE = "attendu par exemple « 2026-12-24 » ou « 2026-12-24 au 2027-01-01 »"
HOURS_EXAMPLE = "attendu par exemple « 9:00-17:00 », « 9:00-12:30, 13:30-17:00 » ou « fermé »"

_TIME = r"(\d{1,2})\s*(?:[:h]\s*(\d{2})?)?"
_RANGE = re.compile(rf"^{_TIME}\s*(?:-|–|à)\s*{_TIME}$", re.IGNORECASE)

Range = Tuple[time, time]


class ConfigError(ValueError):
    """`knowledge/coordination/handoff.yml` (or the environment override) is not valid; the message is French."""


@dataclass(frozen=True)
class HandoffConfig:
    timezone: ZoneInfo
    hours: Tuple[Tuple[Range, ...], ...]  # one tuple of (start, end) per day, Monday first
    claim_delay_minutes: int
    public_holidays: bool  # closed on public holidays
    closed_dates: FrozenSet[date]

    def local(self, now: Optional[datetime] = None) -> datetime:
        """`now` (default: the current time) in the coordinators' time zone."""
        now = now or datetime.now(timezone.utc)
        if now.tzinfo is None:
            now = now.replace(tzinfo=timezone.utc)
        return now.astimezone(self.timezone)

    def is_closed(self, day: date) -> bool:
        """Is `day` a public holiday (when they count) or one of the closed dates?"""
        return day in self.closed_dates or (self.public_holidays and day in holidays.french_public_holidays(day.year))

    def is_open(self, now: Optional[datetime] = None) -> bool:
        """Are the coordinators at work at `now`?"""
        local = self.local(now)
        moment = local.time().replace(tzinfo=None)
        return not self.is_closed(local.date()) and any(
            start <= moment < end for start, end in self.hours[local.weekday()])

    def next_opening(self, now: Optional[datetime] = None) -> datetime:
        """The next time the coordinators start work after `now` (in their time zone)."""
        local = self.local(now)
        for offset in range(SEARCH_DAYS):
            day = local.date() + timedelta(days=offset)
            if self.is_closed(day):
                continue
            for start, _ in self.hours[day.weekday()]:
                opening = datetime.combine(day, start, tzinfo=self.timezone)
                if opening > local:
                    return opening
        raise ConfigError("aucun jour d'ouverture")  # load() refuses such a file

    def describe(self) -> str:
        """The opening hours in French: « du lundi au vendredi, de 9 h à 17 h »."""
        groups: List[Tuple[int, int, Tuple[Range, ...]]] = []
        for index, ranges in enumerate(self.hours):
            if groups and ranges and groups[-1][2] == ranges and groups[-1][1] == index - 1:
                groups[-1] = (groups[-1][0], index, ranges)
            elif ranges:
                groups.append((index, index, ranges))
        hours = text("hours.separator").join(
            text("hours.days_and_ranges", days=_days(first, last), ranges=_ranges(ranges))
            for first, last, ranges in groups)
        return text("hours.except_holidays", hours=hours) if self.public_holidays else hours

    def describe_next_opening(self, now: Optional[datetime] = None) -> str:
        """« aujourd'hui à 13 h 30 », « demain à 9 h », « lundi à 9 h » or, a week or more ahead,
        « le 4 janvier à 9 h »."""
        local = self.local(now)
        opening = self.next_opening(local)
        days = (opening.date() - local.date()).days
        if days == 0:
            when = text("hours.today")
        elif days == 1:
            when = text("hours.tomorrow")
        elif days < 7:
            when = DAYS[opening.weekday()]
        else:
            when = text("hours.on_date", day=text("hours.first_day") if opening.day == 1 else opening.day,
                        month=text(f"date.month.{opening.month}"))
        return text("hours.when_at", when=when, time=clock(opening.time()))


def clock(moment: time) -> str:
    """9 h, 12 h 30."""
    if moment.minute:
        return text("hours.clock_minutes", hour=moment.hour, minute=moment.minute)
    return text("hours.clock", hour=moment.hour)


def _days(first: int, last: int) -> str:
    if first == last:
        return text("hours.one_day", day=DAYS[first])
    if last == first + 1:
        return text("hours.two_days", first=DAYS[first], last=DAYS[last])
    return text("hours.day_span", first=DAYS[first], last=DAYS[last])


def _ranges(ranges: Tuple[Range, ...]) -> str:
    return text("hours.and").join(text("hours.range", start=clock(start), end=clock(end)) for start, end in ranges)


def _time(hour: str, minute: Optional[str]) -> time:
    return time(int(hour), int(minute or 0))


def _parse_ranges(day: str, value: Any, problems: List[str]) -> Tuple[Range, ...]:
    if value is None or value is False:
        return ()
    parts = value if isinstance(value, list) else re.split(r"[,;]|\bet\b", str(value))
    if len(parts) == 1 and str(parts[0]).strip().lower() in CLOSED_WORDS:
        return ()
    ranges: List[Range] = []
    for part in parts:
        written = str(part).strip()
        match = _RANGE.match(written)
        try:
            start, end = _time(*match.group(1, 2)), _time(*match.group(3, 4))
        except (AttributeError, ValueError):
            problems.append(f"office_hours : horaires du {day} illisibles « {written} » ({HOURS_EXAMPLE})")
            continue
        if end <= start:
            problems.append(f"office_hours : le {day}, la fin ({clock(end)}) doit être après le début ({clock(start)})")
            continue
        ranges.append((start, end))
    ranges.sort()
    for (_, end), (start, _) in zip(ranges, ranges[1:]):
        if start < end:
            problems.append(f"office_hours : le {day}, des plages horaires se chevauchent")
    return tuple(ranges)


def _parse_hours(value: Any, problems: List[str]) -> Tuple[Tuple[Range, ...], ...]:
    if not isinstance(value, dict):
        problems.append(f"office_hours : attendu un jour par ligne (lundi : « 9:00-17:00 »…), trouvé « {value} »")
        return tuple(() for _ in DAYS)
    by_day = {str(day).strip().lower(): ranges for day, ranges in value.items()}
    for day in by_day:
        if day not in DAYS:
            problems.append(f"office_hours : jour inconnu « {day} » (attendu : {', '.join(DAYS)})")
    hours = tuple(_parse_ranges(day, by_day.get(day), problems) for day in DAYS)
    if not any(hours) and not problems:
        problems.append("office_hours : aucun jour d'ouverture (il en faut au moins un)")
    return hours


def _parse_dates(value: Any, problems: List[str]) -> FrozenSet[date]:
    """`closed_dates`: a list of days (YAML reads 2026-12-24 as a date) or ranges « … au … »."""
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        problems.append(f"closed_dates : attendu une liste de dates, une par ligne ({DATES_EXAMPLE})")
        return frozenset()
    days = set()
    for item in value:
        if isinstance(item, datetime):
            item = item.date()
        bounds = [item] if isinstance(item, date) else re.split(r"\s+au\s+", str(item).strip())
        try:
            first, last = (bound if isinstance(bound, date) else date.fromisoformat(bound.strip())
                           for bound in (bounds[0], bounds[-1]))
        except ValueError:
            problems.append(f"closed_dates : date illisible « {item} » ({DATES_EXAMPLE})")
            continue
        if len(bounds) > 2 or not 0 <= (last - first).days <= 366:
            problems.append(f"closed_dates : période illisible « {item} » (du premier au dernier jour, un an au plus)")
            continue
        days.update(first + timedelta(days=offset) for offset in range((last - first).days + 1))
    return frozenset(days)


def _whole_number(name: str, value: Any, unit: str, maximum: int, problems: List[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        problems.append(f"{name} : attendu un nombre entier de {unit} entre 1 et {maximum}, trouvé « {value} »")
        return 1
    return value


def load(path: Path = HANDOFF_FILE) -> HandoffConfig:
    """Read and check the hand-over settings; `ConfigError` lists every problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError:
        raise ConfigError(f"Réglages de la mise en relation introuvables : {path}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (ligne {mark.line + 1})" if mark else ""
        raise ConfigError(f"{path} n'est pas un fichier YAML valide{where}.") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} : attendu des réglages « clé: valeur » ({', '.join(KEYS)}).")
    return _build(data, str(path))


def defaults() -> HandoffConfig:
    """The settings used when the file is missing a key: Monday to Friday, 9:00 to 17:00, Paris time."""
    return _build({}, "réglages par défaut")


def _build(data: Dict[str, Any], source: str) -> HandoffConfig:
    problems: List[str] = [f"clé inconnue « {key} » (attendu : {', '.join(KEYS)})" for key in data if key not in KEYS]
    values = {**DEFAULTS, **{k: v for k, v in data.items() if k in KEYS}}
    try:
        zone = ZoneInfo(str(values["timezone"]))
    except (ZoneInfoNotFoundError, ValueError, OSError):
        problems.append(f"timezone : fuseau horaire inconnu « {values['timezone']} » (par exemple Europe/Paris)")
        zone = ZoneInfo("UTC")
    hours = _parse_hours(values["office_hours"], problems)
    delay = _whole_number("claim_delay_minutes", values["claim_delay_minutes"], "minutes", MAX_DELAY_MINUTES,
                          problems)
    public_holidays = values["public_holidays"]
    if not isinstance(public_holidays, bool):
        problems.append("public_holidays : attendu true (fermé les jours fériés) ou false, "
                        f"trouvé « {public_holidays} »")
    closed_dates = _parse_dates(values["closed_dates"], problems)
    if problems:
        raise ConfigError(f"{source} n'est pas valide :\n" + "\n".join(f"  - {p}" for p in problems))
    return HandoffConfig(zone, hours, delay, public_holidays, closed_dates)


@lru_cache(maxsize=1)
def config() -> HandoffConfig:
    """The settings of `knowledge/coordination/handoff.yml`, read once per process."""
    return load()


def claim_delay_minutes(handoff: Optional[HandoffConfig] = None) -> int:
    """Minutes before offering a call back: HANDOFF_CLAIM_DELAY_MINUTES, or the file's value."""
    raw = os.environ.get(DELAY_ENV, "").strip()
    if not raw:
        return (handoff or config()).claim_delay_minutes
    problems: List[str] = []
    value = _whole_number(DELAY_ENV, int(raw) if raw.isdigit() else raw, "minutes", MAX_DELAY_MINUTES, problems)
    if problems:
        raise ConfigError(problems[0])
    return value
