"""The assistant's texts (`knowledge/messages.yml`), filled with the values of the answer.

Below the actions and the web process: both say these sentences (actions/messages.py, bot/held.py,
the console's join and leave messages in bot/web/console/rasa.py).
"""
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

MESSAGES_FILE = Path(__file__).resolve().parent / "messages.yml"


@lru_cache(maxsize=1)
def messages() -> Dict[str, str]:
    return yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))


def text(name: str, **values: Any) -> str:
    return messages()[name].format(**values)
