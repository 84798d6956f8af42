"""Canonical names of the criteria (profession, commune, contract, work time), cached.

Professions and communes come from the database, so a new profession imported from
`metiers.yml` is understood without retraining; contracts and work times from vocabulary.yml.
"""
import time
from typing import Dict, Optional, Tuple

from knowledge.partners import queries, vocabulary
from knowledge.partners.normalise import Canonicaliser, key

ANY = "peu_importe"


def _with_labels(values: Dict[str, Dict]) -> Dict[str, list]:
    return {code: [*spec.get("synonymes", []), spec["label"]] for code, spec in values.items()}


# Other processes (the console's import, `cotesoin import`) may change the names: read them again
# after this many seconds.
REFRESH_SECONDS = 300.0
_cached: Optional[Tuple[float, Dict[str, Canonicaliser]]] = None


def canonicalisers() -> Dict[str, Canonicaliser]:
    global _cached
    if _cached is None or time.monotonic() - _cached[0] > REFRESH_SECONDS:
        _cached = (time.monotonic(), _build())
    return _cached[1]


def _build() -> Dict[str, Canonicaliser]:
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
    global _cached
    _cached = None


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
