"""spaCy's French model (fr_core_news_md) as extra features for the intent classifier.

The model is loaded once per process, and only by a process whose classifier asks for it
(`spacy_features` in config.yml): the parser and the named-entity recogniser are never loaded.
Two kinds of features, chosen in config.yml after an A/B test (docs/nlu.md):
- `lemmas`: the lemma of each word (« infirmières » → « infirmier »), from the morphologizer and
  the rule lemmatizer; about 1.6 ms of CPU per message.
- `vectors`: the mean of the model's 300-dimension word vectors over the message's words
  (the tokenizer and a table look-up only; a few microseconds per message).
"""
import threading
from functools import lru_cache
from typing import List, Tuple

import numpy as np

KINDS = ("lemmas", "vectors")
# Components of fr_core_news_md the lemmas need; the vectors need none (tokenizer and vocabulary).
LEMMA_PIPES = ("tok2vec", "morphologizer", "attribute_ruler", "lemmatizer")

_lock = threading.Lock()


@lru_cache(maxsize=None)
def language(model: str, lemmas: bool):
    """The spaCy pipeline, loaded once per process and per use (with or without the lemmatizer)."""
    import spacy  # imported here: processes that do not use spaCy never pay for it

    with _lock:
        probe = spacy.util.get_model_meta(spacy.util.get_package_path(model))
        names = probe.get("pipeline", [])
        keep = LEMMA_PIPES if lemmas else ()
        return spacy.load(model, exclude=[name for name in names if name not in keep])


def check(kinds: List[str]) -> Tuple[str, ...]:
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown:
        raise ValueError(f"spacy_features : {unknown} inconnu(s), valeurs possibles {KINDS}")
    return tuple(kinds)


class LemmaAnalyzer:
    """Analyzer for a TF-IDF vectorizer: the lowercased lemmas of the message's words."""

    def __init__(self, model: str) -> None:
        self.model = model

    def __call__(self, text: str) -> List[str]:
        return [token.lemma_.lower() for token in language(self.model, True)(text)
                if not (token.is_punct or token.is_space)]


class MeanVector:
    """The mean word vector of a message, L2-normalised (zeros when no word has a vector)."""

    def __init__(self, model: str) -> None:
        self.model = model

    @property
    def size(self) -> int:
        return language(self.model, False).vocab.vectors.shape[1]

    def __call__(self, text: str) -> np.ndarray:
        nlp = language(self.model, False)
        lexemes = (nlp.vocab[token.lower_] for token in nlp.make_doc(text) if not token.is_punct)
        vectors = [lexeme.vector for lexeme in lexemes if lexeme.has_vector]
        if not vectors:
            return np.zeros(self.size, dtype=np.float32)
        mean = np.mean(vectors, axis=0)
        norm = float(np.sqrt(mean @ mean))
        return mean / norm if norm else mean
