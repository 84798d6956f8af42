"""components/intent_classifier.py: trained, saved and loaded through Rasa's model storage, it gives
the intents scikit-learn's own pipeline gives, with the same probabilities."""
import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.intent_classifier import TfidfIntentClassifier
from tests.speedups_parse import messages as heldout_messages

EXAMPLES = {
    "search_jobs": ["je cherche un poste d'infirmière", "des offres d'emploi à Pornic ?",
                    "vous recrutez des aides-soignants", "un CDI de nuit", "quels postes sont ouverts"],
    "ask_housing": ["je cherche un logement", "où se loger près de l'hôpital", "une location à Paimbœuf",
                    "un studio pour un stage", "hébergement temporaire"],
    "ask_childcare": ["une crèche pour mon fils", "garde d'enfants le soir", "assistante maternelle à Vue",
                      "halte-garderie", "nounou pour horaires décalés"],
}
TEXTS = ["je cherche du travail comme infirmier", "un apart a pornic", "creche", "", "???", "zzz xkcd",
         "Bonjour, auriez-vous une place en crèche pour un bébé de 8 mois et un logement ?"]


def message(text, intent=None):
    return Message(data={"text": text, **({"intent": intent} if intent else {})})


def component(tmp_path, config=None, load=False):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("intent_classifier")
    context = ExecutionContext(GraphSchema({}), "test")
    if load:
        return TfidfIntentClassifier.load({**TfidfIntentClassifier.get_default_config(), **(config or {})},
                                          storage, resource, context)
    return TfidfIntentClassifier.create({**TfidfIntentClassifier.get_default_config(), **(config or {})},
                                        storage, resource, context)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    path = tmp_path_factory.mktemp("model")
    classifier = component(path)
    classifier.train(TrainingData([message(t, i) for i, texts in EXAMPLES.items() for t in texts]))
    return path, classifier


def parsed(classifier, texts):
    return [(m.get("intent"), m.get("intent_ranking")) for m in classifier.process([message(t) for t in texts])]


def test_messages_get_the_intent_they_are_about(trained):
    _, classifier = trained
    intents = [intent["name"] for intent, _ in parsed(classifier, ["je cherche un emploi d'infirmière",
                                                                   "un logement à Pornic", "une crèche"])]
    assert intents == ["search_jobs", "ask_housing", "ask_childcare"]


def test_every_intent_is_ranked_by_a_probability(trained):
    _, classifier = trained
    for intent, ranking in parsed(classifier, TEXTS):
        assert intent == ranking[0]
        assert sorted(r["name"] for r in ranking) == sorted(EXAMPLES)
        confidences = [r["confidence"] for r in ranking]
        assert confidences == sorted(confidences, reverse=True)
        assert sum(confidences) == pytest.approx(1.0)
        assert all(type(c) is float for c in confidences)  # JSON, not numpy


def test_the_ranking_can_be_shortened(tmp_path):
    classifier = component(tmp_path, {"ranking_length": 2})
    classifier.train(TrainingData([message(t, i) for i, texts in EXAMPLES.items() for t in texts]))
    assert [len(ranking) for _, ranking in parsed(classifier, TEXTS)] == [2] * len(TEXTS)


def test_a_shortened_ranking_keeps_the_most_probable_intents(tmp_path, trained):
    path, full = trained
    for length in (0, 1, 2):
        shortened = component(path, {"ranking_length": length}, load=True)
        for (intent, ranking), (full_intent, full_ranking) in zip(parsed(shortened, TEXTS), parsed(full, TEXTS)):
            assert intent == full_intent == full_ranking[0]
            assert ranking == full_ranking[:length]


def test_the_saved_model_loads_and_says_the_same(trained):
    path, classifier = trained
    assert parsed(component(path, load=True), TEXTS) == parsed(classifier, TEXTS)


def test_the_scorer_gives_scikit_learns_probabilities(tmp_path):
    """The fast path against scikit-learn's `predict_proba`, on the held-out file's 448 messages
    (unknown words, typos, other topics) and on texts with no known word at all."""
    classifier = component(tmp_path)
    model = classifier.fit(*zip(*[(t, i) for i, texts in EXAMPLES.items() for t in texts]))
    texts = heldout_messages() + TEXTS
    assert len(texts) > 400
    ours = np.array([classifier._scorer.probabilities(t) for t in texts])
    assert np.abs(ours - model.predict_proba(texts)).max() < 1e-12
    assert classifier._scorer.classes == list(model.classes_)


def test_without_two_intents_nothing_is_trained_and_messages_pass_through(tmp_path):
    classifier = component(tmp_path)
    classifier.train(TrainingData([message("bonjour", "greet"), message("salut", "greet")]))
    assert parsed(classifier, ["bonjour"]) == [(None, None)]
    assert parsed(component(tmp_path, load=True), ["bonjour"]) == [(None, None)]
