"""Every French sentence and button title the guichet shows, read from `knowledge/texts/*.yml`.

One loader for the actions, the channels (web, Telegram, REST), the mails, the alerts and the
coordinators' console; only Rasa's domain responses live elsewhere (`domain.yml`). Each YAML file is
a flat mapping `key: text`, keys unique across the files; `{placeholders}` are filled by
`text(key, **values)` with `str.format`.

A key that does not exist, or a placeholder without its value, raises `MissingText` (a
`KeyError`, as the former `actions.messages.text` raised) naming the key: loud in tests, and
tests/test_texts.py checks statically that every key used in code exists, with the values it
needs. A person never reads the error: an action's exception goes to the action server's log, a
web handler's becomes the French error page (bot/web/middlewares.py).
"""
import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Set

import yaml

TEXTS_DIR = Path(__file__).resolve().parent / "texts"


class MissingText(KeyError):
    """A text key absent from the YAML files, or a placeholder of the text without its value."""

    def __str__(self) -> str:
        return str(self.args[0])


@lru_cache(maxsize=1)
def texts() -> Dict[str, str]:
    """All the texts, key -> text as written (placeholders unfilled), from every file of TEXTS_DIR."""
    merged: Dict[str, str] = {}
    origin: Dict[str, str] = {}
    for path in sorted(TEXTS_DIR.glob("*.yml")):
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"{path}: expected a mapping 'key: text'")
        for key, value in loaded.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise ValueError(f"{path}: {key!r} must be a text key with a text value")
            if key in merged:
                raise ValueError(f"{path}: key {key!r} already defined in {origin[key]}")
            merged[key] = value
            origin[key] = path.name
    return merged


def template(key: str) -> str:
    """The text of `key` as written, `{placeholders}` left for the caller's `str.format`."""
    try:
        return texts()[key]
    except KeyError:
        raise MissingText(f"no text {key!r} in {TEXTS_DIR}") from None


def placeholders(key: str) -> Set[str]:
    """The names of the `{placeholders}` of the text of `key`."""
    return {field for _, field, _, _ in string.Formatter().parse(template(key)) if field}


def text(key: str, **values: Any) -> str:
    """The text of `key`, its `{placeholders}` filled with `values`."""
    written = template(key)
    try:
        return written.format(**values)
    except KeyError as missing:
        raise MissingText(f"text {key!r}: no value for the placeholder {missing}") from None
