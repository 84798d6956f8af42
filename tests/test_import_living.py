"""The columns issue 23 added to the living data: garde_enfants.csv's optional heure_ouverture,
heure_fermeture and nuit (read, checked, exported), logements.csv's duree read into stays."""
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from knowledge import db
from knowledge.partners import export
from knowledge.partners.importer import ImportFailed, import_folder
from knowledge.partners.models import Childcare, Housing
from tests.conftest import FIXTURE_DIR
from tests.test_import import set_cell

LIVING_DIR = Path(__file__).parent / "data" / "living"


def childcare() -> dict:
    with db.session_scope() as session:
        return {c.id: (c.opens_at, c.closes_at, c.night) for c in session.query(Childcare)}


def test_the_optional_columns_are_read_and_hours_written_hh_mm(loaded_db):
    import_folder(LIVING_DIR)
    stored = childcare()
    assert stored["gh_pornic_longue"] == ("06:15", "21:30", None)  # nuit empty: not said
    assert stored["gh_pornic_nuit"] == ("05:30", "23:00", True)
    assert stored["gh_pornic_mam_jour"] == ("07:30", "19:00", False)  # « 7h30 », « 19 h »
    # The published format without these columns is still read: nothing said.
    assert stored["garde_pornic_creche"] == (None, None, None)


@pytest.mark.parametrize("column, value, reason", [
    ("heure_ouverture", "6 heures et quart", "heure invalide « 6 heures et quart » (attendu HH:MM, par exemple 06:15)"),
    ("heure_fermeture", "25:00", "heure invalide « 25:00 » (attendu HH:MM, par exemple 06:15)"),
    ("nuit", "parfois", "valeur « parfois » inconnue (oui ou non, x ou vide, 1 ou 0)"),
])
def test_a_wrong_hour_or_night_is_a_french_problem_and_nothing_is_imported(loaded_db, tmp_path, column, value,
                                                                          reason):
    folder = tmp_path / "living"
    shutil.copytree(LIVING_DIR, folder)
    line = set_cell(folder / "garde_enfants.csv", "gh_pornic_nuit", column, value)
    with pytest.raises(ImportFailed) as failed:
        import_folder(folder)
    assert [str(p) for p in failed.value.problems] == [f"garde_enfants.csv:{line}: {column}: {reason}"]
    assert "gh_pornic_nuit" not in childcare()


@pytest.mark.parametrize("as_workbook", [False, True], ids=["csv", "xlsx"])
def test_the_export_writes_the_optional_columns_and_reimports_unchanged(loaded_db, tmp_path, table_snapshot,
                                                                      as_workbook):
    import_folder(LIVING_DIR)
    before = table_snapshot()
    out = tmp_path / "export"
    if as_workbook:
        out.mkdir()
        export.export_workbook(out / export.WORKBOOK_FILE)
        sheet = load_workbook(out / export.WORKBOOK_FILE)["garde_enfants"]
        header = [c.value for c in sheet[1]]
    else:
        export.export_folder(out)
        header = (out / "garde_enfants.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header[-3:] == ["heure_ouverture", "heure_fermeture", "nuit"]
    report = import_folder(out / export.WORKBOOK_FILE if as_workbook else out)
    assert (sum(report.created.values()), sum(report.updated.values())) == (0, 0)
    assert table_snapshot() == before


def test_a_changed_duree_changes_the_stays_and_the_preview_names_duree_only(loaded_db, tmp_path):
    folder = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_DIR, folder)
    set_cell(folder / "logements.csv", "log_brevin_studio", "duree", "longue durée")
    report = import_folder(folder)
    (change,) = report.changes["logements.csv"]
    assert change.fields == (("duree", "3 à 12 mois", "longue durée"),)
    with db.session_scope() as session:
        studio = session.get(Housing, "log_brevin_studio")
        assert (studio.min_stay_months, studio.max_stay_months) == (12.0, None)
