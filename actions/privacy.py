"""« Supprimer mes données »: confirm, then erase the conversation's requests and contact.

The messages themselves are deleted by the tracker store (bot/tracker_store.py) when it saves a
turn that set the `data_erased` slot: Rasa writes the conversation back at the end of the turn,
so deleting them from here would not last.
"""
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import AnswerAction, buttons
from actions.messages import say
from actions.pending import Pending, set_pending
from knowledge.coordination import alerts, privacy
from knowledge.coordination.transcripts import ERASED_SLOT
from knowledge.texts import text


def confirm_erase(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    say(dispatcher, "erase_confirm", buttons=buttons([(text("button.yes_erase_everything"), "/affirm"),
                                                      (text("button.no_keep"), "/deny")]))
    return [set_pending(Pending.ERASE)]


def erase_data(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    privacy.erase_requests(tracker.sender_id)
    privacy.erase_applications(tracker.sender_id)
    alerts.erase(tracker.sender_id)
    say(dispatcher, "erase_done")
    # The widget forgets the conversation it keeps in the browser too (Telegram ignores this).
    dispatcher.utter_message(json_message={"data": {"erased": True}})
    return [set_pending(None), SlotSet(ERASED_SLOT, True)]


class ActionConfirmErase(AnswerAction):
    action_name = "action_confirm_erase"
    answer = staticmethod(confirm_erase)
