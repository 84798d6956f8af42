"""Send the texts of `knowledge/messages.yml`, filled with the values of the answer."""
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from rasa_sdk.executor import CollectingDispatcher

MESSAGES_FILE = Path(__file__).resolve().parent.parent / "knowledge" / "messages.yml"


@lru_cache(maxsize=1)
def messages() -> Dict[str, str]:
    return yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))


def text(name: str, **values: Any) -> str:
    return messages()[name].format(**values)


def say(dispatcher: CollectingDispatcher, name: str, buttons: Optional[List[Dict[str, str]]] = None,
        **values: Any) -> None:
    dispatcher.utter_message(text=text(name, **values), buttons=buttons)
