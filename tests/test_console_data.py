"""The console's data pages over HTTP: openings and events listed, created, edited, closed or
deleted, and CSV files imported — login and CSRF required, errors shown next to the fields."""
import html
import re

import aiohttp
import pytest

from knowledge.coordination import accounts, handoff
from knowledge.partners import editing, queries
from tests.console_helpers import PASSWORD, console_client, log_in

HTML = {"Accept": "text/html"}
OPENING = {
    "id": "", "structure_id": "ehpad_rouans", "metier": "aide_soignant", "intitule": "Aide-soignant·e de nuit",
    "contrat": "cdi", "temps_travail": "nuit", "commune": "Rouans", "date_publication": "2026-11-20",
    "date_limite": "2099-01-31", "description": "Unité de 14 résident·es.", "contact": "rh@tilleuls.test",
}
EVENT = {"id": "", "titre": "Job dating aide-soignant·es", "type": "job_dating", "date": "2099-05-20",
         "commune": "Vue", "description": "Entretiens de dix minutes.", "inscription": "02 40 00 00 07"}


@pytest.fixture
async def client(loaded_db):
    accounts.add_coordinator("camille.martin@cotesoin.fr", PASSWORD, "Camille")
    client = await console_client(rasa_port=9)  # these pages never talk to Rasa
    client.csrf = await log_in(client, "camille.martin@cotesoin.fr")
    yield client
    await client.close()


def text_of(body: str) -> str:
    return html.unescape(body)


async def get(client, path: str):
    response = await client.get(path, headers=HTML)
    return response, text_of(await response.text())


async def post(client, path: str, data: dict, csrf: bool = True):
    return await client.post(path, data={**data, **({"csrf": client.csrf} if csrf else {})},
                             headers=HTML, allow_redirects=False)


def audited():
    return [(a["action"], a["detail"]) for a in reversed(handoff.audit_trail()) if a["action"].startswith(
        ("opening_", "event_", "import"))]


def rows(body: str, attribute: str):
    return re.findall(rf'data-{attribute}="([^"]+)"', body)


# -- access -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/console/offres", "/console/offres/nouvelle", "/console/offres/off_pornic_1",
                                  "/console/offres/off_pornic_1/cloturer", "/console/evenements",
                                  "/console/evenements/evt_forum_pornic/supprimer", "/console/import"])
async def test_the_data_pages_need_a_login(loaded_db, path):
    client = await console_client(rasa_port=9)
    try:
        response = await client.get(path, headers=HTML, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"].startswith("/console/connexion?suite=")
        refused = await client.post("/console/offres/off_pornic_1/cloturer", allow_redirects=False)
        assert refused.status == 403
    finally:
        await client.close()
    assert queries.find_openings(communes=["Pornic"], limit=20).total == 7


@pytest.mark.parametrize("path, data", [
    ("/console/offres/nouvelle", OPENING),
    ("/console/offres/off_pornic_2/cloturer", {}),
    ("/console/evenements/evt_forum_pornic/supprimer", {}),
], ids=["create", "close", "delete"])
async def test_a_change_without_the_csrf_token_is_refused(client, table_snapshot, path, data):
    before = table_snapshot()
    response = await post(client, path, data, csrf=False)
    assert response.status == 403
    assert "Traceback" not in await response.text()
    assert table_snapshot() == before


# -- openings -------------------------------------------------------------------------------------------------
async def test_the_openings_are_listed_open_closed_and_filtered(client):
    response, body = await get(client, "/console/offres")
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    assert "11 offres ouvertes" in body and len(rows(body, "opening")) == 11
    assert 'aria-current="page">Offres' in body

    _, closed = await get(client, "/console/offres?etat=closes")
    assert sorted(rows(closed, "opening")) == ["off_old_pornic", "off_old_vue"] and "clôturée le 31/01/2001" in closed

    _, some = await get(client, "/console/offres?etat=toutes&metier=aide_soignant&commune=Vue")
    assert rows(some, "opening") == ["off_old_vue"]


async def test_a_new_opening_is_created_and_offered(client):
    _, form = await get(client, "/console/offres/nouvelle")
    assert 'name="intitule"' in form and "EHPAD Les Tilleuls (Rouans)" in form

    response = await post(client, "/console/offres/nouvelle", OPENING)

    assert response.status == 303 and response.headers["Location"] == "/console/offres"
    _, listing = await get(client, "/console/offres")
    assert "Offre « Aide-soignant·e de nuit » (O001) créée." in listing and "O001" in rows(listing, "opening")
    assert [o.id for o in queries.find_openings(work_time="nuit", profession="aide_soignant").openings] == ["O001"]
    assert audited() == [("opening_created", "O001 — Aide-soignant·e de nuit")]
    _, again = await get(client, "/console/offres")
    assert "créée" not in again  # the notice is shown once


async def test_an_invalid_opening_shows_the_errors_next_to_the_fields_and_keeps_the_values(client, table_snapshot):
    before = table_snapshot()
    values = {**OPENING, "intitule": "Poste <b>urgent</b>", "commune": "", "date_limite": "2026-01-01"}

    response = await post(client, "/console/offres/nouvelle", values)

    body = await response.text()
    assert response.status == 400
    assert "Rien n'a été enregistré : 2 champs sont à corriger." in text_of(body)
    assert re.search(r'<select id="f-commune" name="commune" required aria-describedby="f-commune-erreur" '
                     r'aria-invalid="true">', body)
    assert '<p class="form-error" id="f-commune-erreur">Valeur obligatoire manquante.</p>' in body
    assert "Antérieure à la date de publication." in text_of(body)
    assert 'value="Poste &lt;b&gt;urgent&lt;/b&gt;"' in body  # kept, escaped
    assert re.search(r'<option value="ehpad_rouans" selected>', body)
    assert table_snapshot() == before


async def test_an_opening_is_edited(client):
    response, form = await get(client, "/console/offres/off_cheix_as")
    assert response.status == 200 and 'value="Aide-soignant à domicile"' in form

    values = {**OPENING, "intitule": "Aide-soignant·e à domicile <matin>", "structure_id": "ssiad_cheix",
              "commune": "Cheix-en-Retz", "date_limite": ""}
    response = await post(client, "/console/offres/off_cheix_as", values)

    assert response.status == 303
    raw = await (await client.get("/console/offres", headers=HTML)).text()
    assert "Offre « Aide-soignant·e à domicile &lt;matin&gt; » (off_cheix_as) enregistrée." in raw
    assert "<strong>Aide-soignant·e à domicile &lt;matin&gt;</strong>" in raw
    opening = queries.find_openings(communes=["Cheix-en-Retz"]).openings[0]
    assert (opening.id, opening.title, opening.closes_on) == ("off_cheix_as", "Aide-soignant·e à domicile <matin>",
                                                              None)
    assert audited()[0][0] == "opening_updated"


VERSION = re.compile(r'name="version" value="([0-9a-f]+)"')


async def test_two_coordinators_editing_one_opening_lose_nothing(client, loaded_db):
    accounts.add_coordinator("lou.bernard@cotesoin.fr", PASSWORD, "Lou")
    lou = await console_client(rasa_port=9)
    try:
        lou.csrf = await log_in(lou, "lou.bernard@cotesoin.fr")
        _, camille_form = await get(client, "/console/offres/off_cheix_as")
        _, lou_form = await get(lou, "/console/offres/off_cheix_as")
        base = {**OPENING, "structure_id": "ssiad_cheix", "commune": "Cheix-en-Retz", "date_limite": ""}
        camille = {**base, "intitule": "Aide-soignant·e de jour", "version": VERSION.search(camille_form)[1]}
        lou_values = {**base, "intitule": "Aide-soignant·e de nuit", "version": VERSION.search(lou_form)[1]}

        assert (await post(client, "/console/offres/off_cheix_as", camille)).status == 303
        response = await post(lou, "/console/offres/off_cheix_as", lou_values)

        body = text_of(await response.text())
        assert response.status == 409
        assert "Rien n'a été enregistré : cette offre a été modifiée entre-temps" in body
        assert "Intitulé du poste : « Aide-soignant·e de jour » (vous : « Aide-soignant·e de nuit »)" in body
        assert 'value="Aide-soignant·e de nuit"' in body  # Lou's typing is kept
        assert editing.get_opening("off_cheix_as").title == "Aide-soignant·e de jour"
        # Saving again, knowing, replaces it.
        lou_values["version"] = VERSION.search(body)[1]
        assert (await post(lou, "/console/offres/off_cheix_as", lou_values)).status == 303
        assert editing.get_opening("off_cheix_as").title == "Aide-soignant·e de nuit"
    finally:
        await lou.close()


async def test_an_event_changed_by_an_import_meanwhile_is_not_overwritten(client, fixture_copy):
    _, form = await get(client, "/console/evenements/evt_forum_pornic")
    values = {**editing.get_event("evt_forum_pornic").form(), "titre": "Forum déplacé",
              "version": VERSION.search(form)[1]}
    events = (fixture_copy / "evenements.csv").read_text(encoding="utf-8")
    editing.import_uploaded({"evenements.csv": events.replace("Rencontrez les employeurs du territoire.",
                                                              "Nouvelle salle.").encode()})

    response = await post(client, "/console/evenements/evt_forum_pornic", values)

    body = text_of(await response.text())
    assert response.status == 409 and "cet événement a été modifié entre-temps" in body
    assert "Description : « Nouvelle salle. »" in body
    assert editing.get_event("evt_forum_pornic").title != "Forum déplacé"


async def test_closing_an_opening_asks_for_confirmation_then_it_is_no_longer_offered(client):
    response, page = await get(client, "/console/offres/off_pornic_2/cloturer")
    assert response.status == 200 and "Clôturer l'offre off_pornic_2 ?" in page
    assert 'action="/console/offres/off_pornic_2/cloturer"' in page and "Oui, clôturer l'offre" in page
    assert "off_pornic_2" in [o.id for o in queries.find_openings(communes=["Pornic"], limit=20).openings]

    response = await post(client, "/console/offres/off_pornic_2/cloturer", {})

    assert response.status == 303
    assert "off_pornic_2" not in [o.id for o in queries.find_openings(communes=["Pornic"], limit=20).openings]
    _, listing = await get(client, "/console/offres")
    assert "clôturée : l'assistant ne la propose plus" in listing and "off_pornic_2" not in rows(listing, "opening")
    _, closed = await get(client, "/console/offres?etat=closes")
    assert "off_pornic_2" in rows(closed, "opening")
    _, form = await get(client, "/console/offres/off_pornic_2")
    assert "Cette offre est clôturée" in form
    assert audited() == [("opening_closed", "off_pornic_2 — Infirmier de nuit en soins de suite")]


@pytest.mark.parametrize("path", ["/console/offres/nope", "/console/offres/nope/cloturer",
                                  "/console/evenements/nope", "/console/evenements/nope/supprimer"])
async def test_an_unknown_record_is_a_french_404(client, path):
    response, body = await get(client, path)
    assert response.status == 404 and "Page introuvable" in body
    response = await post(client, path, OPENING if "cloturer" not in path else {})
    assert response.status == 404


# -- events -----------------------------------------------------------------------------------------------------
async def test_events_are_listed_created_edited_and_deleted(client):
    _, listing = await get(client, "/console/evenements")
    assert rows(listing, "event") == ["evt_visite_rouans", "evt_forum_pornic", "evt_jobdating_brevin"]
    assert "job dating" in listing
    _, every = await get(client, "/console/evenements?periode=tous&commune=Pornic")
    assert rows(every, "event") == ["evt_old_forum", "evt_forum_pornic"]

    response = await post(client, "/console/evenements/nouveau", EVENT)
    assert response.status == 303
    assert "E001" in [e.id for e in queries.upcoming_events(communes=["Vue"])]

    response = await post(client, "/console/evenements/E001", {**EVENT, "date": "2099-05-21"})
    assert response.status == 303
    _, listing = await get(client, "/console/evenements")
    assert "Événement « Job dating aide-soignant·es » (E001) enregistré." in listing and "21/05/2099" in listing

    _, confirm = await get(client, "/console/evenements/E001/supprimer")
    assert "Supprimer l'événement E001 ?" in confirm and "Oui, supprimer l'événement" in confirm
    response = await post(client, "/console/evenements/E001/supprimer", {})
    assert response.status == 303
    assert "E001" not in [e.id for e in queries.upcoming_events()]
    assert [action for action, _ in audited()] == ["event_created", "event_updated", "event_deleted"]


async def test_an_invalid_event_shows_the_errors_next_to_the_fields(client, table_snapshot):
    before = table_snapshot()

    response = await post(client, "/console/evenements/nouveau", {**EVENT, "titre": "", "date": "31/02/2099"})

    body = text_of(await response.text())
    assert response.status == 400
    assert 'id="f-titre-erreur">Valeur obligatoire manquante.' in body
    assert 'id="f-date-erreur">Date invalide « 31/02/2099 » (attendu AAAA-MM-JJ ou JJ/MM/AAAA).' in body
    assert 'value="Entretiens de dix minutes."' not in body and "Entretiens de dix minutes.</textarea>" in body
    assert table_snapshot() == before


# -- import ------------------------------------------------------------------------------------------------------
def upload(client, *files):
    """Send files: the console answers with a preview (nothing written yet)."""
    form = aiohttp.FormData()
    form.add_field("csrf", client.csrf)
    for name, data in files:
        form.add_field("fichiers", data, filename=name, content_type="text/csv")
    return client.post("/console/import", data=form, headers=HTML)


def token_of(body: str) -> str:
    return re.search(r'name="jeton" value="([^"]+)"', body).group(1)


async def upload_and_confirm(client, *files):
    """Send files, then confirm the preview; the response of the confirmation."""
    preview = await upload(client, *files)
    body = await preview.text()
    assert preview.status == 200 and "Aperçu de l'import" in text_of(body), text_of(body)
    return await post(client, "/console/import/confirmer", {"jeton": token_of(body)})


async def test_the_import_page_lists_the_expected_files(client):
    response, body = await get(client, "/console/import")
    assert response.status == 200 and 'type="file"' in body and 'enctype="multipart/form-data"' in body
    assert "offres.csv" in body and "structure_id, metier, intitule" in body


async def test_uploaded_files_are_imported_and_counted(client, fixture_copy, table_snapshot):
    offres = (fixture_copy / "offres.csv").read_bytes() + "off_new,msp_vue,infirmier,Infirmier remplacement,cdd,," \
                                                          "Vue,2026-11-01,,,\n".encode()
    files = [("offres.csv", offres), ("evenements.csv", (fixture_copy / "evenements.csv").read_bytes())]
    before = table_snapshot()

    preview = await upload(client, *files)
    body = text_of(await preview.text())
    assert preview.status == 200 and "Aperçu de l'import : rien n'a encore été enregistré." in body
    assert "<tr><td>offres.csv</td><td>14</td><td>1</td><td>0</td><td>13</td></tr>" in body
    assert "<li>off_new : nouvelle ligne</li>" in body
    assert table_snapshot() == before and audited() == []

    response = await post(client, "/console/import/confirmer", {"jeton": token_of(await preview.text())})
    body = text_of(await response.text())
    assert response.status == 200 and "Import réussi." in body
    assert "<tr><td>offres.csv</td><td>14</td><td>1</td><td>0</td></tr>" in body
    assert "off_new" in [o.id for o in queries.find_openings(communes=["Vue"]).openings]
    assert [action for action, _ in audited()] == ["import"]


async def test_the_import_page_says_which_openings_closed_in_the_console_stayed_closed(client, fixture_copy):
    await post(client, "/console/offres/off_pornic_2/cloturer", {})

    response = await upload_and_confirm(client, ("offres.csv", (fixture_copy / "offres.csv").read_bytes()))

    body = text_of(await response.text())
    assert response.status == 200 and "Import réussi." in body
    assert "Offres closes dans la console, laissées closes par l'import : off_pornic_2." in body
    assert "off_pornic_2" not in [o.id for o in queries.find_openings(communes=["Pornic"], limit=20).openings]


async def test_a_broken_upload_lists_the_problems_and_imports_nothing(client, fixture_copy, table_snapshot):
    before = table_snapshot()
    offres = (fixture_copy / "offres.csv").read_bytes().replace(b",Rouans,", b",<Nantes>,")

    response = await upload(client, ("offres.csv", offres), ("notes.txt", b"rien"))

    body = await response.text()
    assert response.status == 400
    assert "Import refusé, rien n'a été importé (1 problème)." in text_of(body)
    assert ("<td>notes.txt</td><td></td><td></td><td>seuls les fichiers CSV (.csv), un classeur Excel (.xlsx) et "
            "metiers.yml sont acceptés</td>") in text_of(body)
    assert table_snapshot() == before

    response = await upload(client, ("offres.csv", offres))
    body = await response.text()
    assert response.status == 400
    assert "<td>offres.csv</td><td>9</td><td>commune</td><td>commune inconnue « &lt;Nantes&gt; »</td>" in body
    assert table_snapshot() == before


async def test_an_upload_without_a_file_or_too_big_is_refused_in_french(client, table_snapshot):
    before = table_snapshot()
    response = await upload(client)
    assert response.status == 400 and "aucun fichier envoyé" in text_of(await response.text())

    response = await upload(client, ("offres.csv", b"x" * (6 * 1024 * 1024)))
    assert response.status == 400 and "5 Mo au plus" in text_of(await response.text())

    response = await upload(client, ("offres.csv", b"x" * (9 * 1024 * 1024)))
    assert response.status == 413 and "Envoi trop volumineux" in text_of(await response.text())
    assert table_snapshot() == before


async def test_a_preview_changes_field_by_field_and_is_confirmed_once(client, fixture_copy, table_snapshot):
    offres = (fixture_copy / "offres.csv").read_text(encoding="utf-8").replace(
        "Infirmier en médecine polyvalente", "Infirmier·ère en médecine").encode()
    preview = await upload(client, ("offres.csv", offres))
    body = text_of(await preview.text())
    assert "<li>intitule : « Infirmier en médecine polyvalente » → « Infirmier·ère en médecine »</li>" in body

    confirmed = await post(client, "/console/import/confirmer", {"jeton": token_of(await preview.text())})
    assert confirmed.status == 200 and "Import réussi." in text_of(await confirmed.text())
    after = table_snapshot()
    again = await post(client, "/console/import/confirmer", {"jeton": token_of(await preview.text())})
    assert again.status == 400 and "aperçu expiré ou déjà importé" in text_of(await again.text())
    assert table_snapshot() == after
    assert [action for action, _ in audited()] == ["import"]


async def test_the_preview_names_the_openings_that_will_close_or_reopen(client, fixture_copy, table_snapshot):
    offres = (fixture_copy / "offres.csv").read_text(encoding="utf-8")
    offres = offres.replace("polyvalente,cdi,temps_plein,Pornic,2024-03-07,,", "polyvalente,cdi,temps_plein,Pornic,"
                            "2024-03-07,2025-01-31,")  # a closing date now past: off_pornic_1 closes
    offres = offres.replace("2000-12-01,2001-01-31,", "2000-12-01,2099-01-31,")  # off_old_pornic reopens
    before = table_snapshot()

    preview = await upload(client, ("offres.csv", offres.encode()))

    body = text_of(await preview.text())
    assert preview.status == 200 and "Aperçu de l'import : rien n'a encore été enregistré." in body
    assert "<p>Offres qui seront clôturées (date limite passée) : off_pornic_1.</p>" in body
    assert "<p>Offres qui seront rouvertes : off_old_pornic.</p>" in body
    assert "<li>date_limite : «  » → « 2025-01-31 »</li>" in body
    assert "<li>date_limite : « 2001-01-31 » → « 2099-01-31 »</li>" in body
    assert table_snapshot() == before

    confirmed = await post(client, "/console/import/confirmer", {"jeton": token_of(await preview.text())})
    assert confirmed.status == 200 and "Import réussi." in text_of(await confirmed.text())
    offered = [o.id for o in queries.find_openings(communes=["Pornic"], limit=20).openings]
    assert "off_pornic_1" not in offered and "off_old_pornic" in offered


async def test_a_workbook_is_previewed_and_imported(client, tmp_path):
    from knowledge.partners import export
    workbook = export.workbook_bytes()  # the database as it is, as a workbook
    response = await upload_and_confirm(client, ("partenaires.xlsx", workbook))
    body = text_of(await response.text())
    assert response.status == 200 and "<tr><td>feuille offres</td><td>13</td><td>0</td><td>0</td></tr>" in body


METIERS_YML = """# Written by a coordinator for her new openings.
- code: educateur_specialise
  libelle: Éducateur·rice spécialisé·e
  synonymes: [éduc spé]
  formation: Trois ans en école de travail social.
""".encode()


def workbook_with(edit) -> bytes:
    """The database as the console's export writes it, with `edit(sheet of offres, header)` applied."""
    import io

    from openpyxl import load_workbook

    from knowledge.partners import export
    book = load_workbook(io.BytesIO(export.workbook_bytes()))
    sheet = book["offres"]
    edit(sheet, [cell.value for cell in sheet[1]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def stored_profession(code: str):
    from knowledge import db
    from knowledge.partners.models import Profession
    with db.session_scope() as session:
        found = session.get(Profession, code)
        return None if found is None else (found.label, found.training)


async def test_a_workbook_with_its_metiers_yml_is_previewed_by_sheet_and_imported(client, table_snapshot):
    def add_opening(sheet, header):
        row = dict.fromkeys(header, "")
        row.update(id="off_educ", structure_id="ehpad_rouans", metier="educateur_specialise",
                   intitule="Éducateur·rice spécialisé·e", contrat="cdi", commune="Rouans")
        sheet.append([row[column] for column in header])

    workbook = workbook_with(add_opening)
    before = table_snapshot()

    preview = await upload(client, ("partenaires.xlsx", workbook), ("metiers.yml", METIERS_YML))

    body = text_of(await preview.text())
    assert preview.status == 200 and "Aperçu de l'import : rien n'a encore été enregistré." in body, body
    assert "<tr><td>feuille offres</td><td>14</td><td>1</td><td>0</td><td>13</td></tr>" in body
    assert "<tr><td>metiers.yml</td><td>1</td><td>1</td><td>0</td><td>0</td></tr>" in body
    assert "<summary>feuille offres : 1 ligne nouvelle ou modifiée</summary>" in body
    assert "offres.csv" not in body.split('id="apercu"')[1].split("</form>")[0]  # the sheet, not a file
    assert table_snapshot() == before and stored_profession("educateur_specialise") is None

    confirmed = await post(client, "/console/import/confirmer", {"jeton": token_of(await preview.text())})
    body = text_of(await confirmed.text())
    assert confirmed.status == 200 and "Import réussi." in body
    assert "<tr><td>feuille offres</td><td>14</td><td>1</td><td>0</td></tr>" in body
    assert stored_profession("educateur_specialise") == (
        "Éducateur·rice spécialisé·e", {"texte": "Trois ans en école de travail social."})
    assert [o.id for o in queries.find_openings(profession="educateur_specialise").openings] == ["off_educ"]
    assert [action for action, _ in audited()] == ["import"]


async def test_a_bad_metiers_yml_refuses_the_whole_upload_and_sheets_are_named_in_the_problems(
        client, fixture_copy, table_snapshot):
    before = table_snapshot()
    broken = METIERS_YML.replace("  libelle: Éducateur·rice spécialisé·e\n".encode(), b"")  # a new code, no label
    offres = (fixture_copy / "offres.csv").read_bytes() + (
        "off_educ,ehpad_rouans,educateur_specialise,Éducateur·rice,cdi,,Rouans,,,,\n".encode())

    response = await upload(client, ("offres.csv", offres), ("metiers.yml", broken))

    body = text_of(await response.text())
    assert response.status == 400 and "Import refusé, rien n'a été importé (1 problème)." in body
    assert "<td>metiers.yml</td><td>2</td><td>libelle</td><td>valeur obligatoire manquante</td>" in body
    assert table_snapshot() == before

    def unknown_commune(sheet, header):
        sheet.cell(row=2, column=header.index("commune") + 1, value="Nantes")

    response = await upload(client, ("partenaires.xlsx", workbook_with(unknown_commune)), ("metiers.yml", broken))

    body = text_of(await response.text())
    assert response.status == 400 and "(2 problèmes)" in body
    assert "<td>metiers.yml</td><td>2</td><td>libelle</td><td>valeur obligatoire manquante</td>" in body
    assert "<td>feuille offres</td><td>2</td><td>commune</td><td>commune inconnue « Nantes »</td>" in body
    assert table_snapshot() == before and audited() == []


async def test_the_opening_form_offers_every_profession_of_the_referential(client):
    assert stored_profession("sage_femme") is None  # not in tests/data/knowledge
    _, form = await get(client, "/console/offres/nouvelle")
    assert '<option value="sage_femme">Sage-femme</option>' in form
    assert '<option value="infirmier">Infirmier / infirmière</option>' in form  # the database's label wins
    _, edit = await get(client, "/console/offres/off_pornic_1")
    assert '<option value="orthophoniste">' in edit

    response = await post(client, "/console/offres/nouvelle", {**OPENING, "metier": "sage_femme",
                                                                "intitule": "Sage-femme en EHPAD"})

    assert response.status == 303
    assert stored_profession("sage_femme") == ("Sage-femme", {})
    assert [o.id for o in queries.find_openings(profession="sage_femme").openings] == ["O001"]
    _, listing = await get(client, "/console/offres")
    assert "Offre « Sage-femme en EHPAD » (O001) créée." in listing


@pytest.mark.parametrize("name, content_type, magic", [
    ("donnees.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
    ("donnees-csv.zip", "application/zip", b"PK"),
    ("modele.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
])
async def test_the_data_and_the_template_are_downloaded(client, name, content_type, magic):
    response = await client.get(f"/console/import/telecharger/{name}")
    assert response.status == 200 and response.content_type == content_type
    assert "attachment" in response.headers["Content-Disposition"]
    assert (await response.read()).startswith(magic)
    assert (await client.get("/console/import/telecharger/autre.xlsx", headers=HTML)).status == 404


@pytest.mark.parametrize("name", ["donnees-csv.zip", "donnees.xlsx"])
async def test_a_download_reimported_changes_nothing(client, tmp_path, table_snapshot, name):
    import io
    import zipfile

    from knowledge.partners.importer import METIERS_FILE, import_folder
    from knowledge.partners.spreadsheets import COLUMNS
    before = table_snapshot()
    response = await client.get(f"/console/import/telecharger/{name}")
    assert response.status == 200
    data = await response.read()

    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert sorted(archive.namelist()) == sorted([*COLUMNS, METIERS_FILE])
            archive.extractall(tmp_path / "donnees")
        report = import_folder(tmp_path / "donnees")
    else:
        (tmp_path / name).write_bytes(data)
        report = import_folder(tmp_path / name)

    assert report.rows["offres.csv"] == 13 and report.rows["structures.csv"] > 0
    assert (sum(report.created.values()), sum(report.updated.values())) == (0, 0), report.changes
    assert table_snapshot() == before
