"""Hand a conversation over to the Côté Soin coordinators."""
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import topic_action
from actions.criteria import Criteria
from actions.messages import say
from knowledge import handoff


def request_human(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """Record (or refresh) the request with who, where, what about and the criteria collected."""
    request_id, created = handoff.record_request(
        sender_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "inconnu",
        topic=tracker.get_slot("topic") or "",
        criteria=Criteria.from_tracker(tracker).as_dict(),
    )
    say(dispatcher, "handoff_recorded" if created else "handoff_already",
                             request_id=request_id)
    return [SlotSet("pending", None)]


ActionRequestHuman = topic_action("action_request_human", request_human)
