"""spaCy's French model (fr_core_news_md) as extra features for the intent classifier.

The model is loaded once per process, and only by a process whose classifier asks for it
(`spacy_features` in config.yml): the parser and the named-entity recogniser are never loaded.
Two kinds of features, chosen in config.yml after an A/B test (docs/nlu.md):
- `lemmas`: the lemma of each word (« infirmières » → « infirmier »), from the morphologizer and
  the rule lemmatizer; about 1.6 ms of CPU per message, spaCy loaded in every Rasa process.
- `vectors`: the mean of the model's 300-dimension word vectors over the message's words. Only the
  training process loads spaCy: it copies the vectors of the model's lowercase words (182 206
  words, 17 480 distinct vectors) into a `VectorTable` saved with the trained classifier, which
  the Rasa processes read without spaCy (about 40 MB instead of 250 MB, no spaCy start-up).
"""
import re
import threading
from functools import lru_cache
from pathlib import Path
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


WORD = re.compile(r"[^\W\d_]+")
VECTORS_FILE = "word_vectors.npz"


class VectorTable:
    """The word vectors of a spaCy model's lowercase words, without spaCy: a row of `vectors` for
    each word, the vector of a message the L2-normalised mean over its words (zeros if none)."""

    def __init__(self, words: np.ndarray, rows: np.ndarray, vectors: np.ndarray) -> None:
        self._row = dict(zip(words.tolist(), rows.tolist()))
        self._words, self._rows, self.vectors = words, rows, vectors

    @classmethod
    def from_spacy(cls, model: str) -> "VectorTable":
        table = language(model, False).vocab.vectors
        strings = language(model, False).vocab.strings
        words, rows = [], []
        for key, row in table.key2row.items():
            word = strings[key]
            if word == word.lower() and WORD.fullmatch(word):
                words.append(word)
                rows.append(row)
        used = np.unique(rows)  # only the vectors some kept word points to, renumbered
        renumber = np.zeros(table.shape[0], dtype=np.int32)
        renumber[used] = np.arange(len(used), dtype=np.int32)
        return cls(np.array(words), renumber[np.array(rows)], np.asarray(table.data[used], dtype=np.float32))

    def save(self, directory: Path) -> None:
        np.savez_compressed(directory / VECTORS_FILE, words=self._words, rows=self._rows, vectors=self.vectors)

    @classmethod
    def read(cls, directory: Path) -> "VectorTable":
        with np.load(directory / VECTORS_FILE, allow_pickle=False) as arrays:
            table = cls(arrays["words"], arrays["rows"], arrays["vectors"])
        table._words = table._rows = None  # only the look-up is needed to score messages
        return table

    def __call__(self, text: str) -> np.ndarray:
        rows = [row for row in map(self._row.get, WORD.findall(text.lower())) if row is not None]
        if not rows:
            return np.zeros(self.vectors.shape[1], dtype=np.float32)
        mean = self.vectors[rows].mean(axis=0)
        norm = float(np.sqrt(mean @ mean))
        return mean / norm if norm else mean
