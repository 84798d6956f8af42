"""Shared shape of a topic answer: the action class around it, its buttons, its topic."""
import abc
from typing import Any, Callable, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.unavailable import DATABASE_ERRORS, already_said, say_unavailable
from knowledge.partners.topics import Topic

# An answer writes messages for one topic and returns the events to apply.
Answer = Callable[[CollectingDispatcher, Tracker], List[Dict[str, Any]]]


def buttons(pairs) -> List[Dict[str, str]]:
    return [{"title": title, "payload": payload} for title, payload in pairs]


def topic(name: Topic) -> Dict[str, Any]:
    """Remember the topic so that "et à Vue ?" answers the same question elsewhere."""
    return SlotSet("topic", Topic(name).value)


class AnswerAction(Action, abc.ABC):
    """A rasa-sdk action that runs one answer: a subclass names the action (`action_name`) and gives
    the answer function (`answer = staticmethod(...)`); a French « service momentanément
    indisponible » answer when the partner database cannot answer, and nothing when a form already
    said so for this message (the answer Rasa runs once the form ended). Abstract, so rasa-sdk
    registers only the subclasses."""

    action_name: Text

    @staticmethod
    @abc.abstractmethod
    def answer(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
        """Write the messages and return the events to apply."""

    def name(self) -> Text:
        return self.action_name

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict[str, Any]]:
        if already_said(tracker):
            return []
        try:
            return self.answer(dispatcher, tracker)
        except DATABASE_ERRORS as error:
            return say_unavailable(dispatcher, error, self.action_name)
