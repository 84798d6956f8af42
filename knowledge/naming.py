"""Canonical names of the criteria (profession, commune, contract, work time), cached.

Professions and communes come from the database, so a new profession imported from
`metiers.yml` is understood without retraining; contracts and work times from vocabulary.yml.
"""
from functools import lru_cache
from typing import Dict, Optional

from knowledge import queries, vocabulary
from knowledge.normalise import Canonicaliser, key

ANY = "peu_importe"


def _with_labels(values: Dict[str, Dict]) -> Dict[str, list]:
    return {code: [*spec.get("synonymes", []), spec["label"]] for code, spec in values.items()}


@lru_cache(maxsize=1)
def canonicalisers() -> Dict[str, Canonicaliser]:
    names = queries.naming_vocabulary()
    return {
        "profession": Canonicaliser(names["profession"]),
        "commune": Canonicaliser(names["commune"], places=True),
        # Short words ("cdi", "nuit") must match exactly: no fuzzy matching under 10 letters.
        "contract_type": Canonicaliser(_with_labels(vocabulary.contract_types()), min_length=10),
        "work_time": Canonicaliser(_with_labels(vocabulary.work_times()), min_length=10),
    }


def forget() -> None:
    """Read the names again on next use (after an import, or between tests)."""
    canonicalisers.cache_clear()


def means_any(text: Optional[str]) -> bool:
    """True for answers like "peu importe", "n'importe où", "pas de préférence"."""
    wanted = f" {key(text or '')} "
    return wanted.strip() != "" and any(f" {key(p)} " in wanted for p in vocabulary.vocabulary()["any_value"])


def canonical(kind: str, value: object) -> Optional[str]:
    """The canonical value of `kind` for what was typed, `ANY`, or None when unknown."""
    if isinstance(value, list):
        value = value[-1] if value else None
    if value is None or value == "":
        return None
    value = str(value)
    if value == ANY or means_any(value):
        return ANY
    return canonicalisers()[kind].canonical(value)
