"""The referential of professions the assistant knows (`professions.yml`): codes, labels, one-line
descriptions, synonyms.

An opening may name any of these codes even when the imported folder's `metiers.yml` does not
describe it; a `metiers.yml` adds professions or replaces their texts.
"""
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List

import yaml
from rapidfuzz import fuzz, process

from knowledge.partners.normalise import key

REFERENTIAL_FILE = Path(__file__).with_name("professions.yml")


@lru_cache(maxsize=1)
def referential() -> Dict[str, Dict[str, object]]:
    """{code: {"libelle": label, "description": text, "synonymes": [...]}} in the file's order."""
    entries = yaml.safe_load(REFERENTIAL_FILE.read_text(encoding="utf-8"))
    return {e["code"]: {"libelle": e["libelle"], "description": str(e.get("description") or ""),
                        "synonymes": list(e.get("synonymes") or [])} for e in entries}


def code_for(value: str, labels: Dict[str, Iterable[str]]) -> str:
    """The code `value` names, among `labels` ({code: [label, synonyms…]}): the code itself, or a
    label or synonym written in any case or accents (« Infirmier·ère », « kiné »); "" if none."""
    if value in labels:
        return value
    wanted = key(value)
    for code, names in labels.items():
        if wanted == key(code) or any(wanted == key(name) for name in names):
            return code
    return ""


def closest(value: str, labels: Dict[str, Iterable[str]], limit: int = 3) -> List[str]:
    """The codes whose code, label or synonyms look most like `value` (rapidfuzz), best first."""
    forms = {}
    for code, names in labels.items():
        for form in (code, *names):
            forms.setdefault(key(form), code)
    found: List[str] = []
    for _form, score, _index in process.extract(key(value), list(forms), scorer=fuzz.ratio, limit=20):
        code = forms[_form]
        if score >= 70 and code not in found:
            found.append(code)
    return found[:limit]
