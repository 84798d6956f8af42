"""axe-core on every page that the widget and hand-over tests do not open (issue 23): the privacy page,
the alert links, the 404 page, and a sweep of the console (observatory, openings, events, import and
its preview, applications). Zero violations allowed on each.

Only the web site runs (in a thread, like tests/browser/test_plan_page.py), on a SQLite database
holding the fixture tests/data/knowledge, with one application, one alert subscription and a few
conversations in the tracker store so the pages show tables and charts, not only empty states.
"""
import pytest
from playwright.sync_api import expect

from knowledge import db
from knowledge.coordination import accounts, alerts, applications, transcripts
from knowledge.partners import importer, naming
from tests.browser import axe
from tests.browser.test_console_handoff import EMAIL, NAME, log_in
from tests.browser.test_plan_page import SiteThread
from tests.conftest import FIXTURE_DIR
from tests.console_helpers import PASSWORD
from tests.observatory_helpers import Conversations, at

pytestmark = pytest.mark.e2e

PERIOD = "du=2025-03-25&au=2025-04-05"
OPENING = "off_pornic_1"
EVENT = "evt_forum_pornic"


def conversations() -> None:
    """A few conversations in the observatory's period: searches found and not found, a question not understood."""
    store = Conversations()
    for n in range(6):
        sender, moment = f"web-{n}", at("2025-03-28 10:00") + n * 60
        store.start(sender, moment)
        store.user(sender, moment + 1, "aide soignante à Vue", "search_jobs", profession="aide_soignant",
                   commune="Vue")
        store.search(sender, moment + 2, n % 2)
        store.user(sender, moment + 3, "quel temps fait il à Pornic", "out_of_scope")
    store.save()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{folder / 'cotesoin.db'}")
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{folder / 'trackers.db'}")
    monkeypatch.setenv("COTESOIN_VAR_DIR", str(folder / "var"))
    db.dispose()
    transcripts.dispose()
    naming.forget()
    importer.import_folder(FIXTURE_DIR)
    transcripts._metadata.create_all(transcripts.engine())
    conversations()
    accounts.add_coordinator(EMAIL, PASSWORD, NAME)
    applications.record(OPENING, "web-1", "socketio", "Léa Durand", "06 12 34 56 78", "Disponible en mai.",
                        "J'accepte que mes coordonnées soient transmises.")
    server = SiteThread()
    yield server.start()
    server.stop()
    db.dispose()
    transcripts.dispose()
    naming.forget()
    monkeypatch.undo()


@pytest.fixture(scope="module")
def subscription(site):
    return alerts.subscribe("web-2", "socketio", "J'accepte de recevoir les offres par e-mail.",
                            profession="infirmier", communes=["Pornic"], email="lea@exemple.fr")


def test_the_public_pages_and_the_alert_links_have_no_violation(page, subscription):
    page.goto("/confidentialite")
    expect(page.locator("h1")).to_be_visible()
    axe.check(page, "page de confidentialité")

    assert page.goto(f"/alertes/confirmer/{subscription.confirm_token}").status == 200
    axe.check(page, "confirmer une alerte")
    page.get_by_role("button", name="Confirmer mon alerte").click()
    expect(page.locator("h1")).to_have_text("Alerte confirmée")
    axe.check(page, "alerte confirmée")
    assert page.goto("/alertes/confirmer/inconnu").status == 404
    axe.check(page, "lien d'alerte invalide")
    assert page.goto(f"/alertes/arreter/{subscription.unsubscribe_token}").status == 200
    axe.check(page, "arrêter les alertes")
    page.get_by_role("button", name="Arrêter les alertes").click()
    expect(page.locator("h1")).to_have_text("Alertes arrêtées")
    axe.check(page, "alertes arrêtées")

    response = page.goto("/nulle-part")
    assert response.status == 404 and "Page introuvable" in page.locator("h1").inner_text()
    axe.check(page, "page introuvable (404)")


def test_every_console_page_has_no_violation(page):
    log_in(page)  # axe checks the login page on the way
    axe.check(page, "console, file d'attente vide")

    page.goto(f"/console/observatoire?{PERIOD}")
    expect(page.locator("h1")).to_contain_text("Observatoire")
    expect(page.locator("main table").first).to_be_visible()
    axe.check(page, "console, observatoire")

    page.goto("/console/offres")
    expect(page.locator(f"a[href='/console/offres/{OPENING}']").first).to_be_visible()
    axe.check(page, "console, offres")
    page.goto("/console/offres/nouvelle")
    expect(page.locator("main form")).to_be_visible()
    axe.check(page, "console, nouvelle offre")
    page.goto(f"/console/offres/{OPENING}")
    axe.check(page, "console, offre à modifier")
    page.goto(f"/console/offres/{OPENING}/cloturer")
    axe.check(page, "console, clôturer une offre")

    page.goto("/console/evenements")
    expect(page.locator(f"a[href='/console/evenements/{EVENT}']").first).to_be_visible()
    axe.check(page, "console, événements")
    page.goto("/console/evenements/nouveau")
    axe.check(page, "console, nouvel événement")
    page.goto(f"/console/evenements/{EVENT}")
    axe.check(page, "console, événement à modifier")
    page.goto(f"/console/evenements/{EVENT}/supprimer")
    axe.check(page, "console, supprimer un événement")

    page.goto("/console/candidatures")
    expect(page.locator("main")).to_contain_text("Léa Durand")
    axe.check(page, "console, candidatures")

    page.goto("/console/import")
    axe.check(page, "console, import")
    page.get_by_label("Classeur .xlsx ou fichiers CSV").set_input_files(files=[
        {"name": "evenements.csv", "mimeType": "text/csv",
         "buffer": (FIXTURE_DIR / "evenements.csv").read_bytes().replace(b"Forum des m", b"Grand forum des m")}])
    page.get_by_role("button", name="Voir l'aperçu").click()
    expect(page.locator("#apercu")).to_contain_text("Aperçu de l'import")
    page.locator("#apercu summary").first.click()
    axe.check(page, "console, aperçu de l'import")

    page.goto("/console/traitees")
    axe.check(page, "console, demandes traitées (vide)")
