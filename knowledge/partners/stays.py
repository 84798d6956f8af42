"""How long one can stay in a housing, read from the free text of `duree` (logements.csv).

Partners write it as they like: « court séjour (1 semaine à 3 mois) », « 1 mois à 2 ans »,
« bail mobilité 1 à 10 mois », « avril à octobre », « 6 mois renouvelable », « longue durée »,
« bail classique ». `stay_months` turns it into (shortest, longest) stay in months, either bound
None when the text does not set it; text it cannot read gives (None, None): the text is kept as
written and the housing is never filtered out for it. The words it knows are in
`knowledge/partners/vocabulary.yml` (`stay_words`).
"""
import re
from typing import Optional, Tuple

from unidecode import unidecode

from knowledge.partners import vocabulary
from knowledge.partners.normalise import key

Stay = Tuple[Optional[float], Optional[float]]
UNKNOWN: Stay = (None, None)

MONTH_NAMES = ["janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
               "octobre", "novembre", "decembre"]
# A month of 30.4 days: a week is 0.23 month.
UNITS = {"jour": 1 / 30.4, "nuit": 1 / 30.4, "semaine": 7 / 30.4, "mois": 1.0, "an": 12.0, "annee": 12.0}
NUMBER_WORDS = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
                "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "quinze": 15, "dix-huit": 18,
                "vingt-quatre": 24}
_NUMBER = r"(\d+(?:[.,]\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
_UNIT = r"(jours?|nuits?|semaines?|mois|ans?|annees?)\b"
_NUMBER_THEN = rf"\b{_NUMBER}\s*"
# « 1 semaine à 3 mois », « 1 à 10 mois », « de 6 à 24 mois », « entre 3 et 6 mois », « 3-12 mois »
_RANGE = re.compile(rf"{_NUMBER_THEN}(?:{_UNIT})?\s*(?:a|et|-)\s*{_NUMBER}\s*{_UNIT}")
_ONE = re.compile(rf"\b{_NUMBER}\s*{_UNIT}")
_MONTHS = re.compile(r"\b(" + "|".join(MONTH_NAMES) + r") ?(?:a|au|et|-) ?(?:l )?("
                     + "|".join(MONTH_NAMES) + r")\b")


def _number(text: str) -> float:
    return NUMBER_WORDS[text] if text in NUMBER_WORDS else float(text.replace(",", "."))


def _unit(text: str) -> float:
    return UNITS[text.rstrip("s") if text != "mois" else text]


def _round(value: float) -> float:
    return round(value, 2)


def stay_months(text: Optional[str]) -> Stay:
    """(shortest, longest) stay in months read from `text`; (None, None) when it says neither."""
    words_said = f" {key(text or '')} "
    if not words_said.strip():
        return UNKNOWN
    said = " ".join(re.sub(r"[^a-z0-9,.\-]+", " ", unidecode(text).lower()).split())
    words = vocabulary.vocabulary()["stay_words"]
    open_ended = any(f" {key(w)} " in words_said for w in words["open_ended"])
    found = _RANGE.search(said)
    if found:
        first, first_unit, second, second_unit = found.groups()
        high = _number(second) * _unit(second_unit)
        low = _number(first) * _unit(first_unit or second_unit)
        return _round(low), None if open_ended else _round(high)
    found = _MONTHS.search(said)
    if found:  # a season: « avril à octobre » is at most 7 months
        start, end = (MONTH_NAMES.index(m) for m in found.groups())
        return None, None if open_ended else float((end - start) % 12 + 1)
    found = _ONE.search(said)
    if found:
        months = _round(_number(found.group(1)) * _unit(found.group(2)))
        around = f" {' '.join(said[:found.start()].split()[-3:])} | {' '.join(said[found.end():].split()[:1])} "
        if any(f" {key(w)} |" in around or f"| {key(w)} " in around for w in words["at_most"]):
            return None, months
        if open_ended or any(f" {key(w)} |" in around or f"| {key(w)} " in around for w in words["at_least"]):
            return months, None
        return months, months
    for phrase, (low, high) in words["phrases"].items():
        if f" {key(phrase)} " in words_said:
            return (None if low is None else float(low)), (None if high is None else float(high))
    return UNKNOWN


def fits(stay: Stay, wanted: Stay) -> bool:
    """Whether a housing whose stays are `stay` can host a stay of `wanted` (bounds None are open):
    the two ranges overlap. An unknown stay fits everything."""
    low, high = stay
    wanted_low, wanted_high = wanted
    too_short = high is not None and wanted_low is not None and high < wanted_low
    too_long = low is not None and wanted_high is not None and low > wanted_high
    return not (too_short or too_long)
