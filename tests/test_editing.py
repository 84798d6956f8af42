"""Coordinators edit openings and events one at a time, or import uploaded CSV files
(knowledge/partners/editing.py): the import's rules, nothing written on error, an audit line per write."""
from datetime import date, timedelta
from typing import Dict

import pytest

from knowledge.coordination import accounts, handoff
from knowledge.partners import editing, naming, queries
from knowledge.partners.editing import Invalid
from knowledge.partners.importer import ImportFailed
from knowledge.partners.queries import NotFound

TODAY = date(2026, 11, 24)

GOOD_OPENING = {
    "structure_id": "ehpad_rouans", "metier": "aide_soignant", "intitule": "Aide-soignant·e de nuit",
    "contrat": "cdi", "temps_travail": "nuit", "commune": "Rouans", "date_publication": "2026-11-20",
    "date_limite": "31/01/2099", "description": "Unité de 14 résident·es.", "contact": "rh@tilleuls.test",
}
GOOD_EVENT = {
    "titre": "Job dating aide-soignant·es", "type": "job_dating", "date": "2099-05-20", "commune": "Vue",
    "description": "Entretiens de dix minutes.", "inscription": "02 40 00 00 07",
}


@pytest.fixture
def coordinator(loaded_db) -> accounts.CoordinatorInfo:
    return accounts.add_coordinator("claire.martin@cotesoin.test", "un mot de passe solide", "Claire Martin")


def actions_audited():
    """(action, detail) of the audit trail, oldest first, without the account's own lines."""
    return [(a["action"], a["detail"]) for a in reversed(handoff.audit_trail())
            if not a["action"].startswith("account_")]


def opening_ids(**criteria):
    return [o.id for o in queries.find_openings(limit=100, **criteria).openings]


# -- openings: create ------------------------------------------------------------------------------------
def test_a_valid_opening_is_created_with_the_next_number_and_audited(coordinator):
    created = editing.save_opening({**GOOD_OPENING, "id": ""}, coordinator_id=coordinator.id, today=TODAY)

    assert created.id == "O001"
    assert (created.title, created.structure, created.profession, created.commune) == (
        "Aide-soignant·e de nuit", "EHPAD Les Tilleuls", "Aide-soignant / aide-soignante", "Rouans")
    assert (created.published_on, created.closes_on, created.closed) == (date(2026, 11, 20), date(2099, 1, 31), False)
    assert opening_ids(profession="aide_soignant", work_time="nuit") == ["O001"]
    assert actions_audited() == [("opening_created", "O001 — Aide-soignant·e de nuit")]
    assert editing.save_opening(GOOD_OPENING, coordinator_id=coordinator.id).id == "O002"


def test_new_identifiers_follow_the_existing_series(coordinator):
    editing.save_event({**GOOD_EVENT, "id": "E09"}, coordinator_id=coordinator.id)
    editing.save_event({**GOOD_EVENT, "id": "e10"}, coordinator_id=coordinator.id)  # not of the series
    assert editing.save_event(GOOD_EVENT, coordinator_id=coordinator.id).id == "E10"
    editing.save_opening({**GOOD_OPENING, "id": "O0099"}, coordinator_id=coordinator.id)
    assert editing.save_opening(GOOD_OPENING, coordinator_id=coordinator.id).id == "O0100"


def test_an_opening_keeps_the_identifier_given(coordinator):
    created = editing.save_opening({**GOOD_OPENING, "id": "off_rouans_nuit"}, coordinator_id=coordinator.id)

    assert created.id == "off_rouans_nuit"
    assert editing.get_opening("off_rouans_nuit").form() == {**GOOD_OPENING, "id": "off_rouans_nuit",
                                                             "date_limite": "2099-01-31"}


def test_optional_fields_may_stay_empty(coordinator):
    values = {**GOOD_OPENING, "temps_travail": "", "date_publication": "", "date_limite": "", "description": "",
              "contact": ""}
    created = editing.save_opening(values, coordinator_id=coordinator.id)

    assert (created.work_time, created.published_on, created.closes_on) == ("", None, None)
    assert created.id in opening_ids()


INVALID_OPENINGS = {
    "missing-title": ({"intitule": "  "}, {"intitule": "Valeur obligatoire manquante."}),
    "unknown-profession": ({"metier": "plombier"}, {"metier": "Métier inconnu « plombier » (voir le référentiel des "
                                                              "métiers)."}),
    "profession-typo": ({"metier": "infirmeir"}, {"metier": "Métier inconnu « infirmeir » (codes proches : "
                                                            "infirmier)."}),
    "missing-structure": ({"structure_id": ""}, {"structure_id": "Valeur obligatoire manquante."}),
    "unknown-structure": ({"structure_id": "msp_nantes"}, {"structure_id": "Structure inconnue « msp_nantes »."}),
    "unknown-commune": ({"commune": "Nantes"}, {"commune": "Commune inconnue « Nantes »."}),
    "missing-commune": ({"commune": ""}, {"commune": "Valeur obligatoire manquante."}),
    "unknown-contract": ({"contrat": "freelance"}, {"contrat": "Valeur « freelance » inconnue (valeurs possibles : "
                                                               "alternance, cdd, cdi, interim, liberal, stage, "
                                                               "vacation)."}),
    "missing-contract": ({"contrat": ""}, {"contrat": "Valeur obligatoire manquante."}),
    "missing-profession": ({"metier": ""}, {"metier": "Valeur obligatoire manquante."}),
    "unknown-work-time": ({"temps_travail": "mi-temps"}, {"temps_travail": "Valeur « mi-temps » inconnue (valeurs "
                                                                           "possibles : nuit, temps_partiel, "
                                                                           "temps_plein)."}),
    "bad-date": ({"date_limite": "31/02/2099"}, {"date_limite": "Date invalide « 31/02/2099 » "
                                                                "(attendu AAAA-MM-JJ ou JJ/MM/AAAA)."}),
    "bad-publication-date": ({"date_publication": "hier"}, {"date_publication": "Date invalide « hier » "
                                                                                "(attendu AAAA-MM-JJ ou JJ/MM/AAAA)."}),
    "closing-before-publication": ({"date_limite": "2026-11-01"},
                                   {"date_limite": "Antérieure à la date de publication."}),
    "title-too-long": ({"intitule": "x" * 301}, {"intitule": "Texte trop long (301 caractères, 300 au plus)."}),
    "bad-identifier": ({"id": "offre n°1"}, {"id": "Lettres sans accent, chiffres, « _ », « - » ou « . » seulement "
                                                   "(ou laissez vide)."}),
    "identifier-taken": ({"id": "off_pornic_1"}, {"id": "Identifiant « off_pornic_1 » déjà utilisé par une autre "
                                                        "offre."}),
    "several-fields": ({"intitule": "", "commune": "Nantes", "date_limite": "demain"},
                       {"intitule": "Valeur obligatoire manquante.", "commune": "Commune inconnue « Nantes ».",
                        "date_limite": "Date invalide « demain » (attendu AAAA-MM-JJ ou JJ/MM/AAAA)."}),
}


@pytest.mark.parametrize("change, errors", list(INVALID_OPENINGS.values()), ids=list(INVALID_OPENINGS))
def test_an_invalid_opening_is_refused_field_by_field_and_nothing_is_written(
        coordinator, table_snapshot, change, errors):
    before = table_snapshot()

    with pytest.raises(Invalid) as refused:
        editing.save_opening({**GOOD_OPENING, **change}, coordinator_id=coordinator.id)

    assert list(refused.value.errors.items()) == list(errors.items())  # in the form's order
    assert table_snapshot() == before


# -- openings: edit, close, list -------------------------------------------------------------------------
def test_an_opening_is_edited_and_the_changed_fields_audited(coordinator):
    form = editing.get_opening("off_cheix_as").form()
    form.update(intitule="Aide-soignant·e à domicile (tournées du matin)", contrat="cdi", id="ignored")

    edited = editing.save_opening(form, "off_cheix_as", coordinator_id=coordinator.id)

    assert (edited.id, edited.title, edited.contract) == (
        "off_cheix_as", "Aide-soignant·e à domicile (tournées du matin)", "cdi")
    assert "off_cheix_as" in opening_ids(contract="cdi", profession="aide_soignant")
    assert actions_audited() == [
        ("opening_updated", "off_cheix_as — Aide-soignant·e à domicile (tournées du matin) (title, contract)")]


def test_saving_an_unchanged_opening_writes_nothing(coordinator, table_snapshot):
    before = table_snapshot()
    editing.save_opening(editing.get_opening("off_vue_ide").form(), "off_vue_ide", coordinator_id=coordinator.id)
    assert table_snapshot() == before


def test_an_invalid_edit_keeps_the_opening_as_it_was(coordinator, table_snapshot):
    before = table_snapshot()
    form = {**editing.get_opening("off_rouans_as").form(), "intitule": "Nouveau titre", "commune": "Nantes"}

    with pytest.raises(Invalid) as refused:
        editing.save_opening(form, "off_rouans_as", coordinator_id=coordinator.id)

    assert refused.value.errors == {"commune": "Commune inconnue « Nantes »."}
    assert table_snapshot() == before


def test_editing_or_closing_a_missing_opening_is_not_found(coordinator):
    with pytest.raises(NotFound):
        editing.save_opening(GOOD_OPENING, "nope", coordinator_id=coordinator.id)
    with pytest.raises(NotFound):
        editing.close_opening("nope", coordinator_id=coordinator.id)
    with pytest.raises(NotFound):
        editing.get_opening("nope")


def test_a_closed_opening_is_no_longer_offered_and_can_be_reopened(coordinator):
    assert "off_pornic_2" in opening_ids(communes=["Pornic"])

    today = date.today()
    closed = editing.close_opening("off_pornic_2", coordinator_id=coordinator.id, today=today)

    assert closed.closed and closed.closes_on == today - timedelta(days=1)
    assert "off_pornic_2" not in opening_ids(communes=["Pornic"])
    assert "off_pornic_2" not in [o.id for o in editing.list_openings()]
    assert "off_pornic_2" in [o.id for o in editing.list_openings(closed_only=True)]
    editing.close_opening("off_pornic_2", coordinator_id=coordinator.id)  # twice: nothing more
    assert actions_audited() == [("opening_closed", "off_pornic_2 — Infirmier de nuit en soins de suite")]

    form = {**closed.form(), "date_limite": "2099-12-31"}
    assert not editing.save_opening(form, "off_pornic_2", coordinator_id=coordinator.id).closed
    assert "off_pornic_2" in opening_ids(communes=["Pornic"])


def test_a_change_made_on_an_older_version_is_refused_and_writes_nothing(coordinator, table_snapshot):
    opened = editing.get_opening("off_pornic_2")
    version = editing.version(opened.form())
    editing.save_opening({**opened.form(), "contact": "rh@hopital.test"}, "off_pornic_2", coordinator_id=coordinator.id)
    before = table_snapshot()

    with pytest.raises(editing.Changed) as changed:
        editing.save_opening({**opened.form(), "intitule": "Autre intitulé"}, "off_pornic_2",
                             coordinator_id=coordinator.id, expected_version=version)

    assert changed.value.current.contact == "rh@hopital.test"
    assert table_snapshot() == before
    current = editing.version(changed.value.current.form())
    saved = editing.save_opening({**opened.form(), "intitule": "Autre intitulé"}, "off_pornic_2",
                                 coordinator_id=coordinator.id, expected_version=current)
    assert saved.title == "Autre intitulé" and saved.contact == opened.contact


def test_closing_an_opening_published_today_keeps_its_dates_consistent(coordinator):
    created = editing.save_opening({**GOOD_OPENING, "date_publication": TODAY.isoformat()},
                                   coordinator_id=coordinator.id)

    closed = editing.close_opening(created.id, coordinator_id=coordinator.id, today=TODAY)

    assert closed.closed and closed.closes_on == closed.published_on == TODAY - timedelta(days=1)
    editing.save_opening(closed.form(), created.id, coordinator_id=coordinator.id, today=TODAY)  # still valid


def test_openings_are_listed_open_closed_or_all_and_filtered(loaded_db):
    open_ids = {o.id for o in editing.list_openings()}
    closed_ids = {o.id for o in editing.list_openings(closed_only=True)}
    every = editing.list_openings(include_closed=True)

    assert closed_ids == {"off_old_pornic", "off_old_vue"}
    assert open_ids == set(opening_ids()) and len(open_ids) == 11
    assert {o.id for o in every} == open_ids | closed_ids
    assert all(o.closed == (o.id in closed_ids) for o in every)
    assert [o.id for o in editing.list_openings(profession="aide_soignant", commune="Rouans")] == ["off_rouans_as"]
    assert [o.id for o in editing.list_openings(closed_only=True, commune="Vue")] == ["off_old_vue"]
    assert every[0].published_on >= every[-1].published_on


def test_form_choices_come_from_the_database_and_the_vocabulary(loaded_db):
    choices = editing.form_choices()

    assert ("aide_soignant", "Aide-soignant / aide-soignante") in choices["metier"]
    assert ("ehpad_rouans", "EHPAD Les Tilleuls (Rouans)") in choices["structure_id"]
    assert [name for name, _ in choices["commune"]][:2] == ["Cheix-en-Retz", "Paimbœuf"]
    assert ("cdi", "CDI") in choices["contrat"] and ("nuit", "de nuit") in choices["temps_travail"]
    assert ("job_dating", "job dating") in choices["type"]


# -- events ------------------------------------------------------------------------------------------------
def test_a_valid_event_is_created_edited_and_deleted_with_audit_lines(coordinator):
    created = editing.save_event(GOOD_EVENT, coordinator_id=coordinator.id, today=TODAY)
    assert (created.id, created.title, created.date, created.commune, created.past) == (
        "E001", "Job dating aide-soignant·es", date(2099, 5, 20), "Vue", False)
    assert "E001" in [e.id for e in queries.upcoming_events(communes=["Vue"])]

    form = {**created.form(), "date": "21/05/2099", "inscription": "https://exemple.fr/job-dating"}
    edited = editing.save_event(form, "E001", coordinator_id=coordinator.id)
    assert (edited.date, edited.registration) == (date(2099, 5, 21), "https://exemple.fr/job-dating")

    editing.delete_event("E001", coordinator_id=coordinator.id)
    assert "E001" not in [e.id for e in queries.upcoming_events()]
    with pytest.raises(NotFound):
        editing.get_event("E001")
    assert actions_audited() == [
        ("event_created", "E001 — Job dating aide-soignant·es"),
        ("event_updated", "E001 — Job dating aide-soignant·es (date, registration)"),
        ("event_deleted", "E001 — Job dating aide-soignant·es (2099-05-21)"),
    ]


INVALID_EVENTS = {
    "missing-title": ({"titre": ""}, {"titre": "Valeur obligatoire manquante."}),
    "missing-type": ({"type": ""}, {"type": "Valeur obligatoire manquante."}),
    "missing-date": ({"date": ""}, {"date": "Date obligatoire manquante."}),
    "bad-date": ({"date": "12 mars 2099"}, {"date": "Date invalide « 12 mars 2099 » (attendu AAAA-MM-JJ ou "
                                                    "JJ/MM/AAAA)."}),
    "unknown-commune": ({"commune": "Nantes"}, {"commune": "Commune inconnue « Nantes »."}),
    "registration-too-long": ({"inscription": "y" * 400}, {"inscription": "Texte trop long (400 caractères, 300 "
                                                                          "au plus)."}),
    "identifier-taken": ({"id": "evt_forum_pornic"}, {"id": "Identifiant « evt_forum_pornic » déjà utilisé par un "
                                                            "autre événement."}),
}


@pytest.mark.parametrize("change, errors", list(INVALID_EVENTS.values()), ids=list(INVALID_EVENTS))
def test_an_invalid_event_is_refused_field_by_field_and_nothing_is_written(
        coordinator, table_snapshot, change, errors):
    before = table_snapshot()

    with pytest.raises(Invalid) as refused:
        editing.save_event({**GOOD_EVENT, **change}, coordinator_id=coordinator.id)

    assert refused.value.errors == errors
    assert table_snapshot() == before


def test_events_are_listed_to_come_or_all(loaded_db):
    assert [e.id for e in editing.list_events()] == [
        "evt_visite_rouans", "evt_forum_pornic", "evt_jobdating_brevin"]
    every = editing.list_events(include_past=True)
    assert [(e.id, e.past) for e in every][0] == ("evt_old_forum", True)
    assert [e.id for e in editing.list_events(include_past=True, commune="Pornic")] == [
        "evt_old_forum", "evt_forum_pornic"]
    with pytest.raises(NotFound):
        editing.delete_event("nope")


# -- import of uploaded files ------------------------------------------------------------------------------
def uploaded(folder, *names: str) -> Dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in names}


def test_uploaded_files_are_imported_and_audited(coordinator, fixture_copy):
    files = uploaded(fixture_copy, "offres.csv", "evenements.csv")
    files["offres.csv"] += b"off_new,msp_vue,infirmier,Infirmier remplacement,cdd,,Vue,2026-11-01,,,\n"

    report = editing.import_uploaded(files, coordinator_id=coordinator.id)

    assert report.rows == {"offres.csv": 14, "evenements.csv": 4}
    assert report.created == {"offres.csv": 1}
    assert "off_new" in opening_ids(communes=["Vue"])
    assert actions_audited() == [("import", "offres.csv : 14 lignes (1 nouvelles, 0 modifiées) ; "
                                            "evenements.csv : 4 lignes (0 nouvelles, 0 modifiées)")]


def test_reimporting_the_partner_file_does_not_reopen_an_opening_closed_in_the_console(coordinator, fixture_copy):
    today = date.today()
    editing.close_opening("off_pornic_2", coordinator_id=coordinator.id, today=today)
    files = uploaded(fixture_copy, "offres.csv")  # still with the opening's old, later closing date

    report = editing.import_uploaded(files, coordinator_id=coordinator.id)

    assert report.kept_closed == ["off_pornic_2"]
    assert "off_pornic_2" not in opening_ids(communes=["Pornic"])
    assert editing.get_opening("off_pornic_2").closes_on == today - timedelta(days=1)
    assert "offres closes dans la console, laissées closes (rouvrez-les dans la console) : off_pornic_2" \
        in actions_audited()[-1][1]
    # Reopened in the console with a new date, the opening follows the files again.
    closed = editing.get_opening("off_pornic_2")
    editing.save_opening({**closed.form(), "date_limite": "2099-12-31"}, "off_pornic_2", coordinator_id=coordinator.id)
    assert editing.import_uploaded(files, coordinator_id=coordinator.id).kept_closed == []
    assert "off_pornic_2" in opening_ids(communes=["Pornic"])


def test_an_opening_that_expired_on_its_own_is_extended_by_the_file(coordinator, fixture_copy):
    closed = editing.get_opening("off_pornic_2")
    editing.save_opening({**closed.form(), "date_limite": (date.today() - timedelta(days=3)).isoformat()},
                         "off_pornic_2", coordinator_id=coordinator.id)
    assert "off_pornic_2" not in opening_ids(communes=["Pornic"])

    report = editing.import_uploaded(uploaded(fixture_copy, "offres.csv"), coordinator_id=coordinator.id)

    assert report.kept_closed == [] and "off_pornic_2" in opening_ids(communes=["Pornic"])


def test_an_uploaded_commune_is_understood_at_once(coordinator):
    assert naming.canonical("commune", "Frossay") is None
    files = {"C:\\Users\\claire\\Documents\\Communes.CSV": "nom,code_postal,epci,latitude,longitude\n"
             "Frossay,44320,Communauté de communes Sud Estuaire,47.2444,-1.9350\n".encode("utf-8")}

    report = editing.import_uploaded(files, coordinator_id=coordinator.id)

    assert report.created == {"communes.csv": 1}
    assert naming.canonical("commune", "frossay") == "Frossay"


def test_a_broken_upload_lists_its_problems_and_imports_nothing(coordinator, fixture_copy, table_snapshot):
    before = table_snapshot()
    files = uploaded(fixture_copy, "offres.csv", "structures.csv")
    files["offres.csv"] = files["offres.csv"].replace(b",Rouans,", b",Nantes,")

    with pytest.raises(ImportFailed) as refused:
        editing.import_uploaded(files, coordinator_id=coordinator.id)

    assert [str(p) for p in refused.value.problems] == ["offres.csv:9: commune: commune inconnue « Nantes »"]
    assert table_snapshot() == before


def test_a_spreadsheet_file_in_windows_encoding_is_read(coordinator, fixture_copy, table_snapshot):
    """Excel's « CSV (point-virgule) » is Windows-1252: read as such (it used to be refused)."""
    before = table_snapshot()
    text = (fixture_copy / "evenements.csv").read_text(encoding="utf-8")

    report = editing.import_uploaded({"evenements.csv": text.encode("cp1252")}, coordinator_id=coordinator.id)

    assert (sum(report.created.values()), sum(report.updated.values())) == (0, 0)
    assert table_snapshot()["calendar_events"] == before["calendar_events"]


def test_a_file_no_encoding_reads_is_reported(coordinator, fixture_copy, table_snapshot):
    before = table_snapshot()
    data = (fixture_copy / "evenements.csv").read_bytes().replace("é".encode(), b"\x81", 1)

    with pytest.raises(ImportFailed) as refused:
        editing.import_uploaded({"evenements.csv": data}, coordinator_id=coordinator.id)

    assert [str(p) for p in refused.value.problems] == [
        "evenements.csv:2: -: caractères illisibles : enregistrez le fichier en « CSV UTF-8 »"]
    assert table_snapshot() == before


@pytest.mark.parametrize("files, problems", [
    ({}, ["-:0: -: aucun fichier envoyé (fichiers attendus : communes.csv, structures.csv, offres.csv, "
          "logements.csv, garde_enfants.csv, mobilite.csv, evenements.csv, metiers.yml, ou un classeur .xlsx)"]),
    ({"offres.xlsx": b"PK"}, ["offres.xlsx:0: -: classeur illisible (BadZipFile) : enregistrez-le au format "
                              "Excel (.xlsx)"]),
    ({"notes.txt": b"- code: x"}, ["notes.txt:0: -: seuls les fichiers CSV (.csv), un classeur Excel (.xlsx) et "
                                   "metiers.yml sont acceptés"]),
    ({"professions.yml": b"- code: x"}, ["professions.yml:0: -: nom de fichier inconnu (noms attendus : "
                                         "communes.csv, structures.csv, offres.csv, logements.csv, garde_enfants.csv, "
                                         "mobilite.csv, evenements.csv, metiers.yml)"]),
    ({"metiers.yml": b"- code: x"}, ["metiers.yml:1: libelle: valeur obligatoire manquante"]),
    ({"a.xlsx": b"PK", "offres.csv": b"id\n", "metiers.yml": b"- code: x"},
     ["a.xlsx:0: -: envoyez soit un classeur .xlsx (avec ou sans metiers.yml), soit des fichiers CSV"]),
    ({"../../etc/offres2.csv": b"id\n"}, ["offres2.csv:0: -: nom de fichier inconnu (noms attendus : communes.csv, "
                                          "structures.csv, offres.csv, logements.csv, garde_enfants.csv, "
                                          "mobilite.csv, evenements.csv, metiers.yml)"]),
    ({"offres.csv": b"  \n"}, ["offres.csv:0: -: fichier vide"]),
    ({"a/offres.csv": b"id\n", "b/OFFRES.csv": b"id\n"}, ["OFFRES.csv:0: -: fichier envoyé deux fois"]),
    ({"offres.csv": b"x" * 6_000_000}, ["offres.csv:0: -: fichier trop gros (5859 Ko, 5 Mo au plus)"]),
], ids=["nothing", "not-csv", "txt", "other-yaml", "bad-metiers", "workbook-and-csv", "unknown-name", "empty",
        "twice", "too-big"])
def test_a_bad_upload_is_refused_before_reading_the_files(coordinator, table_snapshot, files, problems):
    before = table_snapshot()

    with pytest.raises(ImportFailed) as refused:
        editing.import_uploaded(files, coordinator_id=coordinator.id)

    assert [str(p) for p in refused.value.problems] == problems
    assert table_snapshot() == before
