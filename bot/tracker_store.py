"""The tracker store named in endpoints.yml: Rasa's SQL store, in two layers.

`ErasingSQLTrackerStore` (Rasa's `SQLTrackerStore` + erasure). When the turn being saved set the
slot `data_erased` ("Supprimer mes données", confirmed: actions/privacy.py), the store deletes every
event of the conversation instead of saving it: deleting from the action itself would not do, since
Rasa saves the whole in-memory conversation again at the end of the turn. The next message starts
afresh. On SQLite (the default local store) it keeps its connections open and uses SQLite's
write-ahead log with `synchronous=NORMAL`: one fsync per checkpoint instead of per message (safe
against a crash of the process; a power cut can lose the last messages). PostgreSQL is left as
configured.

`WindowedSQLTrackerStore` (the one named in endpoints.yml: `type:
bot.tracker_store.WindowedSQLTrackerStore`) loads only the recent part of a long conversation.
Rasa loads every event of the current session at each message, replays them, featurises the whole
history for each prediction and sends it all to the action server, so a message costs more the
longer the conversation (docs/performance.md). Here, once the loaded part holds `MAX_TURNS` user
messages, the store records a *window* (table `tracker_windows`): the event where the last
`KEEP_TURNS` user messages begin, and the conversation's state just before it as Rasa events (the
slots that were set, the active form, a pause). Rasa then gets that state followed by the events
from there on. Both numbers come from the one history limit of bot/history.py
(`HISTORY_USER_MESSAGES`), which says what an action author finds in `tracker.events`. Every event
is still stored in `events`, so the coordinators' console and the HTTP API (`GET
/conversations/<id>/tracker` reads the full tracker) see the whole conversation. A window whose
first event is gone (retention purge) is ignored and the store falls back to Rasa's own loading.
It loads and saves with a few plain SQL statements (bot/sql_statements.py: the same rows, the same
order, Rasa's own rule for where the current session starts) instead of Rasa's ORM queries (the
store took a quarter of the Rasa server's time, mostly building and caching those queries), and
without Rasa's count of the stored events at every save (the ids of what was loaded or saved are
kept on the tracker). The tracker it saved last for each conversation is kept in memory and given
back at the next message when one indexed query shows nothing else wrote to the conversation since
(bot/recent_trackers.py), instead of loading and replaying its events again.

Neither layer sets logging up: log masking is installed where each process starts (the Rasa
server's in bot/rasa_process.py).
"""
import itertools
import json
import logging
from collections import namedtuple
from dataclasses import dataclass
from typing import Any, List, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActiveLoop,
    ConversationPaused,
    Event,
    LoopInterrupted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from bot.history import HISTORY_USER_MESSAGES
from bot.recent_trackers import Mark, RecentTrackers
from bot.sql_statements import Statement
from knowledge.coordination.transcripts import ERASED_SLOT, windows

logger = logging.getLogger(__name__)

# A window keeps at least KEEP_TURNS user messages and is moved on when it holds MAX_TURNS.
KEEP_TURNS = HISTORY_USER_MESSAGES
MAX_TURNS = 2 * HISTORY_USER_MESSAGES
_WINDOW = "_cotesoin_window"


EventRow = namedtuple("EventRow", "id type_name data")
WindowRow = namedtuple("WindowRow", "first_event_id state")

# Rasa's SQLTrackerStore._event_query: the events from the latest session start (by timestamp) on.
_CURRENT_SESSION = Statement("""
    SELECT id, type_name, data FROM events
    WHERE sender_id = :sender AND (
        timestamp >= (SELECT max(timestamp) FROM events WHERE sender_id = :sender AND type_name = :started)
        OR (SELECT max(timestamp) FROM events WHERE sender_id = :sender AND type_name = :started) IS NULL)
    ORDER BY id""", EventRow)
_FROM_EVENT = Statement(
    "SELECT id, type_name, data FROM events WHERE sender_id = :sender AND id >= :first ORDER BY id", EventRow)
_IDS_AFTER = Statement("SELECT id FROM events WHERE sender_id = :sender AND id > :after ORDER BY id")
_LAST_ID = Statement("SELECT coalesce(max(id), 0) FROM events WHERE sender_id = :sender")
# What changes whenever anything writes to or deletes from a conversation (bot/recent_trackers.py).
_MARK = Statement(
    "SELECT count(*), coalesce(max(id), 0), max(timestamp) FROM events WHERE sender_id = :sender")
_WINDOW_ROW = Statement("SELECT first_event_id, state FROM tracker_windows WHERE sender_id = :sender", WindowRow)


@dataclass
class LoadedWindow:
    """What the in-memory tracker holds: `prefix` state events (never stored), then stored events."""

    prefix: int
    ids: List[int]
    mark: Optional[Mark] = None  # the conversation's mark when it was loaded or last saved


def erasure_requested(tracker: DialogueStateTracker) -> bool:
    """Did the latest turn (since the last user message) erase the person's data?"""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, SlotSet) and event.key == ERASED_SLOT and event.value:
            return True
    return False


def state_events(tracker: DialogueStateTracker, timestamp: Optional[float]) -> List[Event]:
    """Events that give a fresh tracker the state of `tracker`: its set slots, form and pause."""
    state: List[Event] = [SlotSet(slot.name, slot.value, timestamp=timestamp)
                          for slot in tracker.slots.values() if slot.has_been_set]
    if tracker.active_loop_name:
        state.append(ActiveLoop(tracker.active_loop_name, timestamp=timestamp))
        if tracker.is_active_loop_interrupted:
            state.append(LoopInterrupted(True, timestamp=timestamp))
    if tracker.is_paused():
        state.append(ConversationPaused(timestamp=timestamp))
    return state


def _sqlite_write_ahead_log(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class ErasingSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL store, which deletes a conversation when its latest turn asked for it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # Kept-open connections (SQLAlchemy 1.4 opens and closes one per session for a SQLite
            # file, and closing the last one checkpoints the log), in the write-ahead-log mode.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, poolclass=QueuePool, pool_size=2,
                                           connect_args={"check_same_thread": False})
            sa.event.listen(self.engine, "connect", _sqlite_write_ahead_log)
            self.sessionmaker = sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if erasure_requested(tracker):
            self._erase(tracker.sender_id)
            return
        await self.save_turn(tracker)

    async def save_turn(self, tracker: DialogueStateTracker) -> None:
        """Save a turn that did not erase the conversation: Rasa's own way here."""
        await super().save(tracker)

    def forget(self, session, sender_id: str) -> int:
        """Delete what is stored of a conversation in `session`; the number of events deleted."""
        return session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).delete()

    def _erase(self, sender_id: str) -> None:
        with self.session_scope() as session:
            deleted = self.forget(session, sender_id)
            session.commit()
        logger.info("Conversation effacée à la demande de la personne (%s événements)", deleted)


class WindowedSQLTrackerStore(ErasingSQLTrackerStore):
    """The erasing store, loading a long conversation's state and recent events only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        windows.create(self.engine, checkfirst=True)
        self._insert = Statement(self.SQLEvent.__table__.insert())
        self._recent = RecentTrackers()

    @SQLTrackerStore.domain.setter
    def domain(self, domain: Optional[Domain]) -> None:
        """Set at each model load (rasa/core/agent.py): the trackers kept hold the slots of the previous
        model's domain, so they are dropped."""
        SQLTrackerStore.domain.fset(self, domain)
        self._recent = RecentTrackers()

    # Loading ---------------------------------------------------------------------------------

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The current session, or its state and recent events once it is long (see above)."""
        with self.engine.begin() as connection:  # SQL statements only: no ORM session needed
            mark = tuple(_MARK.rows(connection, sender=sender_id)[0])
            tracker = self._recent.take(sender_id, mark)
            if tracker is not None:
                return tracker
            prefix, rows = self._window_rows(connection, sender_id)
            if rows is None:
                prefix, rows = [], self._current_session(connection, sender_id)
            events = prefix + [json.loads(row.data) for row in rows]
            if not self.domain or not events:
                return None
            tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        setattr(tracker, _WINDOW, LoadedWindow(len(prefix), [row.id for row in rows], mark))
        return tracker

    @staticmethod
    def _current_session(connection, sender_id: str):
        return _CURRENT_SESSION.rows(connection, sender=sender_id, started=SessionStarted.type_name)

    def _window_rows(self, connection, sender_id: str):
        """(state events, rows from the window's first event), or (None, None) without a usable window."""
        windows_found = _WINDOW_ROW.rows(connection, sender=sender_id)
        if not windows_found:
            return None, None
        window = windows_found[0]
        rows = _FROM_EVENT.rows(connection, sender=sender_id, first=window.first_event_id)
        if not rows or rows[0].id != window.first_event_id:
            # Its first event was deleted (retention purge, erasure): the window no longer applies.
            connection.execute(sa.delete(windows).where(windows.c.sender_id == sender_id))
            return None, None
        starts = [i for i, row in enumerate(rows) if row.type_name == SessionStarted.type_name]
        if starts:
            # A session started after the window: Rasa loads from there, without the old state.
            return [], rows[starts[-1]:]
        return json.loads(window.state), rows

    # Saving ----------------------------------------------------------------------------------

    async def save_turn(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        loaded: Optional[LoadedWindow] = getattr(tracker, _WINDOW, None)
        # Only a tracker this store loaded (or saved) can be what the next load gives.
        reusable = loaded is not None
        with self.engine.begin() as connection:
            if loaded is None:
                # A tracker this store did not load: what is stored of its session, as Rasa counts it.
                loaded = LoadedWindow(0, [row.id for row in self._current_session(connection, tracker.sender_id)])
                setattr(tracker, _WINDOW, loaded)
            new_events = list(tracker.events)[loaded.prefix + len(loaded.ids):]
            if new_events or loaded.mark is None:
                if new_events:
                    after = loaded.ids[-1] if loaded.ids else _LAST_ID.rows(connection, sender=tracker.sender_id)[0][0]
                    self._insert.insert_many(connection, [self._row(tracker.sender_id, event) for event in new_events])
                    added = _IDS_AFTER.rows(connection, sender=tracker.sender_id, after=after)
                    loaded.ids.extend(row[0] for row in added)
                    reusable = not self._move_window(connection, tracker, loaded) and reusable
                loaded.mark = tuple(_MARK.rows(connection, sender=tracker.sender_id)[0])
        if reusable and self._loads_as_saved(tracker, loaded):
            self._recent.keep(tracker, loaded.mark)
        else:
            self._recent.forget(tracker.sender_id)
        logger.debug(f"Tracker with sender_id '{tracker.sender_id}' stored to database")

    @staticmethod
    def _loads_as_saved(tracker: DialogueStateTracker, loaded: LoadedWindow) -> bool:
        """Would loading the conversation now give the events of `tracker`? Not when it holds other
        events before a new session's start (a load starts at the session) or more than was stored."""
        events = tracker.events
        if loaded.prefix + len(loaded.ids) != len(events):
            return False
        return not any(isinstance(event, SessionStarted) for event in itertools.islice(events, 1, None))

    @staticmethod
    def _row(sender_id: str, event: Event) -> dict:
        """The row Rasa's SQLTrackerStore.save writes for an event."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    def _move_window(self, connection, tracker: DialogueStateTracker, loaded: LoadedWindow) -> bool:
        """Once the loaded part holds MAX_TURNS user messages, start it KEEP_TURNS messages back.
        Whether it did (the next load then gives fewer events than `tracker` has)."""
        events = list(tracker.events)
        turns = [i for i in range(loaded.prefix, len(events)) if isinstance(events[i], UserUttered)]
        if len(turns) < MAX_TURNS:
            return False
        cut = turns[-KEEP_TURNS]
        before = DialogueStateTracker.from_events(tracker.sender_id, events[:cut], self.domain.slots)
        timestamp = events[cut].timestamp
        state = json.dumps([event.as_dict() for event in state_events(before, timestamp)])
        values = {"first_event_id": loaded.ids[cut - loaded.prefix], "timestamp": timestamp, "state": state}
        mine = windows.c.sender_id == tracker.sender_id
        updated = connection.execute(sa.update(windows).where(mine).values(**values))
        if not updated.rowcount:
            connection.execute(sa.insert(windows).values(sender_id=tracker.sender_id, **values))
        return True

    def forget(self, session, sender_id: str) -> int:
        self._recent.forget(sender_id)
        session.execute(sa.delete(windows).where(windows.c.sender_id == sender_id))
        return super().forget(session, sender_id)
