"""The trackers the store saved last, kept in memory to spare the next message their loading.

Loading a conversation (bot/tracker_store.py) reads its events, turns each back into a Rasa event
and replays them all: 1.3–1.4 ms of the Rasa process per message (docs/performance.md). The
tracker Rasa just saved is the one the next message would load, as long as nothing else has
written to the conversation since: another Rasa process of the scaled setup, the coordinators'
console appending events through Rasa's HTTP API, an erasure or the retention purge. Each of
those adds or deletes rows of `events`, so a conversation's *mark* — how many events it has, its
latest event id and latest timestamp, one indexed query — tells whether the stored conversation
is still the one saved: the timestamp catches SQLite giving an erased conversation's ids again.

A tracker is taken out of the cache when it is handed to Rasa, and put back only when saved: a
message that fails half-way leaves nothing behind, and the next one loads from the database.
"""
from collections import OrderedDict
from typing import Optional, Tuple

from rasa.shared.core.trackers import DialogueStateTracker

# Conversations kept: the ones being written in now (a tracker of a few dozen events each).
MAX_CONVERSATIONS = 256

Mark = Tuple[int, int, Optional[float]]  # (number of events, latest id, latest timestamp)


class RecentTrackers:
    """At most MAX_CONVERSATIONS saved trackers, each with the conversation's mark once saved."""

    def __init__(self, size: int = MAX_CONVERSATIONS) -> None:
        self.size = size
        self._kept: "OrderedDict[str, Tuple[DialogueStateTracker, Mark, int]]" = OrderedDict()

    def take(self, sender_id: str, mark: Mark) -> Optional[DialogueStateTracker]:
        """The tracker saved for `sender_id` if the conversation still has that mark (and the
        tracker has not been changed since); it leaves the cache either way."""
        kept = self._kept.pop(sender_id, None)
        if kept is None:
            return None
        tracker, saved_mark, length = kept
        if saved_mark != mark or len(tracker.events) != length:
            return None
        return tracker

    def keep(self, tracker: DialogueStateTracker, mark: Mark) -> None:
        self._kept.pop(tracker.sender_id, None)
        self._kept[tracker.sender_id] = (tracker, mark, len(tracker.events))
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def forget(self, sender_id: str) -> None:
        self._kept.pop(sender_id, None)

    def __contains__(self, sender_id: str) -> bool:
        return sender_id in self._kept
