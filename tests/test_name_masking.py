"""Names and street names in the free text the observatory and the review files keep (issue 22,
point 11): spaCy's French NER on top of the patterns, loaded only where it is needed."""
import os
import subprocess
import sys

import pytest

from knowledge import db
from knowledge.conversations import review
from knowledge.coordination import accounts, transcripts
from knowledge.masking import NAME_MASK
from knowledge.partners import name_masking
from tests.console_helpers import PASSWORD, console_client, log_in
from tests.observatory_helpers import Conversations, at

COMMUNES = frozenset({"pornic", "vue", "saint brevin les pins"})


@pytest.mark.parametrize("text, gone, kept", [
    ("bonjour je suis Léa Martin, infirmière à Pornic", ["Léa", "Martin"], ["infirmière", "Pornic"]),
    ("Marie Dupont cherche un logement avenue de la Mer à Saint-Brevin-les-Pins",
     ["Marie", "Dupont", "avenue de la Mer"], ["logement", "Saint-Brevin-les-Pins"]),
    ("aide soignante à Vue", [], ["aide soignante à Vue"]),
    ("écrivez à lea.martin@mail.fr, Léa Martin", ["lea.martin@mail.fr", "Martin"], ["écrivez"]),
])
def test_names_and_streets_are_masked_communes_stay(text, gone, kept):
    [masked] = name_masking.mask_all([text], communes=COMMUNES)
    for word in gone:
        assert word not in masked, masked
    for word in kept:
        assert word in masked, masked


def test_a_name_in_a_sentence_is_masked_with_the_usual_mark():
    [masked] = name_masking.mask_all(["Bonjour, Jean-Pierre Lefebvre voudrait un poste"], communes=COMMUNES)
    assert NAME_MASK in masked and "Lefebvre" not in masked


def test_long_texts_are_cut_before_the_model_reads_them():
    [masked] = name_masking.mask_all(["Léa Martin " + "a" * 50_000], communes=COMMUNES)
    assert len(masked) <= name_masking.MAX_CHARS and "Martin" not in masked


def test_texts_kept_whole_are_masked_in_every_piece_and_nothing_is_cut_off():
    note = ("Léa Martin a rappelé. " + "Elle cherche un poste de nuit. " * 80 + "Adresse : 12 rue des Lilas. "
            + "Pas de voiture pour le moment. " * 80 + "Rappeler Marie Dupont au 06 12 34 56 78.")
    assert len(note) > 2 * name_masking.MAX_CHARS
    [masked] = name_masking.mask_whole([note])
    for gone in ("Léa", "Martin", "rue des Lilas", "Dupont", "06 12 34 56 78"):
        assert gone not in masked, gone
    assert masked.count("Elle cherche un poste de nuit.") == 80
    assert masked.count("Pas de voiture pour le moment.") == 80
    assert masked.endswith("au [téléphone masqué].")


def test_the_model_is_loaded_only_where_names_are_masked():
    """The action server and the web site's start do not load spaCy; the first masked question does."""
    code = ("import sys, actions.jobs, actions.handoff, bot.web.app, knowledge.conversations.observatory, "
            "knowledge.conversations.review; print('spacy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert result.stdout.strip() == "False", result.stderr[-2000:]


# -- where the masking is used: the observatory (page and CSV) and the review files -------------------
NAMED = "Marie Dupont cherche un poste"  # a name without « je m'appelle »: the patterns alone miss it
PERIOD = "du=2025-03-25&au=2025-04-05"


@pytest.fixture
async def console(loaded_db, tmp_path, monkeypatch):
    """A coordinator's console over conversations where the assistant did not understand NAMED."""
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'trackers.db'}")
    monkeypatch.setenv("COTESOIN_VAR_DIR", str(tmp_path / "var"))
    name_masking.forget()
    transcripts.dispose()
    transcripts._metadata.create_all(transcripts.engine())
    store = Conversations()
    for n in range(2):
        sender, moment = f"web-{n}", at("2025-03-28 10:00") + n * 60
        store.start(sender, moment)
        store.user(sender, moment + 1, NAMED, "nlu_fallback")
    store.save()
    accounts.add_coordinator("camille.martin@cotesoin.fr", PASSWORD, "Camille")
    client = await console_client(rasa_port=9)
    await log_in(client, "camille.martin@cotesoin.fr")
    yield client
    await client.close()
    transcripts.dispose()


async def test_a_name_in_a_misunderstood_question_is_masked_on_the_observatory_and_its_csv(console):
    page = await (await console.get(f"/console/observatoire?{PERIOD}", headers={"Accept": "text/html"})).text()
    export = (await (await console.get(f"/console/observatoire/questions-non-comprises.csv?{PERIOD}")).read()
              ).decode("utf-8-sig")
    for shown in (page, export):
        assert "cherche un poste" in shown  # the question is there…
        assert "Dupont" not in shown and "Marie" not in shown  # …without the person's name
        assert NAME_MASK in shown


def test_a_question_set_aside_for_review_is_stored_without_the_name(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("COTESOIN_VAR_DIR", str(tmp_path / "var"))
    name_masking.forget()
    assert review.add("nlu", NAMED, None)
    [candidate] = review.pending("nlu")
    assert candidate.text == f"{NAME_MASK} cherche un poste"
    stored = review.path("nlu").read_text(encoding="utf-8")
    assert "Dupont" not in stored and "Marie" not in stored


def test_communes_unreadable_at_first_are_read_again_once_the_database_answers(loaded_db, tmp_path, monkeypatch):
    """The database down at the first masking (the site started during an incident): places are all
    masked then, but neither that empty list nor those masked texts are kept for the process's life."""
    said = "je cherche un logement à Pornic"
    name_masking.forget()
    damaged = tmp_path / "abime.db"
    damaged.write_bytes(b"ceci n'est pas une base SQLite " * 200)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{damaged}")
    db.dispose()
    assert name_masking.mask_one(said) == f"je cherche un logement à {name_masking.PLACE_MASK}"

    monkeypatch.setenv("DATABASE_URL", loaded_db.url)  # the database is back
    db.dispose()
    assert name_masking.mask_one(said) == said
    assert name_masking.mask_all([said]) == [said]
