"""Read safety words, several needs and children's ages in a message, from the YAML lexicons.

`knowledge/safety.yml` (medical emergency, distress), `knowledge/needs.yml` (jobs, childcare,
housing, mobility, the spouse's job, installation; children's ages; atypical hours) and
`knowledge/pay.yml` (questions about pay and working conditions). Pure
functions over the text: the NLU component (components/message_cues.py) turns them into
entities, the actions read those entities back. Texts and phrases are compared without accents,
case or punctuation; each finding keeps its character span in the original text.
"""
import functools
import re
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import yaml
from unidecode import unidecode

HERE = Path(__file__).resolve().parent
SAFETY_FILE = HERE / "safety.yml"
NEEDS_FILE = HERE / "needs.yml"
PAY_FILE = HERE / "pay.yml"
# Safety kinds, the most urgent first.
SAFETY_KINDS = ("emergency", "distress")
# Words between a child word and its age (« un bébé de 8 mois » has one: « de »).
MAX_WORDS_BEFORE_AGE = 4
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789%")


class Found(NamedTuple):
    value: object
    start: int
    end: int


@functools.lru_cache(maxsize=None)
def _load(path: Path) -> Dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


@functools.lru_cache(maxsize=1024)
def _plain(text: str) -> Tuple[str, Tuple[int, ...]]:
    """`text` in lower case without accents, one space between words, framed by spaces; and for
    each of its characters, the index of the character of `text` it comes from."""
    chars, origin = [" "], [0]
    for index, char in enumerate(text or ""):
        for out in (char if char < "\x80" else unidecode(char)).lower():  # ASCII: unidecode's own
            if out in _WORD_CHARS:
                chars.append(out)
                origin.append(index)
            elif chars[-1] != " ":
                chars.append(" ")
                origin.append(index)
    if chars[-1] != " ":
        chars.append(" ")
        origin.append(len(text or ""))
    return "".join(chars), tuple(origin)


def _phrase(phrase: str) -> str:
    return _plain(str(phrase))[0]


def _span(text: str, start: int, end: int) -> Tuple[int, int]:
    """The span in `text` of the plain characters [start, end)."""
    origin = _plain(text)[1]
    return origin[start], origin[end - 1] + 1


@functools.lru_cache(maxsize=64)
def _phrases_pattern(phrases: Tuple[str, ...]) -> Optional["re.Pattern[str]"]:
    """One regex for a lexicon's phrases (plain, framed by spaces), the shorter first: its first
    match is the earliest phrase in the text, the shortest of those starting there."""
    plain = sorted({p for p in map(_phrase, phrases) if p.strip()}, key=lambda p: (len(p), p))
    return re.compile("|".join(map(re.escape, plain))) if plain else None


def _first(text: str, phrases: Sequence[str]) -> Optional[Tuple[int, int]]:
    """The span of the first of `phrases` found in `text` (earliest in the text, the shortest of
    those starting there), or None. The phrases are compiled once per lexicon (a message is read
    against some 250 phrases)."""
    pattern = _phrases_pattern(tuple(phrases))
    match = pattern.search(_plain(text)[0]) if pattern is not None else None
    if match is None:
        return None
    return _span(text, match.start() + 1, match.end() - 1)


def safety(text: str) -> Optional[str]:
    """"emergency", "distress" or None: the most urgent kind of words the text contains."""
    found = safety_found(text)
    return found.value if found else None


def safety_found(text: str) -> Optional[Found]:
    lexicon = _load(SAFETY_FILE)
    for kind in SAFETY_KINDS:
        span = _first(text, lexicon.get(kind) or [])
        if span:
            return Found(kind, *span)
    return None


def pay_found(text: str) -> Optional[Found]:
    """Where the text asks about pay or working conditions (overtime, bonuses, salary…), or None."""
    span = _first(text, _load(PAY_FILE).get("phrases") or [])
    return Found("pay", *span) if span else None


def pay_intents() -> List[str]:
    """The intents for which a pay question gets the pay answer (knowledge/pay.yml)."""
    return list(_load(PAY_FILE).get("answered_for_intents") or [])


def needs_found(text: str) -> List[Found]:
    """The needs the text names, in the answering order of knowledge/needs.yml."""
    found = []
    for need, phrases in _load(NEEDS_FILE)["needs"].items():
        span = _first(text, phrases or [])
        if span:
            found.append(Found(need, *span))
    return found


def needs(text: str) -> List[str]:
    return [found.value for found in needs_found(text)]


def need_order() -> List[str]:
    return list(_load(NEEDS_FILE)["needs"])


def atypical_hours(text: str) -> bool:
    return _first(text, _load(NEEDS_FILE).get("atypical_hours") or []) is not None


@functools.lru_cache(maxsize=1)
def _age_pattern() -> "re.Pattern[str]":
    children = "|".join(sorted((re.escape(_phrase(w).strip()) for w in _load(NEEDS_FILE)["children_words"]),
                               key=len, reverse=True))
    return re.compile(rf" (?:{children})((?: [a-z0-9%]+){{0,{MAX_WORDS_BEFORE_AGE}}}? \d{{1,2}} (?:mois|ans?)"
                      rf"(?:(?: et)? \d{{1,2}} (?:mois|ans?))*) ")


_NUMBER_UNIT = re.compile(r"(\d{1,2})(?: (mois|ans?))?(?= )")


def children_found(text: str) -> List[Found]:
    """Children's ages in months with their spans (« un bébé de 8 mois » → 8; « enfants de 3 et
    6 ans » → 36 and 72)."""
    plain = _plain(text)[0]
    found: List[Found] = []
    for match in _age_pattern().finditer(plain):
        numbers = list(_NUMBER_UNIT.finditer(plain, match.start(1), match.end(1) + 1))
        # « 3 et 6 ans »: a number without its unit takes the next one's.
        unit = None
        for number in reversed(numbers):
            unit = number.group(2) or unit
            if unit:
                value = int(number.group(1))
                found.append(Found(value if unit == "mois" else value * 12,
                                   *_span(text, number.start(), number.end())))
    return sorted(found, key=lambda f: f.start)


def children_ages(text: str) -> List[int]:
    return sorted({found.value for found in children_found(text)})
