"""Write the partner database in the import format: CSV files (UTF-8) and `metiers.yml`, or one
`.xlsx` workbook with a sheet per table; and an empty template workbook to fill in.

Importing what is exported changes nothing. Optional columns (`spreadsheets.OPTIONAL_COLUMNS`) are
always written, empty when not set. Text that a spreadsheet would run as a formula (starting
with `=`, `+`, `-`, `@`, a tab, a carriage return or their full-width forms, after spaces or not:
`spreadsheet_cells.inert`, the rule of every export) is written after an apostrophe, which the
import removes. The workbooks
offer drop-down lists (data validation) for `metier`, `contrat`, `temps_travail` and `commune`,
read from a `listes` sheet that the import ignores.
"""
import csv
import io
import zipfile
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, Dict, List, Union

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import db
from knowledge.partners import professions, vocabulary
from knowledge.partners.importer import ATTRIBUTES, METIERS_FILE
from knowledge.partners.models import Childcare, Commune, Event, Housing, Mobility, Opening, Profession, Structure
from knowledge.partners.spreadsheet_cells import inert
from knowledge.partners.spreadsheets import COLUMNS, all_columns, sheet_name

WORKBOOK_FILE = "partenaires.xlsx"
LISTS_SHEET = "listes"
TEMPLATE_ROWS = 1000  # rows of a sheet offered the drop-down lists
_MODELS = {"communes.csv": Commune, "structures.csv": Structure, "offres.csv": Opening, "logements.csv": Housing,
           "garde_enfants.csv": Childcare, "mobilite.csv": Mobility, "evenements.csv": Event}
_ORDER = {"communes.csv": Commune.id}  # communes in the order they were created (their ids follow it)
# Columns offered a drop-down list, and the list.
_CHOICES = {"metier": "métiers", "contrat": "contrats", "temps_travail": "temps de travail", "commune": "communes"}
# Lists the import extends (a profession of a metiers.yml, a commune of communes.csv added since): a
# value typed outside them gets a warning the coordinator may pass. Contracts and work times are fixed
# vocabularies the import refuses other values of: the spreadsheet stops them.
_OPEN_CHOICES = {"metier", "commune"}


def _rows(session: Session, file: str) -> List[List[Any]]:
    """The rows of a table as typed values (text, numbers, dates), in the columns of the file."""
    model = _MODELS[file]
    columns = {column: attr for attr, column in ATTRIBUTES[file].items()}
    names = {c.id: c.name for c in session.scalars(select(Commune))}
    order = _ORDER.get(file, getattr(model, "id"))
    rows = []
    for obj in session.scalars(select(model).order_by(order)):
        row = []
        for column in all_columns(file):
            attr = columns.get(column, column)
            value = getattr(obj, attr)
            if attr == "commune_id":
                value = names[value]
            elif attr == "communes":
                value = ";".join(sorted(c.name for c in value))
            elif isinstance(value, bool):
                value = "oui" if value else "non"
            row.append(value)
        rows.append(row)
    return rows


def _text(value: Any) -> str:
    """A cell of a CSV file."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(inert(value))


def csv_bytes(rows: List[List[Any]], file: str) -> bytes:
    """A CSV file in UTF-8 with the BOM Excel needs to read accents right."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(all_columns(file))
    writer.writerows([[_text(v) for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")


def professions_yaml(session: Session) -> bytes:
    """`metiers.yml` of the professions in the database (texts written as plain text stay text)."""
    entries = []
    for p in session.scalars(select(Profession).order_by(Profession.code)):
        training: Any = dict(p.training or {})
        if set(training) == {"texte"}:
            training = training["texte"]
        bridges = [b["texte"] if set(b) == {"texte"} else b for b in (p.bridges or [])]
        entries.append({"code": p.code, "libelle": p.label, "synonymes": list(p.synonyms or []),
                        "description": p.description, "formation": training, "salaire": p.pay,
                        "passerelles": bridges, "lien": p.link})
    header = "# Métiers exportés de la base Côté Soin (format de metiers.yml).\n"
    return (header + yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=110)).encode("utf-8")


def export_metiers() -> bytes:
    with db.session_scope() as session:
        return professions_yaml(session)


def export_folder(folder: Path) -> List[Path]:
    """Write every table as CSV, and metiers.yml, into `folder`; return the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with db.session_scope() as session:
        for file in COLUMNS:
            (folder / file).write_bytes(csv_bytes(_rows(session, file), file))
            written.append(folder / file)
        (folder / METIERS_FILE).write_bytes(professions_yaml(session))
        written.append(folder / METIERS_FILE)
    return written


def export_zip() -> bytes:
    """The CSV files and metiers.yml in one zip archive (the console's download)."""
    buffer = io.BytesIO()
    with db.session_scope() as session, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in COLUMNS:
            archive.writestr(file, csv_bytes(_rows(session, file), file))
        archive.writestr(METIERS_FILE, professions_yaml(session))
    return buffer.getvalue()


def _choices(session: Session) -> Dict[str, List[str]]:
    codes = sorted(set(professions.referential()) | set(session.scalars(select(Profession.code))))
    return {
        "metier": codes,
        "contrat": list(vocabulary.contract_types()),
        "temps_travail": list(vocabulary.work_times()),
        "commune": list(session.scalars(select(Commune.name).order_by(Commune.id))),
    }


def _workbook(session: Session, with_rows: bool):
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    book.remove(book.active)
    choices = _choices(session)
    lists = None
    for file in COLUMNS:
        columns = all_columns(file)
        sheet = book.create_sheet(sheet_name(file))
        sheet.append(columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(12, len(column) + 4)
        if with_rows:
            for row in _rows(session, file):
                sheet.append([inert(v) for v in row])
        if lists is None:
            lists = book.create_sheet(LISTS_SHEET)  # created once, after the first table
        for index, column in enumerate(columns, start=1):
            if column not in _CHOICES:
                continue
            values = choices[column]
            list_column = get_column_letter(list(_CHOICES).index(column) + 1)
            if column in _OPEN_CHOICES:
                error = dict(errorStyle="warning", errorTitle="Valeur hors de la liste",
                             error=f"Cette valeur n'est pas dans la liste des {_CHOICES[column]} (feuille "
                                   f"« {LISTS_SHEET} »). Gardez-la si elle est nouvelle : l'import la vérifiera.")
            else:
                error = dict(errorStyle="stop", errorTitle="Valeur inconnue",
                             error=f"Choisissez une valeur de la liste des {_CHOICES[column]} "
                                   f"(feuille « {LISTS_SHEET} »).")
            validation = DataValidation(
                type="list", formula1=f"={LISTS_SHEET}!${list_column}$2:${list_column}${len(values) + 1}",
                allow_blank=True, showErrorMessage=True, promptTitle=column, prompt=f"Liste des {_CHOICES[column]}",
                showInputMessage=True, **error)
            letter = get_column_letter(index)
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
            sheet.add_data_validation(validation)
    for index, (column, title) in enumerate(_CHOICES.items(), start=1):
        lists.cell(row=1, column=index, value=column).font = Font(bold=True)
        for line, value in enumerate(choices[column], start=2):
            lists.cell(row=line, column=index, value=inert(value))
    book.move_sheet(LISTS_SHEET, offset=len(book.sheetnames))
    return book


def export_workbook(target: Union[Path, BinaryIO], with_rows: bool = True) -> None:
    """Write the database (or, without rows, an empty template) as one `.xlsx` workbook."""
    with db.session_scope() as session:
        book = _workbook(session, with_rows)
    book.save(target)


def workbook_bytes(with_rows: bool = True) -> bytes:
    buffer = io.BytesIO()
    export_workbook(buffer, with_rows)
    return buffer.getvalue()
