"""Names and street names in the free text the observatory and the review files keep (issue 22,
point 11): spaCy's French NER on top of the patterns, loaded only where it is needed."""
import os
import subprocess
import sys

import pytest

from knowledge.masking import NAME_MASK
from knowledge.partners import name_masking

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
