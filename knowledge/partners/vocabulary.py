"""Controlled values (contracts, work times, types) loaded from `vocabulary.yml`."""
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Tuple

import yaml

from knowledge.partners.normalise import key
from knowledge.texts import text

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.yml")


@lru_cache(maxsize=1)
def vocabulary() -> Dict[str, Any]:
    return yaml.safe_load(VOCABULARY_FILE.read_text(encoding="utf-8"))


def contract_types() -> Dict[str, Dict[str, Any]]:
    return vocabulary()["contract_types"]


def work_times() -> Dict[str, Dict[str, Any]]:
    return vocabulary()["work_times"]


def contract_label(code: str) -> str:
    return contract_types().get(code, {}).get("label", code)


def work_time_label(code: str) -> str:
    return work_times().get(code, {}).get("label", code.replace("_", " "))


def structure_type_label(code: str) -> str:
    return type_label("structure_types", code)


def event_type_label(code: str) -> str:
    return type_label("event_types", code)


def intent_label(code: str) -> str:
    """A button's intent in the coordinators' words (« Parler à un coordinateur »)."""
    return vocabulary().get("intent_labels", {}).get(code, text("console.intent_unknown"))


def topic_label(code: str) -> str:
    return vocabulary()["topics"].get(code, code.replace("_", " ")) if code else text("console.topic_unknown")


def channel_label(code: str) -> str:
    return vocabulary()["channels"].get(code, code)


# The open vocabularies of `type` columns: file of the import → section of vocabulary.yml.
OPEN_TYPES = {
    "structures.csv": "structure_types",
    "logements.csv": "housing_types",
    "garde_enfants.csv": "childcare_types",
    "mobilite.csv": "mobility_types",
    "evenements.csv": "event_types",
}


_WORD = re.compile(r"[^\W\d_]+")


def _accented(word: str) -> str:
    """`word` with its accents (section `accents` of vocabulary.yml) when it is known without them."""
    if word.isupper() and len(word) > 1:
        return word  # a sigle: SMR, FAM
    accented = vocabulary().get("accents", {}).get(word.lower())
    if accented is None:
        return word
    return accented.capitalize() if word[0].isupper() else accented


def humanise(value: str) -> str:
    """A value written in a file, shown as written but readable: `maison_partagee` → « maison partagée »
    (« _ » read as a space, common words written without their accents given them back)."""
    return _WORD.sub(lambda found: _accented(found.group()), value.replace("_", " ").strip())


def type_label(section: str, value: str) -> str:
    """The French label of a `type` (`section`: structure_types, housing_types…); an unknown one humanised."""
    return vocabulary()[section].get(value) or humanise(value)


def type_code(section: str, value: str) -> Tuple[str, bool]:
    """The value to store for a `type` cell, and whether it is a known code: a code, or a label
    written in any case or accents (« Maison de santé » → msp); anything else kept as written."""
    known = vocabulary()[section]
    if value in known:
        return value, True
    wanted = key(value).replace(" ", "_")
    for code, label in known.items():
        if wanted in (code, key(label).replace(" ", "_")):
            return code, True
    return value, False
