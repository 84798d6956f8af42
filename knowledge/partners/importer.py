"""Load partner data (a folder of CSV files and `metiers.yml`, or one `.xlsx` workbook) into the
database, all or nothing.

Reading the spreadsheets is `knowledge.partners.spreadsheets`'s; this module checks the rows and upserts
them. Every table is optional, but what a row refers to (commune, structure, profession) must be
in the data, already in the database, or — for professions — in the referential
(`knowledge/partners/professions.yml`). All problems are collected and reported together as
`file:line: column: reason` (`feuille Offres:row` for a workbook); nothing is written unless there are none.
Rows are upserted by id, so importing the same data twice changes nothing. A dry run
(`dry_run=True`) does all of it, reports what would change (`ImportReport.changes`), and rolls back.

An opening a coordinator closed in the console stays closed when a file brings it back with its old
closing date (the partner's export is often older than the console): the import keeps its dates and
says so (`ImportReport.kept_closed`). Reopening it is done in the console, by giving it a new date.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

import yaml
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from knowledge import db
from knowledge.partners import professions, spreadsheets, stays, vocabulary
from knowledge.partners.models import (
    Childcare,
    Commune,
    Event,
    Housing,
    Mobility,
    Opening,
    Profession,
    Structure,
)
from knowledge.partners.normalise import key
from knowledge.partners.spreadsheets import COLUMNS, Table
from knowledge.texts import text as message_text

METIERS_FILE = "metiers.yml"
# Model attribute → column of the file, per file (what the preview and the export name).
ATTRIBUTES: Dict[str, Dict[str, str]] = {
    "communes.csv": {"name": "nom", "postal_code": "code_postal", "epci": "epci", "latitude": "latitude",
                     "longitude": "longitude"},
    METIERS_FILE: {"label": "libelle", "synonyms": "synonymes", "description": "description",
                   "training": "formation", "pay": "salaire", "bridges": "passerelles", "link": "lien"},
    "structures.csv": {"name": "nom", "type": "type", "commune_id": "commune", "address": "adresse",
                       "phone": "telephone", "email": "email", "website": "site_web", "sector": "secteur"},
    "offres.csv": {"structure_id": "structure_id", "profession_code": "metier", "title": "intitule",
                   "contract": "contrat", "work_time": "temps_travail", "commune_id": "commune",
                   "published_on": "date_publication", "closes_on": "date_limite", "description": "description",
                   "contact": "contact"},
    "logements.csv": {"name": "nom", "type": "type", "commune_id": "commune", "audience": "public",
                      "duration": "duree", "monthly_rent": "loyer_mensuel", "contact": "contact",
                      "description": "description"},
    "garde_enfants.csv": {"name": "nom", "type": "type", "commune_id": "commune", "min_age_months": "age_min_mois",
                          "max_age_months": "age_max_mois", "atypical_hours": "horaires_atypiques",
                          "contact": "contact", "description": "description", "opens_at": "heure_ouverture",
                          "closes_at": "heure_fermeture", "night": "nuit"},
    "mobilite.csv": {"name": "nom", "type": "type", "communes": "communes", "description": "description",
                     "contact": "contact"},
    "evenements.csv": {"title": "titre", "type": "type", "date": "date", "commune_id": "commune",
                       "description": "description", "registration": "inscription"},
}
# Attributes computed from a column of the file (not shown in the preview: the column is).
DERIVED: Dict[str, Set[str]] = {"logements.csv": {"min_stay_months", "max_stay_months"}}
BOOLEANS = {"oui": True, "o": True, "x": True, "1": True, "vrai": True, "true": True, "yes": True,
            "non": False, "n": False, "0": False, "faux": False, "false": False, "no": False, "": False}

# « 06:15 », « 6:15:00 » (a time cell), « 6h15 », « 6 h »
_HOUR = re.compile(r"^(\d{1,2})\s*(?:[:h]\s*(\d{2})?(?::\d{2})?)?$")
_SUBJECT_SEPARATOR = " — "


def audit_subject(ident: str, title: str) -> str:
    """What the audit trail says a console change was about: « O12 — Infirmier·ère de nuit »."""
    return f"{ident}{_SUBJECT_SEPARATOR}{title}"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.reason}"


class ImportFailed(Exception):
    """The data has problems; nothing was imported."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Change:
    """One row that is new or changed: `fields` are (column, value stored, value of the file)."""

    ident: str
    new: bool
    fields: Tuple[Tuple[str, str, str], ...] = ()


@dataclass
class ImportReport:
    """What the import brought per table: rows, new, changed (field by field), unchanged; openings
    that close or reopen; notices (values kept as written, professions taken from the referential)."""

    rows: Dict[str, int] = field(default_factory=dict)
    created: Dict[str, int] = field(default_factory=dict)
    updated: Dict[str, int] = field(default_factory=dict)
    changes: Dict[str, List[Change]] = field(default_factory=dict)
    # Openings closed in the console that a file would have reopened: left closed.
    kept_closed: List[str] = field(default_factory=list)
    closing: List[str] = field(default_factory=list)  # openings open now, closed after the import
    reopening: List[str] = field(default_factory=list)  # openings closed now, open after the import
    notices: List[str] = field(default_factory=list)
    dry_run: bool = False
    # How the tables are named to the coordinator: the file (« offres.csv ») or the sheet of a
    # workbook (« feuille Offres »); the dictionaries above are keyed by file name.
    labels: Dict[str, str] = field(default_factory=dict)

    def label(self, name: str) -> str:
        return self.labels.get(name, name)

    def unchanged(self, name: str) -> int:
        return self.rows.get(name, 0) - self.created.get(name, 0) - self.updated.get(name, 0)

    def summary(self) -> str:
        lines = [message_text("import.summary_line", file=self.label(name), count=count,
                              created=self.created.get(name, 0), updated=self.updated.get(name, 0))
                 for name, count in self.rows.items()]
        if self.kept_closed:
            lines.append(message_text("import.kept_closed", file=self.label("offres.csv"),
                                      ids=", ".join(self.kept_closed)))
        if self.closing:
            lines.append(message_text("import.closing", file=self.label("offres.csv"), ids=", ".join(self.closing)))
        if self.reopening:
            lines.append(message_text("import.reopening", file=self.label("offres.csv"), ids=", ".join(self.reopening)))
        return "\n".join(lines + self.notices)

    def preview(self) -> str:
        """The summary, then every new or changed row and field (what `--dry-run` prints)."""
        lines = [self.summary()]
        for name, changes in self.changes.items():
            for change in changes:
                if change.new:
                    lines.append(message_text("import.preview_new", file=self.label(name), id=change.ident))
                    continue
                lines.append(message_text("import.preview_changed", file=self.label(name), id=change.ident))
                lines += [message_text("import.preview_field", column=column, old=old, new=new)
                          for column, old, new in change.fields]
        return "\n".join(lines)


class _Rows:
    """The rows of one table (or one row typed in the console); turns cells into typed values,
    recording problems."""

    def __init__(self, name: str, problems: List[Problem], records: Sequence[Dict[str, Any]] = ()):
        self.name = name
        self.problems = problems
        self.records: List[Dict[str, Any]] = list(records)

    @classmethod
    def of(cls, table: Table, problems: List[Problem]) -> "_Rows":
        rows = cls(table.label, problems, table.records)
        if table.unreadable:
            rows.problem(table.unreadable[0], "-", table.unreadable[1])
        for col in table.missing:
            rows.problem(1, col, message_text("import.column_missing"))
        for line, column, reason in table.cell_problems:
            rows.problem(line, column, reason)
        return rows

    def problem(self, line: int, column: str, reason: str) -> None:
        self.problems.append(Problem(self.name, line, column, reason))

    def text(self, row: Dict[str, Any], column: str, required: bool = True) -> str:
        value = row[column]
        if required and not value:
            self.problem(row["_line"], column, message_text("import.value_missing"))
        return value

    def number(self, row: Dict[str, Any], column: str, cast: Callable = int, required: bool = False):
        value = row[column].replace(",", ".") if cast is float else row[column]
        value = value.replace(" ", "").replace("\u202f", "")
        if not value:
            if required:
                self.problem(row["_line"], column, message_text("import.value_missing"))
            return None
        try:
            return cast(value)
        except ValueError:
            self.problem(row["_line"], column, message_text("import.number_invalid", value=row[column]))
            return None

    def day(self, row: Dict[str, Any], column: str, required: bool = False) -> Optional[date]:
        value = row[column]
        if not value:
            if required:
                self.problem(row["_line"], column, message_text("import.date_missing"))
            return None
        for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
            try:
                return datetime.strptime(value, pattern).date()
            except ValueError:
                pass
        self.problem(row["_line"], column, message_text("import.date_invalid", value=value))
        return None

    def boolean(self, row: Dict[str, Any], column: str) -> bool:
        """oui/non, x/vide, 1/0, vrai/faux in any case (an empty cell is « non »)."""
        value = row[column].lower()
        if value not in BOOLEANS:
            self.problem(row["_line"], column, message_text("import.boolean_invalid", value=row[column]))
        return BOOLEANS.get(value, False)

    def optional_boolean(self, row: Dict[str, Any], column: str) -> Optional[bool]:
        """oui/non like `boolean`, but an empty cell is « not said » (None)."""
        return self.boolean(row, column) if row[column] else None

    def hour(self, row: Dict[str, Any], column: str) -> Optional[str]:
        """An hour of the day as "HH:MM" (« 6:15 », « 06:15 », « 6h15 », « 6 h », a time cell); None
        when empty."""
        value = row[column]
        if not value:
            return None
        found = _HOUR.match(value.lower())
        hours, minutes = (int(found.group(1)), int(found.group(2) or 0)) if found else (99, 0)
        if hours < 24 and minutes < 60 or (hours, minutes) == (24, 0):
            return f"{hours:02d}:{minutes:02d}"
        self.problem(row["_line"], column, message_text("import.hour_invalid", value=value))
        return None

    def choice(self, row: Dict[str, Any], column: str, allowed: Set[str], required: bool = True) -> str:
        value = row[column]
        if not value:
            if required:
                self.problem(row["_line"], column, message_text("import.value_missing"))
            return ""
        if value not in allowed:
            lowered = value.lower()
            if lowered in allowed:  # « CDI » for cdi
                return lowered
            choices = ", ".join(sorted(allowed))
            self.problem(row["_line"], column, message_text("import.choice_invalid", value=value, choices=choices))
        return value

    def unique_ids(self) -> None:
        seen: Set[str] = set()
        for row in self.records:
            ident = self.text(row, "id")
            if ident in seen:
                self.problem(row["_line"], "id", message_text("import.id_twice", id=ident))
            seen.add(ident)


@dataclass
class Source:
    """The data to import: its tables by file name, and the text of its `metiers.yml` if any."""

    name: str
    tables: Dict[str, Table]
    metiers: Optional[bytes] = None


def read_source(path: Path) -> Source:
    """A folder of CSV files (and `metiers.yml`), or a `.xlsx` workbook (and the `metiers.yml` beside it,
    as `cotesoin export --xlsx` writes them); raises ImportFailed."""
    path = Path(path)
    if path.is_file() and spreadsheets.is_workbook(path.name):
        try:
            tables = spreadsheets.read_workbook(path)
        except spreadsheets.WorkbookUnreadable as error:
            raise ImportFailed([Problem(path.name, 0, "-", str(error))])
        if not tables:
            sheets = ", ".join(spreadsheets.sheet_name(n) for n in COLUMNS)
            raise ImportFailed([Problem(path.name, 0, "-", message_text("import.no_sheet", sheets=sheets))])
        metiers = path.with_name(METIERS_FILE)
        return Source(path.name, tables, metiers.read_bytes() if metiers.is_file() else None)
    if path.is_file() and path.suffix.lower() == ".ods":
        raise ImportFailed([Problem(path.name, 0, "-", message_text("import.ods"))])
    if not path.is_dir():
        raise ImportFailed([Problem(str(path), 0, "-", message_text("import.folder_missing"))])
    metiers = path / METIERS_FILE
    source = Source(str(path), spreadsheets.read_folder(path), metiers.read_bytes() if metiers.is_file() else None)
    if not source.tables and source.metiers is None:
        reason = message_text("import.nothing_recognised")
        raise ImportFailed([Problem(str(path), 0, "-", reason)])
    return source


_LOOK_UP = object()  # `upsert`: the stored row is to be looked up by id


def _shown(value: Any) -> str:
    """A stored value as the files write it (for the preview)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return message_text("import.yes") if value else message_text("import.no")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000).strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_open(closes_on: Optional[date], today: date) -> bool:
    return closes_on is None or closes_on >= today


class _Importer:
    def __init__(self, source: Source, session: Session):
        self.source = source
        self.session = session
        self.problems: List[Problem] = []
        self.report = ImportReport()
        self.communes = {key(c.name): c for c in session.scalars(select(Commune))}
        self.professions = set(session.scalars(select(Profession.code)))
        self.structures = set(session.scalars(select(Structure.id)))
        self.unknown_types: Dict[str, Dict[str, int]] = {}

    # -- reading and checking ------------------------------------------------------------
    def rows(self, name: str) -> Optional[_Rows]:
        table = self.source.tables.get(name)
        return _Rows.of(table, self.problems) if table is not None else None

    def commune(self, rows: _Rows, row: Dict[str, Any], column: str = "commune", value: Optional[str] = None):
        value = row[column] if value is None else value
        found = self.communes.get(key(value))
        if found is None:
            reason = (message_text("import.commune_unknown", value=value) if value
                      else message_text("import.value_missing"))
            rows.problem(row["_line"], column, reason)
        return found

    def open_type(self, rows: _Rows, row: Dict[str, Any], file: str) -> str:
        """The `type` of a row: a known code, or the value as written (listed in the notices)."""
        value = rows.text(row, "type")
        if not value:
            return value
        code, known = vocabulary.type_code(vocabulary.OPEN_TYPES[file], value)
        if not known:
            counts = self.unknown_types.setdefault(file, {})
            counts[value] = counts.get(value, 0) + 1
        return code

    def profession(self, rows: _Rows, row: Dict[str, Any]) -> str:
        """The profession code of an opening: known in the database, the data or the referential (then
        added from it), or written as a label or synonym; otherwise a problem naming the closest codes."""
        value = row["metier"]
        if not value:
            rows.problem(row["_line"], "metier", message_text("import.value_missing"))
            return ""
        referential = professions.referential()
        labels = {code: [e["libelle"], *e["synonymes"]] for code, e in referential.items()}
        labels.update({code: labels.get(code, []) for code in self.professions})
        code = professions.code_for(value, labels)
        if code and code not in self.professions:
            entry = referential[code]
            self.session.add(Profession(code=code, label=entry["libelle"], synonyms=entry["synonymes"],
                                        description=entry["description"], training={}, pay="", bridges=[], link=""))
            self.professions.add(code)
            self.report.notices.append(message_text("import.profession_from_referential", file=rows.name, code=code,
                                                    label=entry["libelle"]))
        if not code:
            near = professions.closest(value, labels)
            hint = (message_text("import.near_codes", codes=", ".join(near)) if near
                    else message_text("import.see_referential"))
            rows.problem(row["_line"], "metier", message_text("import.profession_unknown", value=value, hint=hint))
        return code or value

    def run(self, dry_run: bool = False) -> ImportReport:
        # No autoflush: a row with a problem must not reach the database (where it would raise an
        # IntegrityError) before every problem is listed; `flush` only writes while there are none.
        self.report.dry_run = dry_run
        self.report.labels = {file: table.label for file, table in self.source.tables.items()}
        with self.session.no_autoflush:
            self.import_communes()
            self.import_professions()
            self.import_structures()
            self.import_openings()
            self.import_places("logements.csv", Housing, self.housing_values)
            self.import_places("garde_enfants.csv", Childcare, self.childcare_values)
            self.import_mobility()
            self.import_places("evenements.csv", Event, self.event_values)
        if self.problems:
            raise ImportFailed(self.problems)
        for file, counts in self.unknown_types.items():
            values = ", ".join(message_text("import.type_count", value=value, count=count)
                               for value, count in sorted(counts.items()))
            self.report.notices.append(message_text("import.types_kept", file=self.label(file), values=values))
        return self.report

    def label(self, file: str) -> str:
        table = self.source.tables.get(file)
        return table.label if table is not None else file

    def _shown_attr(self, attr: str, value: Any) -> str:
        if attr == "commune_id":
            names = {c.id: c.name for c in self.communes.values()}
            return names.get(value, "")
        if attr == "communes":
            return ";".join(sorted(c.name for c in value))
        return _shown(value)

    def upsert(self, file: str, model, ident, values: Dict[str, Any], obj: Any = _LOOK_UP) -> Any:
        """Add or change the row `ident` (`obj`: the stored row or None, when already looked up)."""
        obj = self.session.get(model, ident) if obj is _LOOK_UP else obj
        self.report.rows[file] = self.report.rows.get(file, 0) + 1
        if obj is None:
            obj = model(**values)
            self.session.add(obj)
            self.report.created[file] = self.report.created.get(file, 0) + 1
            self.report.changes.setdefault(file, []).append(Change(str(ident), True))
            return obj
        fields = []
        for attr, value in values.items():
            current = getattr(obj, attr)
            compared = (set(current), set(value)) if attr in inspect(model).relationships else (current, value)
            if compared[0] != compared[1] and attr in DERIVED.get(file, ()):
                setattr(obj, attr, value)  # follows its column, whose change is listed
            elif compared[0] != compared[1]:
                column = ATTRIBUTES[file].get(attr, attr)
                fields.append((column, self._shown_attr(attr, current), self._shown_attr(attr, value)))
                setattr(obj, attr, value)
        if fields:
            self.report.updated[file] = self.report.updated.get(file, 0) + 1
            self.report.changes.setdefault(file, []).append(Change(str(ident), False, tuple(fields)))
        return obj

    def flush(self) -> None:
        """Write what is pending (to get commune ids), unless a problem already dooms the import."""
        if not self.problems:
            self.session.flush()

    # -- one method per table ------------------------------------------------------------
    def import_communes(self) -> None:
        rows = self.rows("communes.csv")
        if rows is None:
            return
        for row in rows.records:
            values = dict(
                name=rows.text(row, "nom"),
                postal_code=rows.text(row, "code_postal"),
                epci=rows.text(row, "epci"),
                latitude=rows.number(row, "latitude", float, required=True),
                longitude=rows.number(row, "longitude", float, required=True),
            )
            if values["postal_code"] and not (values["postal_code"].isdigit() and len(values["postal_code"]) == 5):
                rows.problem(row["_line"], "code_postal",
                             message_text("import.postal_code_invalid", value=values["postal_code"]))
            if not values["name"] or None in values.values():
                continue
            existing = self.communes.get(key(values["name"]))
            obj = self.upsert("communes.csv", Commune, values["name"], values, obj=existing)
            if existing is None:
                self.communes[key(values["name"])] = obj
        self.flush()

    def import_professions(self) -> None:
        if self.source.metiers is None:
            return
        try:
            text = self.source.metiers.decode("utf-8-sig")
            nodes = yaml.compose(text)
            entries = yaml.safe_load(text)
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            line = getattr(getattr(error, "problem_mark", None), "line", -1) + 1
            self.problems.append(Problem(METIERS_FILE, line, "-",
                                         message_text("import.yaml_unreadable", error=error.__class__.__name__)))
            return
        if not isinstance(entries, list):
            self.problems.append(Problem(METIERS_FILE, 1, "-", message_text("import.professions_not_a_list")))
            return
        codes = {e.get("code") for e in entries if isinstance(e, dict)}
        known = self.professions | set(professions.referential()) | codes
        for node, entry in zip(nodes.value, entries):
            line = node.start_mark.line + 1

            def problem(column: str, reason: str) -> None:
                self.problems.append(Problem(METIERS_FILE, line, column, reason))

            if not isinstance(entry, dict):
                problem("-", message_text("import.profession_not_a_mapping"))
                continue
            code = entry.get("code")
            if not isinstance(code, str) or not code or key(code).replace(" ", "_") != code:
                problem("code", message_text("import.code_invalid", code=code))
                continue
            reference = professions.referential().get(code, {})
            label = entry.get("libelle") or reference.get("libelle")
            if not label:
                problem("libelle", message_text("import.value_missing"))
            synonyms = entry.get("synonymes")
            if synonyms is None:
                synonyms = list(reference.get("synonymes", []))
            if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
                problem("synonymes", message_text("import.not_a_text_list"))
                synonyms = []
            training = _training(entry.get("formation"), problem)
            bridges = _bridges(entry.get("passerelles"), problem)
            for bridge in bridges:
                if "texte" not in bridge and bridge.get("vers") not in known:
                    near = professions.closest(str(bridge.get("vers")), {c: [] for c in known if isinstance(c, str)})
                    problem("passerelles", message_text("import.bridge_unknown_near", code=bridge.get("vers"),
                                                        codes=", ".join(near)) if near
                            else message_text("import.bridge_unknown", code=bridge.get("vers")))
            self.upsert(METIERS_FILE, Profession, code, dict(
                code=code,
                label=str(label or ""),
                synonyms=synonyms,
                description=str(entry.get("description") or reference.get("description") or ""),
                training=training,
                pay=str(entry.get("salaire") or ""),
                bridges=bridges,
                link=str(entry.get("lien") or ""),
            ))
        self.professions |= {c for c in codes if isinstance(c, str)}
        self.flush()

    def import_structures(self) -> None:
        rows = self.rows("structures.csv")
        if rows is None:
            return
        rows.unique_ids()
        for row in rows.records:
            commune = self.commune(rows, row)
            values = dict(
                id=row["id"], name=rows.text(row, "nom"), type=self.open_type(rows, row, "structures.csv"),
                address=row["adresse"], phone=row["telephone"], email=row["email"],
                website=row["site_web"], sector=row["secteur"],
            )
            _fits(rows, row, Structure, {"id": "id", "nom": "name", "type": "type"})
            if commune is not None and row["id"]:
                self.upsert("structures.csv", Structure, row["id"], {**values, "commune_id": commune.id})
                self.structures.add(row["id"])
        self.flush()

    def import_openings(self) -> None:
        rows = self.rows("offres.csv")
        if rows is None:
            return
        rows.unique_ids()
        closed_in_console = _closed_in_console(self.session)
        today = date.today()
        for row in rows.records:
            values = self.opening_values(rows, row)
            if values is None:
                continue
            stored = self.session.get(Opening, row["id"])
            if (row["id"] in closed_in_console and stored is not None and not _is_open(stored.closes_on, today)
                    and _is_open(values["closes_on"], today)):
                values.update(closes_on=stored.closes_on, published_on=stored.published_on)
                self.report.kept_closed.append(row["id"])
            if stored is not None and _is_open(stored.closes_on, today) != _is_open(values["closes_on"], today):
                reopens = _is_open(values["closes_on"], today)
                (self.report.reopening if reopens else self.report.closing).append(row["id"])
            self.upsert("offres.csv", Opening, row["id"], values, obj=stored)

    def opening_values(self, rows: _Rows, row: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """The attributes of the Opening of one row, or None when it cannot be written."""
        line = row["_line"]
        commune = self.commune(rows, row)
        if not row["structure_id"]:
            rows.problem(line, "structure_id", message_text("import.value_missing"))
        elif row["structure_id"] not in self.structures:
            rows.problem(line, "structure_id", message_text("import.structure_unknown", value=row["structure_id"]))
        values = dict(
            id=row["id"], structure_id=row["structure_id"],
            profession_code=self.profession(rows, row),
            title=rows.text(row, "intitule"),
            contract=rows.choice(row, "contrat", set(vocabulary.contract_types())),
            work_time=rows.choice(row, "temps_travail", set(vocabulary.work_times()), required=False),
            published_on=rows.day(row, "date_publication"),
            closes_on=rows.day(row, "date_limite"),
            description=row["description"], contact=row["contact"],
        )
        if values["published_on"] and values["closes_on"] and values["closes_on"] < values["published_on"]:
            rows.problem(line, "date_limite", message_text("import.closes_before_published"))
        _fits(rows, row, Opening, {"id": "id", "intitule": "title", "contact": "contact"})
        if commune is None or not row["id"]:
            return None
        return {**values, "commune_id": commune.id}

    def housing_values(self, rows: _Rows, row: Dict[str, Any]) -> Dict[str, Any]:
        return dict(
            name=rows.text(row, "nom"), type=self.open_type(rows, row, "logements.csv"), audience=row["public"],
            duration=row["duree"], monthly_rent=rows.number(row, "loyer_mensuel"),
            contact=row["contact"], description=row["description"],
            **dict(zip(("min_stay_months", "max_stay_months"), stays.stay_months(row["duree"]))),
        )

    def childcare_values(self, rows: _Rows, row: Dict[str, Any]) -> Dict[str, Any]:
        values = dict(
            name=rows.text(row, "nom"), type=self.open_type(rows, row, "garde_enfants.csv"),
            min_age_months=rows.number(row, "age_min_mois"), max_age_months=rows.number(row, "age_max_mois"),
            atypical_hours=rows.boolean(row, "horaires_atypiques"),
            contact=row["contact"], description=row["description"],
            opens_at=rows.hour(row, "heure_ouverture"), closes_at=rows.hour(row, "heure_fermeture"),
            night=rows.optional_boolean(row, "nuit"),
        )
        low, high = values["min_age_months"], values["max_age_months"]
        if low is not None and high is not None and low > high:
            rows.problem(row["_line"], "age_max_mois", message_text("import.age_max_below_min"))
        return values

    def event_values(self, rows: _Rows, row: Dict[str, Any]) -> Dict[str, Any]:
        _fits(rows, row, Event, {"id": "id", "titre": "title", "type": "type", "inscription": "registration"})
        return dict(
            title=rows.text(row, "titre"), type=self.open_type(rows, row, "evenements.csv"),
            date=rows.day(row, "date", required=True), description=row["description"],
            registration=row["inscription"],
        )

    def import_places(self, name: str, model, values_of: Callable) -> None:
        """Tables whose rows are a place in one commune: housing, childcare, events."""
        rows = self.rows(name)
        if rows is None:
            return
        rows.unique_ids()
        for row in rows.records:
            values = self.place_values(rows, row, values_of)
            if values is not None:
                self.upsert(name, model, row["id"], values)

    def place_values(self, rows: _Rows, row: Dict[str, Any], values_of: Callable) -> Optional[Dict[str, Any]]:
        """The attributes of the place of one row (id and commune id included), or None when it
        cannot be written."""
        commune = self.commune(rows, row)
        values = values_of(rows, row)
        if commune is None or not row["id"]:
            return None
        return {"id": row["id"], **values, "commune_id": commune.id}

    def import_mobility(self) -> None:
        rows = self.rows("mobilite.csv")
        if rows is None:
            return
        rows.unique_ids()
        for row in rows.records:
            names = [n.strip() for n in row["communes"].split(";") if n.strip()]
            if not names:
                rows.problem(row["_line"], "communes", message_text("import.communes_missing"))
            communes = [self.commune(rows, row, "communes", n) for n in names]
            values = dict(
                id=row["id"], name=rows.text(row, "nom"), type=self.open_type(rows, row, "mobilite.csv"),
                description=row["description"], contact=row["contact"],
            )
            if row["id"] and names and None not in communes:
                self.upsert("mobilite.csv", Mobility, row["id"], {**values, "communes": communes})


def _training(value: Any, problem: Callable[[str, str], None]) -> Dict[str, Any]:
    """`formation` of metiers.yml: {diplome, duree, parcours, ou_se_former}, or plain text kept as
    written ({"texte": …})."""
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, (str, int, float)):
        return {"texte": str(value).strip()}
    problem("formation", message_text("import.training_shape"))
    return {}


def _bridges(value: Any, problem: Callable[[str, str], None]) -> List[Dict[str, Any]]:
    """`passerelles` of metiers.yml: a list of {vers, voie}, plain text, or a list of texts (each kept
    as written: {"texte": …})."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [{"texte": value.strip()}]
    if isinstance(value, list) and all(isinstance(b, (dict, str)) for b in value):
        return [b if isinstance(b, dict) else {"texte": b.strip()} for b in value]
    problem("passerelles", message_text("import.bridges_shape"))
    return []


def _fits(rows: _Rows, row: Dict[str, Any], model, attributes: Dict[str, str]) -> None:
    """Cells longer than their database column (which PostgreSQL would refuse)."""
    for column, attribute in attributes.items():
        limit = getattr(model.__table__.c[attribute].type, "length", None)
        if limit and len(row[column]) > limit:
            rows.problem(row["_line"], column,
                         message_text("import.text_too_long", length=len(row[column]), limit=limit))


def _closed_in_console(session: Session) -> Set[str]:
    """Ids of the openings whose latest change in the console was closing them."""
    return set(session.scalars(select(Opening.id).where(Opening.closed_by_coordinator_at.isnot(None))))


def import_folder(path: Path, dry_run: bool = False) -> ImportReport:
    """Import a folder (or a `.xlsx` workbook) in one transaction; raise `ImportFailed` on any
    problem. With `dry_run`, report what would change and write nothing."""
    source = read_source(Path(path))
    with db.session_scope() as session:
        return import_into(session, source, dry_run)


def import_into(session: Session, source, dry_run: bool = False) -> ImportReport:
    """`import_folder` in the caller's transaction (which must be rolled back on `ImportFailed`).
    `source` is a `Source` or a path; a dry run rolls the session back."""
    if not isinstance(source, Source):
        source = read_source(Path(source))
    try:
        report = _Importer(source, session).run(dry_run)
    except ImportFailed:
        session.rollback()
        raise
    if dry_run:
        session.rollback()
    return report


def check_row(session: Session, file: str, cells: Dict[str, str]) -> Tuple[Optional[Dict[str, Any]], List[Problem]]:
    """Check one row of `offres.csv` or `evenements.csv` on its own, with the import's rules,
    against what is in the database (a row typed in the console).

    `cells` maps the file's columns to their text. Returns the attributes of the model to write
    (commune id included; None when there are problems) and the problems, reported on line 0.
    """
    checker = _Importer(Source("-", {}), session)
    rows = _Rows(file, checker.problems)
    row = {"_line": 0, **{column: (cells.get(column) or "").strip() for column in COLUMNS[file]}}
    if file == "offres.csv":
        values = checker.opening_values(rows, row)
    elif file == "evenements.csv":
        values = checker.place_values(rows, row, checker.event_values)
    else:
        raise ValueError(f"pas de vérification ligne à ligne pour {file}")
    if not row["id"]:
        rows.problem(0, "id", message_text("import.value_missing"))
    return (None if checker.problems else values), checker.problems


def database_is_empty() -> bool:
    with db.session_scope() as session:
        return session.scalar(select(Commune.id).limit(1)) is None
