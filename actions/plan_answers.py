"""Read the installation form's typed answers (words in knowledge/partners/plan.yml), and what the
conversation already said. Pure functions: None means « not understood »."""
import re
from datetime import date
from typing import Any, Dict, Iterable, List, Optional, Sequence

from knowledge.partners.normalise import key
from knowledge.partners.plan_builder import settings

SKIPPED = "passe"
NONE = "aucun"
# A number, its unit, and the word after it: a number without unit takes the next one's only when
# a list goes on (« 3 et 6 ans », « 3, 6 ans », « 2 ou 3 ans »).
_NUMBER_UNIT_AFTER = re.compile(r"\b(\d{1,2})(?: ?(mois|ans?))?(?= (\S*))")
_UNIT_CARRIED_OVER = {"et", "ou", "a"} | {str(n) for n in range(100)}
_MONTH_YEAR = re.compile(r"\b(\d{1,2}) ?[/-] ?(\d{4})\b")


def _said(text: str) -> str:
    return f" {key(text or '')} "


def names(text: str, phrases: Iterable[str]) -> bool:
    said = _said(text)
    return any(f" {key(p)} " in said for p in phrases if key(p))


def is_skip(text: str) -> bool:
    return key(text or "") in {key(w) for w in settings()["skip_words"]}


def is_none(text: str) -> bool:
    return key(text or "") in {key(w) for w in settings()["none_words"]}


def arrival(text: str, today: date) -> Optional[str]:
    """"YYYY-MM" of the month named (the next one to come), « 03/2027 », or « le mois prochain »."""
    said = key(text or "")
    match = _MONTH_YEAR.search(text or "")
    if match and 1 <= int(match.group(1)) <= 12:
        return f"{int(match.group(2)):04d}-{int(match.group(1)):02d}"
    ahead = next((n for phrase, n in settings()["months_from_now"].items() if f" {key(phrase)} " in f" {said} "), None)
    if ahead is None:
        month = next((m for word, m in settings()["months"].items() if f" {key(word)} " in f" {said} "), None)
        if month is None:
            return None
        year = re.search(r"\b(20\d\d)\b", said)
        if year:
            return f"{year.group(1)}-{month:02d}"
        ahead = (month - today.month) % 12
    index = today.year * 12 + today.month - 1 + ahead
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _choice(text: str, table: Dict[str, Sequence[str]]) -> Optional[str]:
    said = _said(text)
    return next((value for value, words in table.items() if any(f" {key(w)} " in said for w in words)), None)


def hours(text: str) -> Optional[str]:
    """jour / nuit / mixte (mixed first: « jour et nuit » is mixed, not night)."""
    table = settings()["hours"]
    return _choice(text, {"mixte": table["mixte"], "nuit": table["nuit"], "jour": table["jour"]})


def children(text: str) -> Optional[List[int]]:
    """Ages in months (« 3 et 6 ans » → [36, 72], « un bébé de 8 mois » → [8], the count of « 2 enfants
    de 3 et 6 ans » left out); [] for « pas d'enfant »."""
    if is_none(text):
        return []
    ages, unit = [], None
    for number, this_unit, after in reversed(_NUMBER_UNIT_AFTER.findall(key(text or "") + " ")):
        if this_unit:
            unit = this_unit
        elif after not in _UNIT_CARRIED_OVER:  # « 2 enfants de 3 et 6 ans »: 2 is how many, not an age
            unit = None
            continue
        if unit:
            ages.append(int(number) if unit == "mois" else int(number) * 12)
    return sorted(set(ages)) or None


def car(text: str, intent: Optional[str] = None) -> Optional[bool]:
    table = settings()["car"]
    if names(text, table["no"]) or intent == "deny":
        return False
    if names(text, table["yes"]) or intent == "affirm":
        return True
    return None


def housing(text: str) -> Optional[str]:
    if is_none(text):
        return NONE
    return _choice(text, settings()["housing_needs"])


def practice(text: str) -> Optional[str]:
    return _choice(text, settings()["practices"])


def car_from_conversation(texts: Iterable[str]) -> Optional[bool]:
    """Whether an earlier message said there is a car (« une voiture pour deux ») or none."""
    config = settings()
    for text in texts:
        if names(text, config["said_no_car"]):
            return False
        if names(text, config["said_car"]):
            return True
    return None


def _only(text: str, table: Dict[str, Sequence[str]]) -> Optional[str]:
    """The one value whose words `text` names; None when it names none or several."""
    said = _said(text)
    found = {value for value, words in table.items() if any(f" {key(w)} " in said for w in words)}
    return found.pop() if len(found) == 1 else None


def said_hours(text: str) -> Optional[str]:
    """`hours` read with the words that need no question (« je travaille de nuit »)."""
    return _choice(text, settings()["said_hours"])


def said_arrival(text: str, today: date) -> Optional[str]:
    """`arrival` of a month named after « en », « à la », « dès »… (« en mars », « à la rentrée »),
    or written « 03/2027 »; a month named otherwise says nothing about the arrival."""
    if _MONTH_YEAR.search(text or ""):
        return arrival(text, today)
    config = settings()
    before = "|".join(re.escape(key(w)) for w in sorted(config["said_arrival_before"], key=len, reverse=True))
    months = "|".join(re.escape(key(m)) for m in config["months"])
    match = re.search(rf" (?:{before}) ((?:{months})(?: 20\d\d)?) ", _said(text))
    return arrival(match.group(1), today) if match else None


def said_practice(text: str) -> Optional[str]:
    """liberal / salarie when a message says so, and only one of them."""
    return _only(text, settings()["said_practices"])


def may_be_liberal(profession: Optional[str]) -> bool:
    return profession is None or profession in settings()["liberal_professions"]


def answered(value: Any) -> Any:
    """A slot's value as the situation keeps it: None when skipped or said « aucun »."""
    return None if value in (None, SKIPPED, NONE) else value
