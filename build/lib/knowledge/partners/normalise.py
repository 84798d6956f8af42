"""Map what people type onto canonical values: accents, case, hyphens, "st"/"ste", typos."""
import functools
import re
from typing import Dict, Iterable, List, Optional, Tuple

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from unidecode import unidecode

_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "s": "saint"}
_PLACE_PREPOSITIONS = {"a", "au", "de", "d", "vers", "sur", "pres", "cote", "secteur", "et", "en"}
_NON_WORD = re.compile(r"[^a-z0-9%]+")


@functools.lru_cache(maxsize=8192)
def key(text: str) -> str:
    """A comparison key: no accents or ligatures, lowercase, words separated by one space.

    Remembered: the entity normaliser asks for the key of every word n-gram of every message."""
    words = _NON_WORD.sub(" ", unidecode(text).lower()).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


class Canonicaliser:
    """Finds the canonical value for a surface form among known names and their variants.

    Exact key matches win; otherwise a fuzzy match (rapidfuzz) above `min_score`, or a single-letter
    typo in a longer form, is accepted for forms of at least `min_length` characters, so short
    words never match by accident.
    """

    def __init__(self, variants: Dict[str, Iterable[str]], min_score: float = 86, min_length: int = 4,
                 places: bool = False):
        self._by_key: Dict[str, str] = {}
        for canonical, forms in variants.items():
            for form in [canonical, *forms]:
                self._by_key.setdefault(key(form), canonical)
        self._keys = list(self._by_key)
        self.min_score = min_score
        self.min_length = min_length
        self.places = places

    def __bool__(self) -> bool:
        return bool(self._keys)

    def canonical(self, text: str) -> Optional[str]:
        wanted = key(text)
        if not wanted:
            return None
        if wanted in self._by_key:
            return self._by_key[wanted]
        if len(wanted) < self.min_length:
            return None
        match = process.extractOne(wanted, self._keys, scorer=fuzz.ratio, score_cutoff=self.min_score)
        if match is None and len(wanted) > self.min_length:
            # One wrong, missing, extra or swapped letter ("pornik"), which fuzz.ratio scores below
            # `min_score` in a short name.
            match = process.extractOne(wanted, self._keys, scorer=OSA.distance, score_cutoff=1)
        return self._by_key[match[0]] if match else None

    def find_in(self, text: str, max_words: int = 5) -> List[Tuple[str, int, int]]:
        """Canonical values named anywhere in `text`, as (value, start, end) character spans.

        Looks at word n-grams, longest first, exact key matches only (no fuzzy search over free
        text: it would turn ordinary words into place names). For `places`, a name of four
        letters or fewer ("Vue") counts only after a preposition: "à Vue", not "une vue sur la mer".
        """
        spans = [(m.start(), m.end()) for m in re.finditer(r"[\w'’œŒæÆ-]+", text)]
        found: List[Tuple[str, int, int]] = []
        taken = [False] * len(spans)
        for size in range(min(max_words, len(spans)), 0, -1):
            for i in range(len(spans) - size + 1):
                if any(taken[i : i + size]):
                    continue
                start, end = spans[i][0], spans[i + size - 1][1]
                found_key = key(text[start:end])
                value = self._by_key.get(found_key)
                short = self.places and len(found_key) <= 4
                after_preposition = i > 0 and key(text[spans[i - 1][0]:spans[i - 1][1]]) in _PLACE_PREPOSITIONS
                if value and len(found_key) >= 3 and (not short or after_preposition):
                    found.append((value, start, end))
                    taken[i : i + size] = [True] * size
        return sorted(found, key=lambda item: item[1])
