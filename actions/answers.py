"""Shared shape of a topic answer: the action class around it, its buttons, its topic."""
from typing import Any, Callable, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.unavailable import DATABASE_ERRORS, say_unavailable

# An answer writes messages for one topic and returns the events to apply.
Answer = Callable[[CollectingDispatcher, Tracker], List[Dict[str, Any]]]


def buttons(pairs) -> List[Dict[str, str]]:
    return [{"title": title, "payload": payload} for title, payload in pairs]


def topic(name: str) -> Dict[str, Any]:
    """Remember the topic so that "et à Vue ?" answers the same question elsewhere."""
    return SlotSet("topic", name)


def topic_action(action_name: str, answer: Answer) -> type:
    """A rasa-sdk action class named `action_name` that runs `answer` (with a French « service
    momentanément indisponible » answer when the partner database cannot answer)."""

    class TopicAction(Action):
        def name(self) -> Text:
            return action_name

        async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict[str, Any]]:
            try:
                return answer(dispatcher, tracker)
            except DATABASE_ERRORS as error:
                return say_unavailable(dispatcher, error, action_name)

    TopicAction.__name__ = TopicAction.__qualname__ = "".join(p.title() for p in action_name.split("_"))
    return TopicAction
