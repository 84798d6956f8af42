"""Read the tables of partner data the way spreadsheets write them, into rows of plain text.

Detected, not configured:
- CSV in UTF-8 (with or without the BOM Excel adds) or Windows-1252 (Excel's « CSV (séparateur :
  point-virgule) »), separated by `,`, `;` or tabs, with `\\n` or `\\r\\n` line ends;
- `.xlsx` workbooks (openpyxl), one sheet per table, named like the files without `.csv`
  (`offres`, `structures`…); other sheets (a list of choices, notes) are ignored.

Every cell becomes text, the same whatever the form: surrounding spaces removed, date cells as
`AAAA-MM-JJ`, whole numbers without `.0`, booleans as `oui`/`non`. Rows whose cells are all empty
(the trailing rows spreadsheets keep) are skipped. Formulas are refused (`formula_problem`); an
apostrophe in front of what a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab, their
full-width forms, after spaces or not: knowledge/partners/spreadsheet_cells.py, whose `inert` the
export writes) is the spreadsheet's mark of text and is removed, so that export → import changes
nothing.
A row with more non-empty cells than the header has names is refused (`extra_cells`): in a
CSV file it is a text holding the separator written without quotes, and its end would be lost.

`.ods` (LibreOffice) is not read: no well-kept reader is installed; LibreOffice saves `.xlsx`.
"""
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from knowledge.partners.spreadsheet_cells import FORMULA_STARTS
from knowledge.texts import text as message_text

# The tables of the import format: file name → its columns, in order.
COLUMNS: Dict[str, List[str]] = {
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
# Columns a table may have after its own, read when present (empty when absent), always exported.
OPTIONAL_COLUMNS: Dict[str, List[str]] = {
    "garde_enfants.csv": ["heure_ouverture", "heure_fermeture", "nuit"],
}


def all_columns(file: str) -> List[str]:
    """The columns of `file`, optional ones included, in the order the export writes them."""
    return COLUMNS[file] + OPTIONAL_COLUMNS.get(file, [])
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# A cell a spreadsheet would run as a formula: `=…`, `@…`, or `+`/`-` followed by something else
# than a number (`+33 2 40…` and `-2.1022` are data).
_FORMULA = re.compile(r"^(?:[=@]|[+\-]\s*[^\d\s.,])")


def sheet_name(file: str) -> str:
    """The sheet of a workbook holding the table of `file`: « offres » for offres.csv."""
    return file[:-len(".csv")]


def sheet_label(sheet: str) -> str:
    """How the preview and the problems name a table read from a workbook: « feuille Offres »."""
    return f"feuille {sheet}"


@dataclass
class Table:
    """One table read from a CSV file or a sheet: `label` is what problems name (file or sheet)."""

    file: str  # the table, named as its CSV file: « offres.csv »
    label: str  # « offres.csv », or « feuille Offres » for the sheet of a workbook
    records: List[Dict[str, Any]] = field(default_factory=list)  # column → text, and "_line"
    missing: List[str] = field(default_factory=list)  # expected columns absent from the header
    unreadable: Optional[tuple] = None  # (line, reason) when the table could not be read at all
    cell_problems: List[tuple] = field(default_factory=list)  # (line, column, reason): cells refused


def formula_problem(value: str) -> Optional[str]:
    """Why a cell is refused as a formula, or None."""
    if _FORMULA.match(value):
        return message_text("import.formula", value=value[:30], sign=value[0])
    return None


def extra_cells(width: int, cells: Sequence[str]) -> List[str]:
    """The cells of a row beyond the `width` named columns, up to its last non-empty one (empty
    cells at the end of a row are fine: spreadsheets write them)."""
    filled = max((i + 1 for i, text in enumerate(cells) if text), default=0)
    return list(cells[width:filled])


def _csv_extra_cells(separator: str) -> Callable[[List[str]], str]:
    shown = message_text("import.separator_tab") if separator == "\t" else separator
    return lambda extra: message_text("import.extra_cells_csv", count=len(extra), separator=shown)


def _sheet_extra_cells(extra: List[str]) -> str:
    return message_text("import.extra_cells_sheet", count=sum(1 for text in extra if text))


def clean_text(value: str) -> str:
    """A cell's text without surrounding spaces, and without the apostrophe that marks text."""
    value = value.replace("\u00a0", " ").strip()
    if len(value) > 1 and value[0] == "'" and value[1:].lstrip(" ").startswith(FORMULA_STARTS):
        return value[1:]
    return value


def cell_text(value: Any) -> str:
    """The text of a workbook cell, written as the CSV form would write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value)
    return str(value)


def _table(file: str, label: str, header: Sequence[Any], rows, extra_reason: Callable[[List[str]], str]) -> Table:
    """Rows (line number, cells) under `header` as a Table, skipping empty rows; a row with filled
    cells beyond the header is refused with `extra_reason(those cells)`."""
    table = Table(file, label)
    names = [clean_text(cell_text(name)).lower() for name in header]  # « Nom » for nom
    table.missing = [col for col in COLUMNS[file] if col not in names]
    if table.missing:
        return table
    width = max((i + 1 for i, name in enumerate(names) if name), default=0)
    for line, cells in rows:
        raw = [cell_text(c).replace("\u00a0", " ").strip() for c in cells]
        if not any(raw):
            continue
        extra = extra_cells(width, raw)
        if extra:  # the row is still read, so that its id is known and no other row is refused for it
            table.cell_problems.append((line, "-", extra_reason(extra)))
        record: Dict[str, Any] = {"_line": line}
        for name, text in zip(names, raw):
            if name and name not in record:
                reason = formula_problem(text)
                if reason and name in all_columns(file):
                    table.cell_problems.append((line, name, reason))
                record[name] = "" if reason else clean_text(text)
        for col in all_columns(file):
            record.setdefault(col, "")
        table.records.append(record)
    return table


def decode(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (BOM or not), else Windows-1252. Raises UnicodeDecodeError."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _delimiter(header_line: str) -> str:
    """The separator of a CSV file, from its header (column names hold none of them)."""
    counts = {sep: header_line.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def read_csv(file: str, data: bytes, label: Optional[str] = None) -> Table:
    """The table `file` (« offres.csv ») from the bytes of a CSV file."""
    label = label or file
    try:
        text = decode(data)
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        table = Table(file, label)
        table.unreadable = (line, message_text("import.unreadable_characters"))
        return table
    separator = _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        header = next(reader, [])

        def rows():
            for cells in reader:
                yield reader.line_num, cells

        return _table(file, label, header, list(rows()), _csv_extra_cells(separator))
    except csv.Error as error:
        table = Table(file, label)
        table.unreadable = (reader.line_num, f"ligne illisible au format CSV ({error.__class__.__name__})")
        return table


def read_folder(folder: Path) -> Dict[str, Table]:
    """The tables of the CSV files of `folder`, by file name (absent files are absent)."""
    return {name: read_csv(name, (folder / name).read_bytes()) for name in COLUMNS if (folder / name).is_file()}


class WorkbookUnreadable(Exception):
    """The file is not a workbook openpyxl can open (message in French)."""


def read_workbook(source) -> Dict[str, Table]:
    """The tables of a `.xlsx` workbook (a path or a binary file), one sheet per table, by file name."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook  # imported here: only imports of workbooks need it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(source, read_only=True, data_only=False)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as error:
        raise WorkbookUnreadable(f"classeur illisible ({error.__class__.__name__}) : "
                                 "enregistrez-le au format Excel (.xlsx)") from error
    tables: Dict[str, Table] = {}
    try:
        sheets = {name.strip().lower(): name for name in book.sheetnames}
        for file in COLUMNS:
            name = sheets.get(sheet_name(file))
            if name is None:
                continue
            rows = book[name].iter_rows(values_only=True)
            header = next(rows, ())
            numbered = [(line, cells) for line, cells in enumerate(rows, start=2)]
            tables[file] = _table(file, sheet_label(name), header, numbered, _sheet_extra_cells)
    finally:
        book.close()
    return tables


def is_workbook(name: str) -> bool:
    return name.lower().endswith(WORKBOOK_SUFFIXES)
