"""Importing a folder of partner files: counts, idempotence, updates, and all-or-nothing errors."""
import csv
from pathlib import Path
from typing import Callable, Dict, List

import pytest
from sqlalchemy import func, select

from knowledge import db, settings
from knowledge.models import Base
from knowledge.partners import importer, queries
from knowledge.partners.importer import ImportFailed, import_folder
from knowledge.partners.models import Childcare, Commune, Event, Housing, Mobility, Opening, Profession, Structure

FIXTURE_ROWS = {
    "communes.csv": 6,
    "metiers.yml": 3,
    "structures.csv": 7,
    "offres.csv": 13,
    "logements.csv": 4,
    "garde_enfants.csv": 4,
    "mobilite.csv": 3,
    "evenements.csv": 4,
}
# Every table of the partner database: the fixture's rows, nothing anywhere else.
FIXTURE_TABLES = {name: 0 for name in Base.metadata.tables} | {
    "communes": 6,
    "professions": 3,
    "structures": 7,
    "openings": 13,
    "housing": 4,
    "childcare": 4,
    "mobility": 3,
    "mobility_communes": 7,  # 4 + 2 + 1 served communes
    "calendar_events": 4,
    "coordinator_requests": 0,
    "coordinators": 0,
    "request_notes": 0,
    "audit_trail": 0,
}


# -- helpers to edit a copy of the fixture folder ---------------------------------------------------
def read_csv(path: Path):
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def write_csv(path: Path, fieldnames: List[str], rows: List[Dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def set_cell(path: Path, ident: str, column: str, value: str, id_column: str = "id") -> int:
    """Change one cell of the row whose `id_column` is `ident`; return that row's line number."""
    fieldnames, rows = read_csv(path)
    for index, row in enumerate(rows):
        if row[id_column] == ident:
            row[column] = value
            write_csv(path, fieldnames, rows)
            return index + 2  # line 1 is the header
    raise AssertionError(f"no row {ident} in {path.name}")


def drop_column(path: Path, column: str) -> None:
    fieldnames, rows = read_csv(path)
    write_csv(path, [f for f in fieldnames if f != column], [{k: v for k, v in r.items() if k != column} for r in rows])


def append_row(path: Path, **values: str) -> int:
    """Append a row (missing columns empty); return its line number."""
    fieldnames, rows = read_csv(path)
    rows.append({f: values.get(f, "") for f in fieldnames})
    write_csv(path, fieldnames, rows)
    return len(rows) + 1


def line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path.name}")


def problems_of(folder: Path) -> List[str]:
    with pytest.raises(ImportFailed) as failure:
        import_folder(folder)
    return [str(p) for p in failure.value.problems]


# -- a good folder -----------------------------------------------------------------------------------
def test_fixture_folder_imports_with_the_right_counts(database_url, table_counts):
    report = import_folder(settings.PROJECT_ROOT / "tests" / "data" / "knowledge")

    assert report.rows == FIXTURE_ROWS
    assert report.created == FIXTURE_ROWS
    assert sum(report.updated.values()) == 0
    assert table_counts() == FIXTURE_TABLES
    assert "offres.csv : 13 lignes (13 nouvelles, 0 modifiées)" in report.summary()


def test_imported_values_are_typed(loaded_db):
    with db.session_scope() as session:
        paimboeuf = session.scalars(select(Commune).where(Commune.name == "Paimbœuf")).one()
        assert (paimboeuf.postal_code, paimboeuf.latitude, paimboeuf.longitude) == ("44560", 47.2869, -2.03)
        opening = session.get(Opening, "off_pornic_4")
        assert (opening.contract, opening.work_time, opening.profession_code) == ("cdd", "temps_plein", "infirmier")
        assert str(opening.published_on) == "2024-03-04" and str(opening.closes_on) == "2099-06-30"
        assert session.get(Opening, "off_pornic_1").closes_on is None
        assert session.get(Housing, "log_rouans_gite").monthly_rent is None
        assert session.get(Housing, "log_pornic_stagiaires").monthly_rent == 150
        assert session.get(Childcare, "garde_vue_mam").atypical_hours is True
        assert session.get(Childcare, "garde_pornic_creche").atypical_hours is False
        assert sorted(c.name for c in session.get(Mobility, "mob_car_retz").communes) == [
            "Cheix-en-Retz", "Pornic", "Rouans", "Vue"]
        assert session.get(Structure, "guichet_pornic").type == "guichet_installation"
        ash = session.get(Profession, "agent_service_hospitalier")
        assert ash.bridges == [{"vers": "aide_soignant", "voie": "VAE ou formation d'aide-soignant allégée"}]
        assert "ASH" in ash.synonyms
        assert str(session.get(Event, "evt_old_forum").date) == "2001-05-10"


def test_importing_twice_changes_nothing(loaded_db, table_counts, table_snapshot):
    counts, rows = table_counts(), table_snapshot()

    report = import_folder(loaded_db.folder)

    assert report.rows == FIXTURE_ROWS
    assert sum(report.created.values()) == 0
    assert sum(report.updated.values()) == 0
    assert table_counts() == counts == FIXTURE_TABLES
    assert table_snapshot() == rows


def _title_changed(session):
    return session.get(Opening, "off_pornic_1").title == "Infirmier en médecine (poste modifié)"


def _rent_changed(session):
    return session.get(Housing, "log_brevin_studio").monthly_rent == 510


def _served_communes_changed(session):
    return [c.name for c in session.get(Mobility, "mob_velo_estuaire").communes] == ["Saint-Brevin-les-Pins"]


def _coordinates_changed(session):
    return session.scalars(select(Commune.latitude).where(Commune.name == "Vue")).one() == 47.2


@pytest.mark.parametrize("file, ident, column, value, check", [
    ("offres.csv", "off_pornic_1", "intitule", "Infirmier en médecine (poste modifié)", _title_changed),
    ("logements.csv", "log_brevin_studio", "loyer_mensuel", "510", _rent_changed),
    ("mobilite.csv", "mob_velo_estuaire", "communes", "Saint-Brevin-les-Pins", _served_communes_changed),
    ("communes.csv", "Vue", "latitude", "47.2", _coordinates_changed),
], ids=["opening-title", "housing-rent", "mobility-communes", "commune-latitude"])
def test_an_edited_row_is_updated(loaded_db, fixture_copy, table_counts, file, ident, column, value, check):
    id_column = "nom" if file == "communes.csv" else "id"
    set_cell(fixture_copy / file, ident, column, value, id_column)

    report = import_folder(fixture_copy)

    assert sum(report.created.values()) == 0
    assert report.updated == {file: 1}
    with db.session_scope() as session:
        assert check(session)
    counts = dict(FIXTURE_TABLES)
    if file == "mobilite.csv":
        counts["mobility_communes"] -= 1
    assert table_counts() == counts


def test_an_edited_profession_is_updated(loaded_db, fixture_copy):
    path = fixture_copy / "metiers.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("salaire: environ le SMIC", "salaire: SMIC + primes"),
                    encoding="utf-8")

    report = import_folder(fixture_copy)

    assert report.updated == {"metiers.yml": 1}
    assert queries.get_profession("agent_service_hospitalier").pay == "SMIC + primes"


def test_a_partial_folder_uses_what_is_already_in_the_database(loaded_db, tmp_path, fixture_copy):
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "offres.csv").write_text((fixture_copy / "offres.csv").read_text(encoding="utf-8"), encoding="utf-8")
    append_row(partial / "offres.csv", id="off_new", structure_id="ehpad_rouans", metier="aide_soignant",
               intitule="Aide-soignant de nuit", contrat="cdi", temps_travail="nuit", commune="Rouans",
               date_publication="01/04/2024")

    report = import_folder(partial)

    assert report.created == {"offres.csv": 1}
    assert queries.find_openings(work_time="nuit", profession="aide_soignant").openings[0].id == "off_new"


# -- bad folders: precise problems, nothing written ----------------------------------------------------
def _unknown_commune(folder: Path) -> List[str]:
    line = set_cell(folder / "logements.csv", "log_paimboeuf_coloc", "commune", "Nantes")
    return [f"logements.csv:{line}: commune: commune inconnue « Nantes »"]


def _bad_postal_code(folder: Path) -> List[str]:
    line = set_cell(folder / "communes.csv", "Vue", "code_postal", "446400", id_column="nom")
    return [f"communes.csv:{line}: code_postal: code postal invalide « 446400 »"]


def _missing_column(folder: Path) -> List[str]:
    drop_column(folder / "evenements.csv", "inscription")
    return ["evenements.csv:1: inscription: colonne manquante"]


def _bad_date(folder: Path) -> List[str]:
    line = set_cell(folder / "offres.csv", "off_pornic_3", "date_limite", "31/02/2099")
    return [f"offres.csv:{line}: date_limite: date invalide « 31/02/2099 » (attendu AAAA-MM-JJ ou JJ/MM/AAAA)"]


def _bad_event_date(folder: Path) -> List[str]:
    line = set_cell(folder / "evenements.csv", "evt_forum_pornic", "date", "12 mars 2099")
    return [f"evenements.csv:{line}: date: date invalide « 12 mars 2099 » (attendu AAAA-MM-JJ ou JJ/MM/AAAA)"]


def _dangling_structure(folder: Path) -> List[str]:
    line = set_cell(folder / "offres.csv", "off_vue_ide", "structure_id", "msp_nantes")
    return [f"offres.csv:{line}: structure_id: structure inconnue « msp_nantes »"]


def _unknown_metier(folder: Path) -> List[str]:
    line = set_cell(folder / "offres.csv", "off_rouans_as", "metier", "plombier")
    return [f"offres.csv:{line}: metier: métier inconnu « plombier » (voir le référentiel des métiers)"]


def _metier_typo(folder: Path) -> List[str]:
    line = set_cell(folder / "offres.csv", "off_rouans_as", "metier", "aide_soigant")
    return [f"offres.csv:{line}: metier: métier inconnu « aide_soigant » (codes proches : aide_soignant)"]


def _unknown_contrat(folder: Path) -> List[str]:
    line = set_cell(folder / "offres.csv", "off_cheix_as", "contrat", "freelance")
    return [f"offres.csv:{line}: contrat: valeur « freelance » inconnue "
            "(valeurs possibles : alternance, cdd, cdi, interim, liberal, stage, vacation)"]


def _bad_atypical_hours(folder: Path) -> List[str]:
    line = set_cell(folder / "garde_enfants.csv", "garde_vue_mam", "horaires_atypiques", "parfois")
    return [f"garde_enfants.csv:{line}: horaires_atypiques: valeur « parfois » inconnue "
            "(oui ou non, x ou vide, 1 ou 0)"]


def _duplicate_id(folder: Path) -> List[str]:
    line = append_row(folder / "logements.csv", id="log_pornic_stagiaires", nom="Autre chambre", type="chambre",
                      commune="Pornic")
    return [f"logements.csv:{line}: id: identifiant « log_pornic_stagiaires » en double"]


def _duplicate_opening_id(folder: Path) -> List[str]:
    line = append_row(folder / "offres.csv", id="off_pornic_2", structure_id="hop_pornic", metier="infirmier",
                      intitule="Doublon", contrat="cdi", commune="Pornic")
    return [f"offres.csv:{line}: id: identifiant « off_pornic_2 » en double"]


def _bad_rent(folder: Path) -> List[str]:
    line = set_cell(folder / "logements.csv", "log_brevin_studio", "loyer_mensuel", "480 €/mois")
    return [f"logements.csv:{line}: loyer_mensuel: nombre invalide « 480 €/mois »"]


def _unknown_bridge_target(folder: Path) -> List[str]:
    path = folder / "metiers.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("vers: aide_soignant", "vers: aide_soignante"),
                    encoding="utf-8")
    line = line_of(path, "- code: agent_service_hospitalier")
    return [f"metiers.yml:{line}: passerelles: métier cible inconnu « aide_soignante » "
            "(codes proches : aide_soignant)"]


def _unknown_served_commune(folder: Path) -> List[str]:
    line = set_cell(folder / "mobilite.csv", "mob_car_retz", "communes", "Pornic;Rouans;Nantes")
    return [f"mobilite.csv:{line}: communes: commune inconnue « Nantes »"]


def _title_too_long(folder: Path) -> List[str]:
    line = set_cell(folder / "offres.csv", "off_vue_ide", "intitule", "x" * 301)
    return [f"offres.csv:{line}: intitule: texte trop long (301 caractères, 300 au plus)"]


def _unreadable_encoding(folder: Path) -> List[str]:
    path = folder / "evenements.csv"
    line = line_of(path, "é")
    # Bytes neither UTF-8 nor Windows-1252 can read (0x81 is undefined in both).
    path.write_bytes(path.read_bytes().replace("é".encode(), b"\x81", 1))
    return [f"evenements.csv:{line}: -: caractères illisibles : enregistrez le fichier en « CSV UTF-8 »"]


def _formula(folder: Path) -> List[str]:
    line = set_cell(folder / "offres.csv", "off_vue_ide", "description", "=HYPERLINK(\"http://x.test\")")
    return [f"offres.csv:{line}: description: « =HYPERLINK(\"http://x.test\") » ressemble à une formule de "
            "tableur, refusée : écrivez la valeur sans le signe « = » au début, ou précédez-la d'une apostrophe (')"]


BAD_INPUTS: Dict[str, Callable[[Path], List[str]]] = {
    "unknown-commune": _unknown_commune,
    "bad-code_postal": _bad_postal_code,
    "missing-column": _missing_column,
    "bad-date": _bad_date,
    "bad-event-date": _bad_event_date,
    "dangling-structure_id": _dangling_structure,
    "unknown-metier": _unknown_metier,
    "metier-typo": _metier_typo,
    "unknown-contrat": _unknown_contrat,
    "bad-horaires_atypiques": _bad_atypical_hours,
    "duplicate-id": _duplicate_id,
    "duplicate-opening-id": _duplicate_opening_id,
    "bad-loyer": _bad_rent,
    "unknown-passerelle-target": _unknown_bridge_target,
    "unknown-served-commune": _unknown_served_commune,
    "title-too-long": _title_too_long,
    "unreadable-encoding": _unreadable_encoding,
    "formula": _formula,
}


@pytest.mark.parametrize("break_folder", list(BAD_INPUTS.values()), ids=list(BAD_INPUTS))
@pytest.mark.parametrize("before", ["empty", "imported"])
def test_bad_input_is_reported_precisely_and_nothing_is_imported(
        database_url, fixture_copy, table_snapshot, before, break_folder):
    if before == "imported":
        import_folder(fixture_copy)
    expected_rows = table_snapshot()
    if before == "empty":
        assert all(rows == [] for rows in expected_rows.values())
    expected = break_folder(fixture_copy)

    assert problems_of(fixture_copy) == expected
    assert table_snapshot() == expected_rows


def test_several_problems_in_several_files_are_all_listed(database_url, fixture_copy, table_snapshot):
    expected = [
        *_unknown_bridge_target(fixture_copy),
        *_unknown_contrat(fixture_copy),
        *_dangling_structure(fixture_copy),
        *_unknown_commune(fixture_copy),
        *_bad_rent(fixture_copy),
        *_bad_atypical_hours(fixture_copy),
        *_bad_event_date(fixture_copy),
    ]

    with pytest.raises(ImportFailed) as failure:
        import_folder(fixture_copy)

    assert sorted(str(p) for p in failure.value.problems) == sorted(expected)
    message = str(failure.value)
    assert all(line in message.splitlines() for line in expected)
    assert all(rows == [] for rows in table_snapshot().values())


def test_a_file_with_semicolons_from_a_french_spreadsheet_is_read(loaded_db, fixture_copy, table_snapshot):
    rows = table_snapshot()
    fieldnames, records = read_csv(fixture_copy / "mobilite.csv")
    with (fixture_copy / "mobilite.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames, delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(records)

    report = import_folder(fixture_copy)

    assert report.rows["mobilite.csv"] == 3 and sum(report.updated.values()) == 0
    assert table_snapshot() == rows


def test_a_missing_folder_is_reported(database_url, tmp_path):
    assert problems_of(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}:0: -: dossier introuvable"]


def test_a_folder_without_known_files_is_reported(database_url, tmp_path):
    (tmp_path / "notes.txt").write_text("rien", encoding="utf-8")
    [problem] = problems_of(tmp_path)
    assert problem.startswith(f"{tmp_path}:0: -: aucun fichier reconnu")


# -- the demo folder shipped with the project ----------------------------------------------------------
def test_demo_folder_imports_without_problems(database_url):
    report = importer.import_folder(settings.DEMO_DIR)

    assert sum(report.updated.values()) == 0
    with db.session_scope() as session:
        count = lambda model: session.scalar(select(func.count()).select_from(model))  # noqa: E731
        counts = {model.__tablename__: count(model) for model in
                  (Commune, Structure, Opening, Housing, Childcare, Mobility, Event, Profession)}
    minimum = {"communes": 21, "structures": 25, "openings": 40, "housing": 10, "childcare": 10,
               "mobility": 8, "calendar_events": 6, "professions": 10}
    assert {name: counts[name] >= least for name, least in minimum.items()} == {name: True for name in minimum}, counts

    again = importer.import_folder(settings.DEMO_DIR)
    assert (sum(again.created.values()), sum(again.updated.values())) == (0, 0)
