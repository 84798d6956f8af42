"""Read safety words, several needs and children's ages in a message, from the YAML lexicons.

`knowledge/safety.yml` (medical emergency, distress) and `knowledge/needs.yml` (jobs, childcare,
housing, mobility, the spouse's job, installation; children's ages; atypical hours). Pure
functions over the text: the NLU component (components/message_cues.py) turns them into
entities, the actions read those entities back.
"""
import functools
import re
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from knowledge.normalise import key

HERE = Path(__file__).resolve().parent
SAFETY_FILE = HERE / "safety.yml"
NEEDS_FILE = HERE / "needs.yml"
# Safety kinds, the most urgent first.
SAFETY_KINDS = ("emergency", "distress")
# Words between a child word and its age (« un bébé de 8 mois » has one: « de »).
MAX_WORDS_BEFORE_AGE = 4


@functools.lru_cache(maxsize=None)
def _load(path: Path) -> Dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _said(text: str) -> str:
    return f" {key(text or '')} "


def _names(said: str, phrases: Sequence[str]) -> bool:
    return any(f" {key(phrase)} " in said for phrase in phrases if key(phrase))


def safety(text: str) -> Optional[str]:
    """"emergency", "distress" or None: the most urgent kind of words the text contains."""
    said = _said(text)
    lexicon = _load(SAFETY_FILE)
    return next((kind for kind in SAFETY_KINDS if _names(said, lexicon.get(kind) or [])), None)


def needs(text: str) -> List[str]:
    """The needs the text names, in the answering order of knowledge/needs.yml."""
    said = _said(text)
    return [need for need, phrases in _load(NEEDS_FILE)["needs"].items() if _names(said, phrases or [])]


def need_order() -> List[str]:
    return list(_load(NEEDS_FILE)["needs"])


def atypical_hours(text: str) -> bool:
    return _names(_said(text), _load(NEEDS_FILE).get("atypical_hours") or [])


@functools.lru_cache(maxsize=1)
def _age_pattern() -> "re.Pattern[str]":
    children = "|".join(sorted((re.escape(key(w)) for w in _load(NEEDS_FILE)["children_words"]), key=len,
                               reverse=True))
    return re.compile(rf"\b(?:{children})\b((?: \w+){{0,{MAX_WORDS_BEFORE_AGE}}}? (\d{{1,2}}) (mois|ans?)\b"
                      rf"(?:(?: et| ,)? (\d{{1,2}}) (mois|ans?)\b)*)")


_NUMBER_UNIT = re.compile(r"(\d{1,2})(?: (mois|ans?))?\b")


def children_ages(text: str) -> List[int]:
    """Children's ages in months (« un bébé de 8 mois » → [8]; « enfants de 3 et 6 ans » → [36, 72])."""
    said = key(text or "")
    ages: List[int] = []
    for match in _age_pattern().finditer(said):
        tail = match.group(1)
        found: List[Tuple[int, Optional[str]]] = [(int(n), unit or None) for n, unit in _NUMBER_UNIT.findall(tail)]
        # « 3 et 6 ans »: a number without its unit takes the next one's.
        unit = None
        for number, this_unit in reversed(found):
            unit = this_unit or unit
            if unit:
                ages.append(number if unit == "mois" else number * 12)
    return sorted(set(ages))
