"""Controlled values (contracts, work times, types) loaded from `vocabulary.yml`."""
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

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
    return vocabulary()["structure_types"].get(code, code.replace("_", " "))


def event_type_label(code: str) -> str:
    return vocabulary()["event_types"].get(code, code.replace("_", " "))


def intent_label(code: str) -> str:
    """A button's intent in the coordinators' words (« Parler à un coordinateur »)."""
    return vocabulary().get("intent_labels", {}).get(code, "un choix proposé par l'assistant")


def topic_label(code: str) -> str:
    return vocabulary()["topics"].get(code, code.replace("_", " ")) if code else "non précisé"


def channel_label(code: str) -> str:
    return vocabulary()["channels"].get(code, code)
