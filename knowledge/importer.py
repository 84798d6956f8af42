"""Load a folder of partner CSV files and `metiers.yml` into the database, all or nothing.

Every file is optional, but what a row refers to (commune, structure, profession) must exist in
the folder or already in the database. All problems are collected and reported together as
`file:line: column: reason`; nothing is written unless there are none. Rows are upserted by id,
so importing the same folder twice changes nothing.

An opening a coordinator closed in the console stays closed when a file brings it back with its old
closing date (the partner's export is often older than the console): the import keeps its dates and
says so (`ImportReport.kept_closed`). Reopening it is done in the console, by giving it a new date.
"""
import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

import yaml
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from knowledge import db, vocabulary
from knowledge.models import (
    Childcare,
    Commune,
    Event,
    Housing,
    Mobility,
    Opening,
    Profession,
    Structure,
)
from knowledge.normalise import key

METIERS_FILE = "metiers.yml"
COLUMNS = {
    "communes.csv": ["nom", "code_postal", "epci", "latitude", "longitude"],
    "structures.csv": ["id", "nom", "type", "commune", "adresse", "telephone", "email", "site_web", "secteur"],
    "offres.csv": ["id", "structure_id", "metier", "intitule", "contrat", "temps_travail", "commune",
                   "date_publication", "date_limite", "description", "contact"],
    "logements.csv": ["id", "nom", "type", "commune", "public", "duree", "loyer_mensuel", "contact", "description"],
    "garde_enfants.csv": ["id", "nom", "type", "commune", "age_min_mois", "age_max_mois", "horaires_atypiques",
                          "contact", "description"],
    "mobilite.csv": ["id", "nom", "type", "communes", "description", "contact"],
    "evenements.csv": ["id", "titre", "type", "date", "commune", "description", "inscription"],
}


KEPT_CLOSED = "offres closes dans la console, laissées closes (rouvrez-les dans la console)"
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
    """The folder has problems; nothing was imported."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class ImportReport:
    """How many rows each file brought, and how many of them were new or changed."""

    rows: Dict[str, int] = field(default_factory=dict)
    created: Dict[str, int] = field(default_factory=dict)
    updated: Dict[str, int] = field(default_factory=dict)
    # Openings closed in the console that a file would have reopened: left closed.
    kept_closed: List[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{name} : {count} lignes ({self.created.get(name, 0)} nouvelles, "
                 f"{self.updated.get(name, 0)} modifiées)" for name, count in self.rows.items()]
        if self.kept_closed:
            lines.append(f"offres.csv : {KEPT_CLOSED} : {', '.join(self.kept_closed)}")
        return "\n".join(lines)


class _Rows:
    """The rows of one CSV file (or one row typed in the console); turns cells into typed values,
    recording problems."""

    def __init__(self, name: str, problems: List[Problem], records: Sequence[Dict[str, Any]] = ()):
        self.name = name
        self.problems = problems
        self.records: List[Dict[str, Any]] = list(records)

    @classmethod
    def read(cls, path: Path, problems: List[Problem]) -> "_Rows":
        rows = cls(path.name, problems)
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[:error.start].count(b"\n") + 1
            rows.problem(line, "-", "caractères illisibles : enregistrez le fichier en « CSV UTF-8 »")
            return rows
        first_line = text.split("\n", 1)[0]
        # A spreadsheet set to French often separates columns with semicolons.
        delimiter = ";" if ";" in first_line and "," not in first_line else ","
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            header = [name.strip() for name in (reader.fieldnames or [])]
            missing = [col for col in COLUMNS[rows.name] if col not in header]
            for col in missing:
                rows.problem(1, col, "colonne manquante")
            if missing:
                return rows
            reader.fieldnames = header
            for row in reader:
                rows.records.append({"_line": reader.line_num,
                                     **{k: (v or "").strip() for k, v in row.items() if k}})
        except csv.Error as error:
            rows.problem(reader.line_num, "-", f"ligne illisible au format CSV ({error.__class__.__name__})")
        return rows

    def problem(self, line: int, column: str, reason: str) -> None:
        self.problems.append(Problem(self.name, line, column, reason))

    def text(self, row: Dict[str, Any], column: str, required: bool = True) -> str:
        value = row[column]
        if required and not value:
            self.problem(row["_line"], column, "valeur obligatoire manquante")
        return value

    def number(self, row: Dict[str, Any], column: str, cast: Callable = int, required: bool = False):
        value = row[column].replace(",", ".") if cast is float else row[column].replace(" ", "")
        if not value:
            if required:
                self.problem(row["_line"], column, "valeur obligatoire manquante")
            return None
        try:
            return cast(value)
        except ValueError:
            self.problem(row["_line"], column, f"nombre invalide « {row[column]} »")
            return None

    def day(self, row: Dict[str, Any], column: str, required: bool = False) -> Optional[date]:
        value = row[column]
        if not value:
            if required:
                self.problem(row["_line"], column, "date obligatoire manquante")
            return None
        for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.strptime(value, pattern).date()
            except ValueError:
                pass
        self.problem(row["_line"], column, f"date invalide « {value} » (attendu AAAA-MM-JJ ou JJ/MM/AAAA)")
        return None

    def choice(self, row: Dict[str, Any], column: str, allowed: Set[str], required: bool = True) -> str:
        value = row[column]
        if not value:
            if required:
                self.problem(row["_line"], column, "valeur obligatoire manquante")
            return ""
        if value not in allowed:
            choices = ", ".join(sorted(allowed))
            self.problem(row["_line"], column, f"valeur « {value} » inconnue (valeurs possibles : {choices})")
        return value

    def unique_ids(self) -> None:
        seen: Set[str] = set()
        for row in self.records:
            ident = self.text(row, "id")
            if ident in seen:
                self.problem(row["_line"], "id", f"identifiant « {ident} » en double")
            seen.add(ident)


class _Importer:
    def __init__(self, folder: Path, session: Session):
        self.folder = folder
        self.session = session
        self.problems: List[Problem] = []
        self.report = ImportReport()
        self.communes = {key(c.name): c for c in session.scalars(select(Commune))}
        self.professions = set(session.scalars(select(Profession.code)))
        self.structures = set(session.scalars(select(Structure.id)))

    # -- reading and checking ------------------------------------------------------------
    def rows(self, name: str) -> Optional[_Rows]:
        path = self.folder / name
        return _Rows.read(path, self.problems) if path.is_file() else None

    def commune(self, rows: _Rows, row: Dict[str, Any], column: str = "commune", value: Optional[str] = None):
        value = row[column] if value is None else value
        found = self.communes.get(key(value))
        if found is None:
            reason = f"commune inconnue « {value} »" if value else "valeur obligatoire manquante"
            rows.problem(row["_line"], column, reason)
        return found

    def run(self) -> ImportReport:
        present = [name for name in [*COLUMNS, METIERS_FILE] if (self.folder / name).is_file()]
        if not self.folder.is_dir():
            raise ImportFailed([Problem(str(self.folder), 0, "-", "dossier introuvable")])
        if not present:
            reason = "aucun fichier reconnu (communes.csv, offres.csv, metiers.yml…)"
            raise ImportFailed([Problem(str(self.folder), 0, "-", reason)])
        # No autoflush: a row with a problem must not reach the database (where it would raise an
        # IntegrityError) before every problem is listed; `flush` only writes while there are none.
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
        return self.report

    def upsert(self, file: str, model, ident, values: Dict[str, Any]) -> Any:
        obj = self.session.get(model, ident)
        self.report.rows[file] = self.report.rows.get(file, 0) + 1
        if obj is None:
            obj = model(**values)
            self.session.add(obj)
            self.report.created[file] = self.report.created.get(file, 0) + 1
            return obj
        changed = False
        for attr, value in values.items():
            current = getattr(obj, attr)
            if attr in inspect(model).relationships:  # a collection loaded in no particular order
                current, value = set(current), set(value)
            if current != value:
                setattr(obj, attr, values[attr])
                changed = True
        if changed:
            self.report.updated[file] = self.report.updated.get(file, 0) + 1
        return obj

    def flush(self) -> None:
        """Write what is pending (to get commune ids), unless a problem already dooms the import."""
        if not self.problems:
            self.session.flush()

    # -- one method per file -------------------------------------------------------------
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
                rows.problem(row["_line"], "code_postal", f"code postal invalide « {values['postal_code']} »")
            if not values["name"] or None in values.values():
                continue
            existing = self.communes.get(key(values["name"]))
            if existing is None:
                existing = Commune(**values)
                self.session.add(existing)
                self.communes[key(values["name"])] = existing
                self.report.created["communes.csv"] = self.report.created.get("communes.csv", 0) + 1
            elif any(getattr(existing, a) != v for a, v in values.items()):
                for attr, value in values.items():
                    setattr(existing, attr, value)
                self.report.updated["communes.csv"] = self.report.updated.get("communes.csv", 0) + 1
            self.report.rows["communes.csv"] = self.report.rows.get("communes.csv", 0) + 1
        self.flush()

    def import_professions(self) -> None:
        path = self.folder / METIERS_FILE
        if not path.is_file():
            return
        try:
            text = path.read_text(encoding="utf-8")
            nodes = yaml.compose(text)
            entries = yaml.safe_load(text)
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            line = getattr(getattr(error, "problem_mark", None), "line", -1) + 1
            self.problems.append(Problem(METIERS_FILE, line, "-", f"YAML illisible ({error.__class__.__name__})"))
            return
        if not isinstance(entries, list):
            self.problems.append(Problem(METIERS_FILE, 1, "-", "le fichier doit être une liste de métiers"))
            return
        codes = {e.get("code") for e in entries if isinstance(e, dict)}
        known = self.professions | codes
        for node, entry in zip(nodes.value, entries):
            line = node.start_mark.line + 1

            def problem(column: str, reason: str) -> None:
                self.problems.append(Problem(METIERS_FILE, line, column, reason))

            if not isinstance(entry, dict):
                problem("-", "chaque métier doit être un dictionnaire (code, libelle, …)")
                continue
            code = entry.get("code")
            if not isinstance(code, str) or not code or key(code).replace(" ", "_") != code:
                problem("code", f"code invalide « {code} » (minuscules, chiffres et _)")
                continue
            if not entry.get("libelle"):
                problem("libelle", "valeur obligatoire manquante")
            synonyms = entry.get("synonymes") or []
            if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
                problem("synonymes", "doit être une liste de textes")
                synonyms = []
            training = entry.get("formation") or {}
            if not isinstance(training, dict):
                problem("formation", "doit être un dictionnaire (diplome, duree, parcours, ou_se_former)")
                training = {}
            bridges = entry.get("passerelles") or []
            if not isinstance(bridges, list) or not all(isinstance(b, dict) for b in bridges):
                problem("passerelles", "doit être une liste de {vers, voie}")
                bridges = []
            for bridge in bridges:
                if bridge.get("vers") not in known:
                    problem("passerelles", f"métier cible inconnu « {bridge.get('vers')} »")
            self.upsert(METIERS_FILE, Profession, code, dict(
                code=code,
                label=str(entry.get("libelle") or ""),
                synonyms=synonyms,
                description=str(entry.get("description") or ""),
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
        types = set(vocabulary.vocabulary()["structure_types"])
        for row in rows.records:
            commune = self.commune(rows, row)
            values = dict(
                id=row["id"], name=rows.text(row, "nom"), type=rows.choice(row, "type", types),
                address=row["adresse"], phone=row["telephone"], email=row["email"],
                website=row["site_web"], sector=row["secteur"],
            )
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
            stored = self.session.get(Opening, row["id"]) if row["id"] in closed_in_console else None
            if (stored is not None and stored.closes_on is not None and stored.closes_on < today
                    and (values["closes_on"] is None or values["closes_on"] >= today)):
                values.update(closes_on=stored.closes_on, published_on=stored.published_on)
                self.report.kept_closed.append(row["id"])
            self.upsert("offres.csv", Opening, row["id"], values)

    def opening_values(self, rows: _Rows, row: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """The attributes of the Opening of one row, or None when it cannot be written."""
        line = row["_line"]
        commune = self.commune(rows, row)
        if not row["structure_id"]:
            rows.problem(line, "structure_id", "valeur obligatoire manquante")
        elif row["structure_id"] not in self.structures:
            rows.problem(line, "structure_id", f"structure inconnue « {row['structure_id']} »")
        values = dict(
            id=row["id"], structure_id=row["structure_id"],
            profession_code=rows.choice(row, "metier", self.professions),
            title=rows.text(row, "intitule"),
            contract=rows.choice(row, "contrat", set(vocabulary.contract_types())),
            work_time=rows.choice(row, "temps_travail", set(vocabulary.work_times()), required=False),
            published_on=rows.day(row, "date_publication"),
            closes_on=rows.day(row, "date_limite"),
            description=row["description"], contact=row["contact"],
        )
        if values["published_on"] and values["closes_on"] and values["closes_on"] < values["published_on"]:
            rows.problem(line, "date_limite", "antérieure à la date de publication")
        _fits(rows, row, Opening, {"id": "id", "intitule": "title", "contact": "contact"})
        if commune is None or not row["id"]:
            return None
        return {**values, "commune_id": commune.id}

    def housing_values(self, rows: _Rows, row: Dict[str, Any]) -> Dict[str, Any]:
        return dict(
            name=rows.text(row, "nom"), type=rows.text(row, "type"), audience=row["public"],
            duration=row["duree"], monthly_rent=rows.number(row, "loyer_mensuel"),
            contact=row["contact"], description=row["description"],
        )

    def childcare_values(self, rows: _Rows, row: Dict[str, Any]) -> Dict[str, Any]:
        values = dict(
            name=rows.text(row, "nom"), type=rows.text(row, "type"),
            min_age_months=rows.number(row, "age_min_mois"), max_age_months=rows.number(row, "age_max_mois"),
            atypical_hours=rows.choice(row, "horaires_atypiques", {"oui", "non"}) == "oui",
            contact=row["contact"], description=row["description"],
        )
        low, high = values["min_age_months"], values["max_age_months"]
        if low is not None and high is not None and low > high:
            rows.problem(row["_line"], "age_max_mois", "inférieur à age_min_mois")
        return values

    def event_values(self, rows: _Rows, row: Dict[str, Any]) -> Dict[str, Any]:
        _fits(rows, row, Event, {"id": "id", "titre": "title", "type": "type", "inscription": "registration"})
        return dict(
            title=rows.text(row, "titre"), type=rows.text(row, "type"),
            date=rows.day(row, "date", required=True), description=row["description"],
            registration=row["inscription"],
        )

    def import_places(self, name: str, model, values_of: Callable) -> None:
        """Files whose rows are a place in one commune: housing, childcare, events."""
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
                rows.problem(row["_line"], "communes", "au moins une commune attendue (séparées par ;)")
            communes = [self.commune(rows, row, "communes", n) for n in names]
            values = dict(
                id=row["id"], name=rows.text(row, "nom"), type=rows.text(row, "type"),
                description=row["description"], contact=row["contact"],
            )
            if row["id"] and names and None not in communes:
                self.upsert("mobilite.csv", Mobility, row["id"], {**values, "communes": communes})


def _fits(rows: _Rows, row: Dict[str, Any], model, attributes: Dict[str, str]) -> None:
    """Cells longer than their database column (which PostgreSQL would refuse)."""
    for column, attribute in attributes.items():
        limit = getattr(model.__table__.c[attribute].type, "length", None)
        if limit and len(row[column]) > limit:
            rows.problem(row["_line"], column, f"texte trop long ({len(row[column])} caractères, {limit} au plus)")


def _closed_in_console(session: Session) -> Set[str]:
    """Ids of the openings whose latest change in the console was closing them."""
    return set(session.scalars(select(Opening.id).where(Opening.closed_by_coordinator_at.isnot(None))))


def import_folder(folder: Path) -> ImportReport:
    """Import every known file of `folder` in one transaction; raise `ImportFailed` on any problem."""
    with db.session_scope() as session:
        return import_into(session, folder)


def import_into(session: Session, folder: Path) -> ImportReport:
    """`import_folder` in the caller's transaction (which must be rolled back on `ImportFailed`)."""
    return _Importer(Path(folder), session).run()


def check_row(session: Session, file: str, cells: Dict[str, str]) -> Tuple[Optional[Dict[str, Any]], List[Problem]]:
    """Check one row of `offres.csv` or `evenements.csv` on its own, with the import's rules,
    against what is in the database (a row typed in the console).

    `cells` maps the file's columns to their text. Returns the attributes of the model to write
    (commune id included; None when there are problems) and the problems, reported on line 0.
    """
    checker = _Importer(Path(), session)
    rows = _Rows(file, checker.problems)
    row = {"_line": 0, **{column: (cells.get(column) or "").strip() for column in COLUMNS[file]}}
    if file == "offres.csv":
        values = checker.opening_values(rows, row)
    elif file == "evenements.csv":
        values = checker.place_values(rows, row, checker.event_values)
    else:
        raise ValueError(f"pas de vérification ligne à ligne pour {file}")
    if not row["id"]:
        rows.problem(0, "id", "valeur obligatoire manquante")
    return (None if checker.problems else values), checker.problems


def database_is_empty() -> bool:
    with db.session_scope() as session:
        return session.scalar(select(Commune.id).limit(1)) is None
