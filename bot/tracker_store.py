"""`PrivacySQLTrackerStore`: Rasa's SQL tracker store, which forgets a conversation on request.

Declared in endpoints.yml (`type: bot.tracker_store.PrivacySQLTrackerStore`). When the turn being
saved set the slot `data_erased` ("Supprimer mes données", confirmed: actions/privacy.py), the store
deletes every event of the conversation instead of saving it: deleting from the action itself would
not do, since Rasa saves the whole in-memory conversation again at the end of the turn. The next
message starts afresh.
"""
import logging

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

ERASED_SLOT = "data_erased"


def erasure_requested(tracker: DialogueStateTracker) -> bool:
    """Did the latest turn (since the last user message) erase the person's data?"""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, SlotSet) and event.key == ERASED_SLOT and event.value:
            return True
    return False


class PrivacySQLTrackerStore(SQLTrackerStore):
    async def save(self, tracker: DialogueStateTracker) -> None:
        if not erasure_requested(tracker):
            await super().save(tracker)
            return
        with self.session_scope() as session:
            deleted = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == tracker.sender_id).delete()
            session.commit()
        logger.info("Conversation effacée à la demande de la personne (%s événements)", deleted)
