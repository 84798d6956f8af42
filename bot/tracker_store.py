"""`PrivacySQLTrackerStore`: Rasa's SQL tracker store, which forgets a conversation on request.

Declared in endpoints.yml (`type: bot.tracker_store.PrivacySQLTrackerStore`). When the turn being
saved ran `action_erase_my_data` ("Supprimer mes données"), the store deletes every event of the
conversation instead of saving it: deleting from the action itself would not do, since Rasa saves
the whole in-memory conversation again at the end of the turn. The next message starts afresh.
"""
import logging

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

ERASE_ACTION = "action_erase_my_data"


def erasure_requested(tracker: DialogueStateTracker) -> bool:
    """Did the latest turn (since the last user message) run the erasing action?"""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name == ERASE_ACTION:
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
