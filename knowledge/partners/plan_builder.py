"""Build an installation plan from a situation: sections of items from the database, and the gaps.

A situation is what the person answered (every key may be missing or None when skipped):
profession, target_profession (codes), commune (a name, or `peu_importe`), arrival ("YYYY-MM"),
hours (jour / nuit / mixte), children (ages in months), car (True / False), partner (free text),
housing (court / long / aucun), practice (liberal / salarie).

The plan is plain JSON-ready data: {"sections": [{"key", "title", "items": [...]}], "gaps": [...]};
each item has a name, a commune, a detail line and its contact. Texts and vocabularies are in
knowledge/partners/plan.yml.
"""
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from sqlalchemy import select

from knowledge import db
from knowledge.partners import fit, queries, topics, vocabulary
from knowledge.partners.models import Commune
from knowledge.partners.naming import ANY
from knowledge.partners.normalise import key
from knowledge.partners.queries import NotFound, Resource
from knowledge.partners.topics import Topic
from knowledge.texts import text, texts

PLAN_FILE = Path(__file__).with_name("plan.yml")
HOURS = ("jour", "nuit", "mixte")
HOUSING_NEEDS = ("court", "long", "aucun")
PRACTICES = ("liberal", "salarie")
# « peu importe, dans le Sud Estuaire »: the commune slot holds "epci:<name>", the area is its communes.
EPCI_PREFIX = "epci:"
_EPCI_WORDS = re.compile(r"^(communaute (de communes|d agglomeration) (du |de la |de l |des |de )?)")
_DURATION_START = re.compile(r"(\d+)\s*(?:à\s*\d+\s*)?(semaines?|mois|ans?)", re.IGNORECASE)


@lru_cache(maxsize=1)
def settings() -> Dict[str, Any]:
    return yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))


def age_text(months: int) -> str:
    """« 8 mois », « 4 ans »."""
    if months >= 24:
        years = months // 12
        return f"{years} an" if years == 1 else f"{years} ans"
    return f"{months} mois"


def months_until(arrival: Optional[str], today: date) -> Optional[int]:
    """Whole months from today's month to the arrival month ("2027-01"), or None."""
    if not arrival or not re.fullmatch(r"\d{4}-\d{2}", arrival):
        return None
    year, month = map(int, arrival.split("-"))
    return (year - today.year) * 12 + month - today.month


def arrival_end(arrival: Optional[str]) -> Optional[date]:
    """The first day after the arrival month."""
    if months_until(arrival, date(2000, 1, 1)) is None:
        return None
    year, month = map(int, arrival.split("-"))
    return date(year + month // 12, month % 12 + 1, 1)


def epci_communes() -> Dict[str, List[str]]:
    """{EPCI name: its communes}."""
    with db.session_scope() as session:
        found: Dict[str, List[str]] = {}
        for name, epci in session.execute(select(Commune.name, Commune.epci).order_by(Commune.name)):
            found.setdefault(epci, []).append(name)
        return found


def named_epci(text: str) -> Optional[str]:
    """The EPCI a text names by its first two distinctive words (« Sud Estuaire », « Pornic Agglo »)."""
    said = f" {key(text or '')} "
    for epci in epci_communes():
        words = _EPCI_WORDS.sub("", key(epci)).split()
        if len(words) >= 2 and f" {words[0]} {words[1]} " in said:
            return epci
    return None


def is_short_stay(resource: Resource) -> bool:
    config = settings()
    if resource.type in config["short_stay_types"]:
        return True
    match = _DURATION_START.search(resource.details.get("duration") or "")
    if match is None:
        return False
    number, unit = int(match.group(1)), match.group(2).lower()
    months = 0 if unit.startswith("semaine") else number * (12 if unit.startswith("an") else 1)
    return months <= config["short_stay_max_start_months"]


def installation_help_types() -> List[str]:
    """The help desks and aids shown to a liberal practitioner: the `installation` topic's structures
    (vocabulary.yml topic_structure_types) that are not practices (plan.yml practice_types)."""
    practices = settings()["practice_types"]
    return [t for t in topics.structure_types(Topic.INSTALLATION) if t not in practices]


def _fits(resource: Resource, age: int) -> bool:
    low = resource.details.get("min_age_months") or 0
    high = resource.details.get("max_age_months")
    return low <= age and (high is None or age <= high)


def _item(resource: Resource, detail: str = "", **extra: Any) -> Dict[str, Any]:
    return {"name": resource.name, "commune": resource.commune, "detail": detail,
            "description": resource.description, "contact": resource.contact, **extra}


class _Builder:
    def __init__(self, situation: Dict[str, Any], today: date):
        self.situation = situation
        self.today = today
        self.config = settings()
        commune = situation.get("commune")
        self.commune = commune if commune and commune != ANY else None
        self.area: Optional[List[str]] = None
        self.where = text("plan_where.territory")
        if self.commune and self.commune.startswith(EPCI_PREFIX):
            epci = self.commune[len(EPCI_PREFIX):]
            self.area = epci_communes().get(epci) or None
            self.commune = None
            self.where = text("plan_where.epci", epci=epci) if self.area else self.where
        elif self.commune:
            try:
                self.area = [self.commune, *queries.neighbours(self.commune)]
                self.where = text("plan_where.commune", commune=self.commune)
            except NotFound:
                self.commune = None
        self.sections: List[Dict[str, Any]] = []
        self.gaps: List[Dict[str, Any]] = []
        self.workplaces: List[str] = []

    def section(self, key: str, items: List[Dict[str, Any]]) -> None:
        if items:
            self.sections.append({"key": key, "title": self.config["sections"][key], "items": items})

    def gap(self, kind: str, **values: Any) -> None:
        text = self.config["gaps"][kind].format(where=self.where, **values)
        self.gaps.append({"kind": kind, "text": text})

    def jobs(self) -> None:
        profession = self.situation.get("target_profession") or self.situation.get("profession")
        if not profession or profession == ANY:
            return
        found = queries.find_openings(profession=profession, communes=self.area, limit=50).openings
        self.workplaces = sorted({o.commune for o in found})
        # `opening_id`: the hook of the apply issue (« Postuler » on each opening).
        self.section("jobs", [{"name": o.title, "commune": o.commune,
                               "detail": f"{o.structure}, {vocabulary.contract_label(o.contract)}",
                               "description": "", "contact": o.contact, "opening_id": o.id} for o in found])
        if not found:
            self.gap("jobs")

    def housing(self) -> None:
        need = self.situation.get("housing")
        if need == "aucun":
            return
        found = queries.find_housing(self.area)
        near = months_until(self.situation.get("arrival"), self.today)
        if need == "court":
            found = [h for h in found if is_short_stay(h)]
            if not found:
                self.gap("housing_short")
        elif near is not None and near <= self.config["near_arrival_months"]:
            found.sort(key=lambda h: not is_short_stay(h))
        if not found and need != "court":
            self.gap("housing")
        details = [(h.details.get("audience"), h.details.get("duration")) for h in found]
        self.section("housing", [_item(h, ", ".join(x for x in parts if x)) for h, parts in zip(found, details)])

    def childcare(self) -> None:
        """For each child's age: school-age care first for school ages; for night work only care that
        covers the night (the assistant's rule, knowledge/partners/fit.py); for mixed hours the
        places with extended hours first."""
        ages = sorted({int(a) for a in self.situation.get("children") or []})
        hours = self.situation.get("hours")
        items: List[Dict[str, Any]] = []
        for age in ages:
            found = [c for c in queries.find_childcare(self.area) if _fits(c, age)]
            if age >= self.config["school_age_months"]:
                found.sort(key=lambda c: c.type not in self.config["school_childcare_types"])
            said = "plan_child"
            if hours == "nuit":
                found, said = [c for c in found if fit.covers_night(c)], "plan_child_night"
                if not found:
                    self.gap("childcare_night", age=age_text(age))
            elif hours == "mixte":
                found.sort(key=lambda c: not c.details.get("atypical_hours"))
                if not any(c.details.get("atypical_hours") for c in found):
                    self.gap("childcare_atypical", age=age_text(age))
            if not found and hours != "nuit":
                self.gap("childcare", age=age_text(age))
            for c in found:
                shown = "plan_child_atypical" if said == "plan_child" and c.details.get("atypical_hours") else said
                items.append(_item(c, text(shown, age=age_text(age))))
        self.section("childcare", items)

    def mobility(self) -> None:
        served = None
        if self.area:
            institutes = [s.commune for s in queries.find_structures(self.config["training_types"])]
            served = sorted({*self.area, *self.workplaces, *institutes})
        found = queries.find_mobility(served)
        if self.situation.get("car") is False:
            found = [m for m in found if m.type not in fit.types_needing_a_car()]
            if not found:
                self.gap("mobility_no_car")
        elif not found:
            self.gap("mobility")
        self.section("mobility", [_item(m, vocabulary.type_label("mobility_types", m.type)) for m in found])

    def partner(self) -> None:
        if not self.situation.get("partner"):
            return
        types = topics.structure_types(Topic.SPOUSE_JOB)
        found = queries.find_structures(types, self.area)
        if not found:
            self.gap("partner")
            found = queries.find_structures(types) if self.area else []
        self.section("partner", [_item(s, vocabulary.structure_type_label(s.type)) for s in found])

    def installation(self) -> None:
        if self.situation.get("practice") != "liberal":
            return
        help_types = installation_help_types()
        helps = queries.find_structures(help_types, self.area)
        if not helps and self.area:
            helps = queries.find_structures(help_types)
        if not helps:
            self.gap("installation")
        practices = queries.find_structures(self.config["practice_types"], self.area)
        self.section("installation", [_item(s, vocabulary.structure_type_label(s.type)) for s in helps + practices])

    def events(self) -> None:
        end = arrival_end(self.situation.get("arrival"))
        # Open to the profession or the one aimed at (the assistant's rule, knowledge/partners/fit.py).
        found = fit.for_profession(queries.upcoming_events(today=self.today), self.situation.get("profession"),
                                   self.situation.get("target_profession"))
        if end is not None:
            found = [e for e in found if e.details["date"] < end]
        else:
            found = found[:self.config["brief_limit"]]
        if not found:
            self.gap("events")
        self.section("events", [_item(e, f"{vocabulary.event_type_label(e.type)}, le {e.details['date']:%d/%m/%Y}")
                                for e in found])


def build(situation: Dict[str, Any], today: Optional[date] = None) -> Dict[str, Any]:
    """The plan for `situation`, as of `today`: sections in the issue's order, then the gaps."""
    builder = _Builder(situation, today or date.today())
    for step in (builder.jobs, builder.housing, builder.childcare, builder.mobility, builder.partner,
                 builder.installation, builder.events):
        step()
    return {"sections": builder.sections, "gaps": builder.gaps}


def describe_situation(situation: Dict[str, Any]) -> List[str]:
    """The situation as short French lines (the page and the console show them)."""
    lines = []
    if situation.get("profession"):
        lines.append(text("plan_situation.profession", label=vocabulary_label(situation["profession"])))
    if situation.get("target_profession") and situation.get("target_profession") != situation.get("profession"):
        lines.append(text("plan_situation.target_profession", label=vocabulary_label(situation["target_profession"])))
    commune = situation.get("commune")
    if commune:
        shown = text("plan_situation.any_commune") if commune == ANY else commune
        if commune.startswith(EPCI_PREFIX):
            shown = text("plan_situation.any_commune_in", epci=commune[len(EPCI_PREFIX):])
        lines.append(text("plan_situation.commune", commune=shown))
    if situation.get("arrival"):
        year, month = situation["arrival"].split("-")
        lines.append(text("plan_situation.arrival", month=text(f"date.month.{int(month)}"), year=year))
    if situation.get("hours"):
        lines.append(text("plan_situation.hours", hours=_said(f"plan_situation.hours.{situation['hours']}",
                                                               situation["hours"])))
    if situation.get("children"):
        lines.append(text("plan_situation.children", ages=", ".join(age_text(int(a)) for a in situation["children"])))
    if situation.get("car") is not None:
        lines.append(text("plan_situation.car_yes" if situation["car"] else "plan_situation.car_no"))
    if situation.get("partner"):
        lines.append(text("plan_situation.partner", partner=situation["partner"]))
    if situation.get("housing"):
        lines.append(text("plan_situation.housing", housing=_said(f"plan_situation.housing.{situation['housing']}",
                                                                   situation["housing"])))
    if situation.get("practice"):
        lines.append(text("plan_situation.practice_liberal" if situation["practice"] == "liberal"
                          else "plan_situation.practice_salaried"))
    return lines


def _said(key: str, otherwise: str) -> str:
    """The text of `key`, or the value as written when it has none."""
    return text(key) if key in texts() else otherwise


def vocabulary_label(code: str) -> str:
    try:
        return queries.get_profession(code).label
    except NotFound:
        return code

