"""A coordinator imports a workbook with its metiers.yml from the console in Chromium: upload,
preview (tables named by their sheet), confirm; and downloads the empty template.

Only the web site runs (the import pages never talk to Rasa), on a free port, with a fresh SQLite
database holding the test fixture tests/data/knowledge.
"""
import io
import os
import re
from dataclasses import replace

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from bot import services
from bot import settings as bot_settings
from knowledge import db
from knowledge.coordination import accounts
from knowledge.partners import export, importer, naming, queries
from knowledge.partners.models import Profession
from tests.browser import axe
from tests.browser.conftest import DESKTOP, PageWatch
from tests.conftest import FIXTURE_DIR
from tests.console_helpers import PASSWORD
from tests.guichet import free_port

pytestmark = pytest.mark.e2e

EMAIL = "lea.morin@cotesoin.exemple.fr"
NEW_TITLE = "Infirmier·ère en médecine (poste élargi)"
METIERS_YML = """- code: educateur_specialise
  libelle: Éducateur·rice spécialisé·e
  description: Accompagne des personnes en situation de handicap.
""".encode()


class WebSite(services.Processes):
    """The web site alone (site, widget page and console)."""

    def __init__(self, settings):
        self.settings = settings
        self.services = [services.web_service(settings, settings.rasa_port)]

    def environment(self) -> dict:
        return self.settings.child_environment()


@pytest.fixture(scope="module")
def guichet(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("var")
    url = f"sqlite:///{var_dir / 'cotesoin.db'}"
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    try:
        db.dispose()
        naming.forget()
        importer.import_folder(FIXTURE_DIR)
        accounts.add_coordinator(EMAIL, PASSWORD, "Léa Morin")
        settings = replace(bot_settings.load(), web_port=free_port(), rasa_port=free_port(), database_url=url,
                           var_dir=var_dir)
        with WebSite(settings) as site:
            yield site
    finally:
        db.dispose()
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR", base_url=site, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    opened.watch = PageWatch(opened, site)
    yield opened
    context.close()
    assert opened.watch.errors == [], f"erreurs JavaScript : {opened.watch.errors}"
    assert opened.watch.foreign == [], f"requêtes vers un autre site : {opened.watch.foreign}"


def log_in(page) -> None:
    page.goto("/console/import")
    expect(page).to_have_url(re.compile(r"/console/connexion"))
    axe.check(page, "console, page de connexion")
    page.get_by_label("Adresse e-mail").fill(EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_have_text("Import et export des données")


def edited_workbook() -> bytes:
    """The database exported as a workbook, with one opening's title changed, as a coordinator would."""
    book = load_workbook(io.BytesIO(export.workbook_bytes()))
    sheet = book["offres"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "off_pornic_1")
    row[3].value = NEW_TITLE
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def title_now() -> str:
    db.dispose()
    openings = queries.find_openings(communes=["Pornic"], limit=50).openings
    return next(o.title for o in openings if o.id == "off_pornic_1")


def profession_label(code: str):
    db.dispose()
    with db.session_scope() as session:
        found = session.get(Profession, code)
        return None if found is None else found.label


def test_a_workbook_and_its_metiers_yml_are_uploaded_previewed_then_confirmed(page, output_dir):
    log_in(page)
    before = title_now()

    page.get_by_label("Classeur .xlsx ou fichiers CSV").set_input_files(files=[
        {"name": "partenaires.xlsx", "buffer": edited_workbook(),
         "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        {"name": "metiers.yml", "buffer": METIERS_YML, "mimeType": "application/x-yaml"}])
    page.get_by_role("button", name="Voir l'aperçu").click()

    preview = page.locator("#apercu")
    expect(preview).to_contain_text("Aperçu de l'import : rien n'a encore été enregistré.")
    expect(preview.locator("tr", has_text="feuille offres")).to_contain_text("13")
    expect(preview.locator("tr", has_text="metiers.yml")).to_contain_text("1")
    expect(preview).not_to_contain_text("offres.csv")  # a workbook's tables are its sheets
    preview.locator("summary", has_text="feuille offres").click()
    expect(preview).to_contain_text(f"intitule : « {before} » → « {NEW_TITLE} »")
    preview.locator("summary", has_text="metiers.yml").click()
    expect(preview).to_contain_text("educateur_specialise : nouvelle ligne")
    page.screenshot(path=str(output_dir / "console-import-apercu.png"), full_page=True)
    assert title_now() == before and profession_label("educateur_specialise") is None  # nothing written yet

    page.get_by_role("button", name="Confirmer l'import").click()

    expect(page.get_by_role("status")).to_contain_text("Import réussi.")
    assert title_now() == NEW_TITLE
    assert profession_label("educateur_specialise") == "Éducateur·rice spécialisé·e"


def test_the_empty_template_is_downloaded(page, tmp_path):
    log_in(page)

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Un modèle vide")).click()

    path = tmp_path / "modele.xlsx"
    download.value.save_as(path)
    assert download.value.suggested_filename == "cotesoin-modele.xlsx"
    book = load_workbook(path)
    assert [c.value for c in book["offres"][1]][:3] == ["id", "structure_id", "metier"]
    assert book["offres"].data_validations.dataValidation  # the drop-down lists
