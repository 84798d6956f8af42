"""The observatory pages of the console: login, figures and charts, CSV files, questions set aside for review."""
import html
import re

import pytest
import yaml

from knowledge.conversations import review
from knowledge.coordination import accounts, handoff, transcripts
from tests.console_helpers import PASSWORD, FakeRasa, console_client, log_in, start
from tests.observatory_helpers import Conversations, at

PERIOD = "du=2025-03-25&au=2025-04-05"


@pytest.fixture
def conversations(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'trackers.db'}")
    monkeypatch.setenv("COTESOIN_VAR_DIR", str(tmp_path / "var"))
    transcripts.dispose()
    transcripts._metadata.create_all(transcripts.engine())
    store = Conversations()
    for n in range(6):
        sender, moment = f"web-{n}", at("2025-03-28 10:00") + n * 60
        store.start(sender, moment)
        store.user(sender, moment + 1, "aide soignante à Vue", "search_jobs", profession="aide_soignant",
                   commune="Vue")
        store.search(sender, moment + 2, 0)
        store.user(sender, moment + 3, "quel temps fait il à Pornic", "out_of_scope")
    store.start("telegram-1", at("2025-03-29 10:00"))
    store.user("telegram-1", at("2025-03-29 10:00"), "rappelez moi au 06 12 34 56 78 <b>vite</b>", "nlu_fallback",
               "telegram")
    store.save()
    yield store
    transcripts.dispose()


@pytest.fixture
async def console(loaded_db, conversations):
    rasa = FakeRasa()
    rasa_client = await start(rasa.app())
    accounts.add_coordinator("camille.martin@cotesoin.fr", PASSWORD, "Camille")
    client = await console_client(rasa_client.port)
    yield client
    await client.close()
    await rasa_client.close()


def text_of(body: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.mark.parametrize("path", ["/console/observatoire", "/console/observatoire/themes.csv"])
async def test_the_observatory_needs_a_logged_in_coordinator(console, path):
    page = await console.get(path, headers={"Accept": "text/html"}, allow_redirects=False)
    assert page.status == 303 and page.headers["Location"].startswith("/console/connexion?suite=")
    assert (await console.get(path, allow_redirects=False)).status == 401


async def test_the_page_shows_the_figures_with_charts_and_tables(console):
    await log_in(console, "camille.martin@cotesoin.fr")
    response = await console.get(f"/console/observatoire?{PERIOD}")
    body = await response.text()
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    words = " ".join(text_of(body).split())
    assert "Observatoire RH du territoire" in words and "du 25/03/2025 au 05/04/2025" in words
    assert "7 conversations" in words and "7 personnes" in words
    assert "6 recherches d'offres sans résultat" in words
    assert "Aide-soignant / aide-soignante Vue tous contrats 6 6" in words
    assert "quel temps fait il à Pornic 6 6" in words
    assert "rappelez moi au [téléphone masqué] <b>vite</b> < 5 < 5" in words
    assert "06 12 34" not in body and "<b>vite</b>" not in body  # masked, and escaped
    assert body.count("<svg") == 6 and body.count("<title") >= 6 and 'role="img"' in body
    assert "style=" not in body and "<style" not in body and "<script>" not in body
    assert body.count('class="place ') + body.count('class="place"') == 6  # every commune on the map
    assert '<a href="/console/observatoire" aria-current="page">Observatoire</a>' in body
    for table in ("canaux", "frequentation", "themes", "metiers", "communes", "demande-non-satisfaite", "relais",
                  "relais-issues", "relais-themes", "relais-canaux", "questions-non-comprises"):
        assert f'href="/console/observatoire/{table}.csv?du=2025-03-25&amp;au=2025-04-05"' in body


async def test_a_wrong_period_falls_back_to_the_last_thirty_days_with_a_french_message(console):
    await log_in(console, "camille.martin@cotesoin.fr")
    body = text_of(await (await console.get("/console/observatoire?du=2025-04-05&au=2025-03-01")).text())
    assert "La date de fin précède la date de début." in body and "les 30 derniers jours" in body
    default = text_of(await (await console.get("/console/observatoire")).text())
    assert "Aucune conversation sur la période." in default


async def test_a_long_period_is_charted_per_week(console):
    await log_in(console, "camille.martin@cotesoin.fr")
    body = text_of(await (await console.get("/console/observatoire?du=2025-01-01&au=2025-06-30")).text())
    assert "Conversations par semaine et par canal" in body and "Semaine du" in body


async def test_every_table_downloads_as_csv_for_excel(console):
    await log_in(console, "camille.martin@cotesoin.fr")
    response = await console.get(f"/console/observatoire/demande-non-satisfaite.csv?{PERIOD}")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="observatoire-demande-non-satisfaite-2025-03-25_2025-04-05.csv"')
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines() == [
        "métier;commune;contrat;recherches sans résultat;personnes",
        "Aide-soignant / aide-soignante;Vue;tous contrats;6;6"]
    questions = (await (await console.get(f"/console/observatoire/questions-non-comprises.csv?{PERIOD}")).read())
    lines = questions.decode("utf-8-sig").splitlines()
    assert lines[1:] == ["quel temps fait il à Pornic;6;6", "rappelez moi au [téléphone masqué] <b>vite</b>;< 5;< 5"]
    channels = (await (await console.get(f"/console/observatoire/canaux.csv?{PERIOD}")).read()).decode("utf-8-sig")
    assert channels.splitlines() == ["canal;conversations;personnes", "site web;6;6", "Telegram;< 5;< 5",
                                     "total;7;7"]
    communes = (await (await console.get(f"/console/observatoire/communes.csv?{PERIOD}")).read()).decode("utf-8-sig")
    assert "Vue;Pornic Agglo Pays de Retz;47,1994;-1,8806;6;6" in communes.splitlines()
    for table in ("frequentation", "themes", "metiers", "relais", "relais-issues", "relais-themes", "relais-canaux"):
        response = await console.get(f"/console/observatoire/{table}.csv?{PERIOD}")
        assert response.status == 200 and (await response.read()).startswith(b"\xef\xbb\xbf")
    assert (await console.get(f"/console/observatoire/inconnu.csv?{PERIOD}")).status == 404
    assert (await console.get("/console/observatoire/themes.csv?du=demain")).status == 400


async def test_a_question_is_set_aside_for_review_with_the_csrf_token_and_audited(console):
    token = await log_in(console, "camille.martin@cotesoin.fr")
    form = {"csrf": token, "kind": "nlu", "text": "rappelez moi au 06 12 34 56 78", "messages": "< 5",
            "suite": f"/console/observatoire?{PERIOD}"}
    response = await console.post("/console/observatoire/a-relire", data=form, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == f"/console/observatoire?{PERIOD}#a-relire"
    saved = yaml.safe_load(review.path("nlu").read_text(encoding="utf-8"))["candidates"]
    assert [(c["text"], c["intent"], c["messages"]) for c in saved] == [
        ("rappelez moi au [téléphone masqué]", "", "< 5")]
    assert review.path("nlu").read_text(encoding="utf-8").startswith("# Exemples d'entraînement proposés")
    assert not review.path("faq").exists()
    [entry] = [a for a in handoff.audit_trail() if a["action"] == "review_nlu"]
    assert entry["who"] == "Camille" and "[téléphone masqué]" in entry["detail"] and "06 12" not in entry["detail"]

    page = text_of(await (await console.get(response.headers["Location"])).text())
    assert "Question mise de côté (à apprendre à l'assistant) : elle sera relue avant d'être ajoutée." in page
    assert "Questions à apprendre à l'assistant (1)" in page and "Entrées de FAQ (0)" in page
    for developer_word in ("var/review", "intention", "entraînement", "intent"):
        assert developer_word not in page

    again = await console.post("/console/observatoire/a-relire", data=form)
    assert "Cette question est déjà mise de côté (à apprendre à l'assistant) et attend d'être relue." in text_of(
        await again.text())
    faq = await console.post("/console/observatoire/a-relire", data={**form, "kind": "faq", "suite": "https://evil.example"},
                             allow_redirects=False)
    assert faq.headers["Location"] == "/console/observatoire#a-relire"
    assert [c.text for c in review.pending("faq")] == ["rappelez moi au [téléphone masqué]"]


async def test_setting_aside_without_the_csrf_token_is_refused(console):
    await log_in(console, "camille.martin@cotesoin.fr")
    for token in (None, "pas-le-bon"):
        data = {"kind": "nlu", "text": "quel temps fait il"} | ({"csrf": token} if token else {})
        response = await console.post("/console/observatoire/a-relire", data=data, allow_redirects=False)
        assert response.status == 403
    assert not review.path("nlu").exists()
    assert not [a for a in handoff.audit_trail() if a["action"].startswith("review")]


async def test_setting_aside_needs_a_question_and_a_destination(console):
    token = await log_in(console, "camille.martin@cotesoin.fr")
    for data in ({"kind": "nlu", "text": "  "}, {"kind": "ailleurs", "text": "bonjour"}):
        response = await console.post("/console/observatoire/a-relire", data={"csrf": token, **data})
        assert "Rien n'a été mis de côté" in text_of(await response.text())
    assert review.pending("nlu") == [] and review.pending("faq") == []


# -- the charts' geometry --------------------------------------------------------------------------------
def test_bars_scale_to_a_round_maximum_and_draw_masked_counts_in_the_band():
    from bot.web.console.charts import bar_chart

    chart = bar_chart([("logement", 1200), ("garde d'enfants", "< 5"), ("mobilité", 0)])
    assert chart.axis_max == "2\u202f000"
    housing, childcare, mobility = chart.bars
    assert (housing.value, childcare.value, childcare.masked) == ("1\u202f200", "< 5", True)
    assert housing.length > childcare.length >= mobility.length > 0


def test_the_time_series_puts_masked_days_in_the_grey_band():
    from datetime import date

    from bot.web.console.charts import time_series

    chart = time_series([date(2025, 3, 1), date(2025, 3, 2)], {"socketio": ("site web", [12, "< 5"])})
    [line] = chart.lines
    assert line.points[1].masked and chart.band_top < line.points[1].y < chart.bottom
    assert line.points[0].label == "site web, 1 mars : 12"


def test_every_commune_label_stays_inside_the_map():
    from bot.web.console.charts import LABEL_CHAR_WIDTH, commune_map
    from knowledge.conversations.observatory import CommuneRow

    rows = [CommuneRow("Pornic", "", 47.1153, -2.1022, 120, 10), CommuneRow("Vue", "", 47.1994, -1.8806, "< 5", 0),
            CommuneRow("Rouans", "", 47.1842, -1.8575, 0, 0), CommuneRow("Cheix-en-Retz", "", 47.1844, -1.8172, 7, 0)]
    chart = commune_map(rows)
    assert [p.name for p in chart.places] == ["Cheix-en-Retz", "Pornic", "Rouans", "Vue"]
    for place in chart.places:
        width = len(place.name) * LABEL_CHAR_WIDTH
        left = {"start": place.label_x, "end": place.label_x - width, "middle": place.label_x - width / 2}[place.anchor]
        assert 0 <= left and left + width <= chart.width and 0 <= place.label_y <= chart.height
    pornic = next(p for p in chart.places if p.name == "Pornic")
    assert pornic.radius == 30 and next(p for p in chart.places if p.name == "Rouans").radius == 3
