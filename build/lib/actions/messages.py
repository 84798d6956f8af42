"""Send a text of `knowledge/texts/` (read by `knowledge.texts`) as the action's answer."""
from typing import Any, Dict, List, Optional

from rasa_sdk.executor import CollectingDispatcher

from knowledge.texts import text


def say(dispatcher: CollectingDispatcher, name: str, buttons: Optional[List[Dict[str, str]]] = None,
        **values: Any) -> None:
    dispatcher.utter_message(text=text(name, **values), buttons=buttons)
