"""Coordinators keep openings and events current from the console, one at a time or by import.

This is the one place that validates and writes an opening or an event typed in a form. A form
has the columns of the CSV file as fields (`OPENING_FIELDS`, `EVENT_FIELDS`: « intitule »,
« date_limite »…) and is checked by the importer's own rules (`importer.check_row`), so a row
accepted here is accepted in a CSV file and the other way round. Problems raise `Invalid` with
{field: French message}; nothing is written then. Every write adds a line to the audit trail in
the same transaction.

Two people may edit the same record: a form carries the `version` of the record it was opened on
(a fingerprint of its values), and saving over a record that changed since (another coordinator,
an import) raises `Changed` with the record as it now is; nothing is written then.

An opening is closed the way the data already say it: its closing date (`closes_on`, the CSV's
`date_limite`) has passed — the queries never offer it again. Closing sets that date to
yesterday; giving it a later date reopens the opening. An event that will not take place is
deleted.
"""
import hashlib
import json
import re
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge import db
from knowledge.audit import audit
from knowledge.partners import importer, naming, professions, spreadsheets, vocabulary
from knowledge.partners.importer import COLUMNS, ImportFailed, ImportReport, Problem
from knowledge.partners.models import Commune, Event, Opening, Profession, Structure
from knowledge.partners.normalise import key
from knowledge.partners.queries import NotFound
from knowledge.texts import text

OPENINGS_FILE, EVENTS_FILE = "offres.csv", "evenements.csv"
OPENING_FIELDS: List[str] = COLUMNS[OPENINGS_FILE]
EVENT_FIELDS: List[str] = COLUMNS[EVENTS_FILE]
# Identifiers typed in the console end up in addresses (/console/offres/<id>): keep them plain.
IDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# Uploads: only the known CSV files (or one workbook) and metiers.yml, each at most this big.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOADABLE = [*COLUMNS, importer.METIERS_FILE]
METIERS_NAMES = (importer.METIERS_FILE, "metiers.yaml")


class Invalid(ValueError):
    """The form has problems: `errors` maps each field to a French message. Nothing was written."""

    def __init__(self, errors: Dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field} : {message}" for field, message in self.errors.items()))


class Changed(RuntimeError):
    """The record changed since its form was opened; `current` is the record as it now is."""

    def __init__(self, current):
        self.current = current
        super().__init__(f"{current.id} modifié entre-temps")


def version(form: Mapping[str, str]) -> str:
    """The fingerprint of a record's values (`record.form()`) that its form sends back."""
    return hashlib.sha256(json.dumps(dict(form), sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class OpeningRecord:
    id: str
    title: str
    profession_code: str
    profession: str
    structure_id: str
    structure: str
    commune: str
    contract: str
    work_time: str
    published_on: Optional[date]
    closes_on: Optional[date]
    description: str
    contact: str
    closed: bool

    def form(self) -> Dict[str, str]:
        """The values as the form (and the CSV file) writes them."""
        return {
            "id": self.id, "structure_id": self.structure_id, "metier": self.profession_code,
            "intitule": self.title, "contrat": self.contract, "temps_travail": self.work_time,
            "commune": self.commune, "date_publication": _day(self.published_on),
            "date_limite": _day(self.closes_on), "description": self.description, "contact": self.contact,
        }


@dataclass(frozen=True)
class EventRecord:
    id: str
    title: str
    type: str
    date: date
    commune: str
    description: str
    registration: str
    past: bool

    def form(self) -> Dict[str, str]:
        return {"id": self.id, "titre": self.title, "type": self.type, "date": _day(self.date),
                "commune": self.commune, "description": self.description, "inscription": self.registration}


def _day(value: Optional[date]) -> str:
    return value.isoformat() if value else ""


def _today(today: Optional[date]) -> date:
    return today or date.today()


def _is_closed(opening: Opening, today: date) -> bool:
    """The rule of `queries.find_openings`: open while the closing date is absent or not passed."""
    return opening.closes_on is not None and opening.closes_on < today


def _opening_record(o: Opening, today: date) -> OpeningRecord:
    return OpeningRecord(
        id=o.id, title=o.title, profession_code=o.profession_code, profession=o.profession.label,
        structure_id=o.structure_id, structure=o.structure.name, commune=o.commune.name, contract=o.contract,
        work_time=o.work_time, published_on=o.published_on, closes_on=o.closes_on, description=o.description,
        contact=o.contact, closed=_is_closed(o, today),
    )


def _event_record(e: Event, today: date) -> EventRecord:
    return EventRecord(id=e.id, title=e.title, type=e.type, date=e.date, commune=e.commune.name,
                       description=e.description, registration=e.registration, past=e.date < today)


def _errors(problems: List[Problem], fields: List[str], extra: Dict[str, str]) -> Dict[str, str]:
    """{field: message} in the form's order: `extra`, then the importer's problems (the first of
    each field)."""
    errors = dict(extra)
    for problem in problems:
        errors.setdefault(problem.column, problem.reason[:1].upper() + problem.reason[1:] + ".")
    return {name: errors[name] for name in sorted(errors, key=lambda n: fields.index(n) if n in fields else 99)}


def _cells(values: Mapping[str, Any], fields: List[str]) -> Dict[str, str]:
    """The form's strings, trimmed, line ends made plain and NUL characters (refused by PostgreSQL)
    removed."""
    cells = {}
    for name in fields:
        value = values.get(name)
        text = "" if value is None else str(value)
        cells[name] = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n").strip()
    return cells


def _new_id(session: Session, model, prefix: str) -> str:
    """The next free identifier of the `prefix` + number series."""
    idents = session.scalars(select(model.id).where(model.id.like(f"{prefix}%")))
    digits = [ident[len(prefix):] for ident in idents if ident.startswith(prefix) and ident[len(prefix):].isdigit()]
    number = max((int(d) for d in digits), default=0) + 1
    width = max((len(d) for d in digits), default=3)  # E13 after E12, O055 after O054
    while session.get(model, f"{prefix}{number:0{width}d}") is not None:
        number += 1
    return f"{prefix}{number:0{width}d}"


def _identifier(session: Session, model, cells: Dict[str, str], prefix: str, what: str) -> Dict[str, str]:
    """Errors about the identifier of a new record; fills it in when the form left it empty."""
    ident = cells["id"]
    if not ident:
        cells["id"] = _new_id(session, model, prefix)
        return {}
    if not IDENT.fullmatch(ident):
        return {"id": text("editing.id_format")}
    if session.get(model, ident) is not None:
        return {"id": text("editing.id_taken", id=ident, another=text(what))}
    return {}


def _changes(obj, values: Dict[str, Any]) -> List[str]:
    changed = [attr for attr, value in values.items() if getattr(obj, attr) != value]
    for attr in changed:
        setattr(obj, attr, values[attr])
    return changed


def _write(session: Session, what: str) -> None:
    """Flush now, so that a clash with a record written meanwhile is reported, not raised."""
    try:
        session.flush()
    except IntegrityError:
        raise Invalid({"id": text("editing.id_taken_meanwhile", another=text(what))}) from None


# -- choices shown by the forms ------------------------------------------------------------------------
def _profession_choices(session: Session) -> List[Tuple[str, str]]:
    """Every profession of the referential (knowledge/partners/professions.yml) and of the database (its
    label wins), by label. Saving an opening of one not yet in the database adds it from the
    referential, as the import does (`importer.check_row`)."""
    labels = {code: str(entry["libelle"]) for code, entry in professions.referential().items()}
    labels.update((code, label) for code, label in session.execute(select(Profession.code, Profession.label)))
    return sorted(labels.items(), key=lambda choice: (key(choice[1]), choice[0]))


def form_choices() -> Dict[str, List[Tuple[str, str]]]:
    """(value, label) pairs for the form's drop-down lists."""
    with db.session_scope() as session:
        structures = session.execute(
            select(Structure.id, Structure.name, Commune.name).join(Structure.commune).order_by(Structure.name))
        return {
            "metier": _profession_choices(session),
            "structure_id": [(ident, f"{name} ({commune})") for ident, name, commune in structures],
            "commune": [(name, name) for name in session.scalars(select(Commune.name).order_by(Commune.name))],
            "contrat": [(code, spec["label"]) for code, spec in vocabulary.contract_types().items()],
            "temps_travail": [(code, spec["label"]) for code, spec in vocabulary.work_times().items()],
            "type": list(vocabulary.vocabulary()["event_types"].items()),
        }


# -- openings -------------------------------------------------------------------------------------------
def list_openings(include_closed: bool = False, closed_only: bool = False, profession: Optional[str] = None,
                  commune: Optional[str] = None, today: Optional[date] = None) -> List[OpeningRecord]:
    """Openings for the console, latest published first: the open ones, or the closed ones too
    (`include_closed`), or only those (`closed_only`); optionally of a profession code and a commune name."""
    today = _today(today)
    still_open = or_(Opening.closes_on.is_(None), Opening.closes_on >= today)
    query = select(Opening).join(Opening.commune)
    if closed_only:
        query = query.where(~still_open)
    elif not include_closed:
        query = query.where(still_open)
    if profession:
        query = query.where(Opening.profession_code == profession)
    if commune:
        query = query.where(Commune.name == commune)
    query = query.order_by(Opening.published_on.is_(None), Opening.published_on.desc(), Opening.id)
    with db.session_scope() as session:
        return [_opening_record(o, today) for o in session.scalars(query)]


def get_opening(opening_id: str, today: Optional[date] = None) -> OpeningRecord:
    with db.session_scope() as session:
        opening = session.get(Opening, opening_id)
        if opening is None:
            raise NotFound(f"offre {opening_id}")
        return _opening_record(opening, _today(today))


@dataclass(frozen=True)
class _Kind:
    """What differs between saving an opening and saving an event."""

    model: Any
    fields: List[str]
    file: str
    prefix: str  # of the identifiers: O055, E13
    another: str  # the text key of « une autre offre »: who else may hold an identifier
    noun: str  # for NotFound
    audit: str  # opening_created / opening_updated…
    record: Callable  # what the caller gets back: _opening_record / _event_record


_OPENINGS = _Kind(Opening, OPENING_FIELDS, OPENINGS_FILE, "O", "editing.another.opening", "offre", "opening",
                  _opening_record)
_EVENTS = _Kind(Event, EVENT_FIELDS, EVENTS_FILE, "E", "editing.another.event", "événement", "event",
                _event_record)


def _save(kind: _Kind, values: Mapping[str, Any], record_id: Optional[str], coordinator_id: Optional[int],
          today: Optional[date], expected_version: Optional[str]):
    """Create (`record_id` None) or change a row from the form's strings, with the import's checks
    and an audit line; the saved row as `kind.record` gives it. A change made on `expected_version`
    of a row that has another one now raises `Changed`."""
    cells = _cells(values, kind.fields)
    with db.session_scope() as session:
        if record_id is None:
            errors = _identifier(session, kind.model, cells, kind.prefix, kind.another)
            row = None
        else:
            row = session.get(kind.model, record_id)
            if row is None:
                raise NotFound(f"{kind.noun} {record_id}")
            if expected_version:
                current = kind.record(row, _today(today))
                if version(current.form()) != expected_version:
                    raise Changed(current)
            cells["id"], errors = record_id, {}
        checked, problems = importer.check_row(session, kind.file, cells)
        errors = _errors(problems, kind.fields, errors)
        if errors:
            raise Invalid(errors)
        detail = importer.audit_subject(checked["id"], checked["title"])
        if row is None:
            row = kind.model(**checked)
            session.add(row)
            _write(session, kind.another)
            audit(session, coordinator_id, f"{kind.audit}_created", detail=detail)
        else:
            changed = _changes(row, checked)
            if changed and kind.model is Opening:
                row.closed_by_coordinator_at = None  # its latest console change is no longer the closing
            if changed:
                audit(session, coordinator_id, f"{kind.audit}_updated", detail=f"{detail} ({', '.join(changed)})")
        session.flush()
        session.refresh(row)
        return kind.record(row, _today(today))


def save_opening(values: Mapping[str, Any], opening_id: Optional[str] = None,
                 coordinator_id: Optional[int] = None, today: Optional[date] = None,
                 expected_version: Optional[str] = None) -> OpeningRecord:
    """Create an opening (`opening_id` None; an empty « id » gets the next free O-number) or
    change one, from the form's strings. Raises `Invalid`, `NotFound` or `Changed`; audited."""
    return _save(_OPENINGS, values, opening_id, coordinator_id, today, expected_version)


def close_opening(opening_id: str, coordinator_id: Optional[int] = None,
                  today: Optional[date] = None) -> OpeningRecord:
    """Close an opening now: its closing date becomes yesterday (a publication date after it moves
    back with it). Closing a closed opening changes nothing."""
    today = _today(today)
    with db.session_scope() as session:
        opening = session.get(Opening, opening_id)
        if opening is None:
            raise NotFound(f"offre {opening_id}")
        if not _is_closed(opening, today):
            opening.closes_on = today - timedelta(days=1)
            opening.closed_by_coordinator_at = datetime.utcnow()
            if opening.published_on and opening.published_on > opening.closes_on:
                opening.published_on = opening.closes_on
            audit(session, coordinator_id, "opening_closed", detail=importer.audit_subject(opening.id, opening.title))
            session.flush()
        return _opening_record(opening, today)


# -- events ---------------------------------------------------------------------------------------------
def list_events(include_past: bool = False, commune: Optional[str] = None,
                today: Optional[date] = None) -> List[EventRecord]:
    """Events for the console in date order: those to come, or every one (`include_past`)."""
    today = _today(today)
    query = select(Event).join(Event.commune)
    if not include_past:
        query = query.where(Event.date >= today)
    if commune:
        query = query.where(Commune.name == commune)
    with db.session_scope() as session:
        return [_event_record(e, today) for e in session.scalars(query.order_by(Event.date, Event.id))]


def get_event(event_id: str, today: Optional[date] = None) -> EventRecord:
    with db.session_scope() as session:
        event = session.get(Event, event_id)
        if event is None:
            raise NotFound(f"événement {event_id}")
        return _event_record(event, _today(today))


def save_event(values: Mapping[str, Any], event_id: Optional[str] = None,
               coordinator_id: Optional[int] = None, today: Optional[date] = None,
               expected_version: Optional[str] = None) -> EventRecord:
    """Create an event (`event_id` None; an empty « id » gets the next free E-number) or change
    one, from the form's strings. Raises `Invalid`, `NotFound` or `Changed`; audited."""
    return _save(_EVENTS, values, event_id, coordinator_id, today, expected_version)


def delete_event(event_id: str, coordinator_id: Optional[int] = None) -> None:
    """Remove an event that will not take place (cancelled, entered by mistake)."""
    with db.session_scope() as session:
        event = session.get(Event, event_id)
        if event is None:
            raise NotFound(f"événement {event_id}")
        subject = importer.audit_subject(event.id, event.title)
        audit(session, coordinator_id, "event_deleted", detail=f"{subject} ({_day(event.date)})")
        session.delete(event)


# -- import of uploaded files -----------------------------------------------------------------------------
def _upload_problems(files: Mapping[str, bytes]) -> Tuple[Dict[str, bytes], List[Problem]]:
    """The uploaded files under their canonical names (CSV files by table, `metiers.yml`, or one
    `.xlsx` workbook under its own name), and what is wrong with the upload itself."""
    accepted: Dict[str, bytes] = {}
    problems: List[Problem] = []
    expected = ", ".join(UPLOADABLE)
    for sent, data in files.items():
        name = PurePosixPath(sent.replace("\\", "/")).name.strip()
        shown = name or text("import.no_name")
        canonical = name.lower()
        workbook = spreadsheets.is_workbook(canonical)
        if canonical in METIERS_NAMES:
            canonical = importer.METIERS_FILE
        if not canonical.endswith((".csv", ".yml", ".yaml")) and not workbook:
            problems.append(Problem(shown, 0, "-", text("import.file_type")))
        elif not workbook and canonical not in UPLOADABLE:
            problems.append(Problem(shown, 0, "-", text("import.file_name", expected=expected)))
        elif canonical in accepted:
            problems.append(Problem(shown, 0, "-", text("import.file_twice")))
        elif len(data) > MAX_UPLOAD_BYTES:
            problems.append(Problem(shown, 0, "-", text("import.file_too_big", size=len(data) // 1024,
                                                        limit=MAX_UPLOAD_BYTES // (1024 * 1024))))
        elif not data.strip():
            problems.append(Problem(shown, 0, "-", text("import.file_empty")))
        else:
            accepted[name if workbook else canonical] = data
    workbooks = [name for name in accepted if spreadsheets.is_workbook(name)]
    if workbooks and len(set(accepted) - {importer.METIERS_FILE}) > 1:
        problems.append(Problem(workbooks[0], 0, "-", text("import.workbook_or_csv")))
    if not files:
        problems.append(Problem("-", 0, "-", text("import.no_file", expected=expected)))
    return accepted, problems


def import_uploaded(files: Mapping[str, bytes], coordinator_id: Optional[int] = None,
                    dry_run: bool = False) -> ImportReport:
    """Import uploaded CSV files ({file name: content}) like a folder, or one `.xlsx` workbook, with
    or without `metiers.yml`, all or nothing; with `dry_run`, only report what would change (the
    console's preview).

    Raises `ImportFailed` with the problems (of the upload itself, or of the files' rows); audited
    as "import" when something was imported.
    """
    accepted, problems = _upload_problems(files)
    if problems:
        raise ImportFailed(problems)
    with tempfile.TemporaryDirectory(prefix="cotesoin-import-") as folder:
        for name, data in accepted.items():
            (Path(folder) / name).write_bytes(data)
        workbooks = [name for name in accepted if spreadsheets.is_workbook(name)]
        source = importer.read_source(Path(folder) / workbooks[0] if workbooks else Path(folder))
        if workbooks:  # a folder's metiers.yml is read with its CSV files; a workbook's is sent beside it
            source.metiers = accepted.get(importer.METIERS_FILE)
        with db.session_scope() as session:
            report = importer.import_into(session, source, dry_run=dry_run)
            if not dry_run:
                audit(session, coordinator_id, "import", detail=report.summary().replace("\n", " ; "))
    if not dry_run:
        naming.forget()  # communes may have changed: the names understood are read again
    return report
