"""Read conversations from Rasa's SQL tracker store (table `events`), for the console.

Rasa writes the store; this module only reads it, with its own lazily built engine.
"""
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, func, inspect, select
from sqlalchemy.engine import Engine

from knowledge import db, settings
from knowledge.partners import vocabulary
from knowledge.texts import text as message_text

EXTERNAL_PREFIX = "EXTERNAL: "
# The slot action_erase_data sets once a conversation is erased: the tracker store then forgets
# what came before it (bot/tracker_store.py).
ERASED_SLOT = "data_erased"

_metadata = MetaData()
events = Table(
    "events", _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)
# Written by the tracker store (bot/tracker_store.py): per conversation, where the part Rasa loads
# begins (`first_event_id`) and the state the conversation had there (slots, form, pause) as
# Rasa events in JSON. Derived from `events`; erased and purged with them (knowledge/coordination/privacy.py).
windows = Table(
    "tracker_windows", _metadata,
    Column("sender_id", String(255), primary_key=True),
    Column("first_event_id", Integer, nullable=False),
    Column("timestamp", Float),
    Column("state", Text, nullable=False),
)
_engine: Optional[Engine] = None


@dataclass(frozen=True)
class Line:
    """One line of a transcript. `who`: user, assistant, coordinator or system (pause, resume)."""

    id: int
    who: str
    text: str
    at: datetime
    author: str = ""
    intent: str = ""


def engine() -> Engine:
    global _engine
    if _engine is None:
        _engine = db.make_engine(settings.tracker_store_url())
    return _engine


def dispose() -> None:
    global _engine
    if _engine is not None:
        _engine.dispose()
    _engine = None


def _line(row, buttons: Dict[str, str]) -> Optional[Line]:
    """One stored event as a transcript line; `buttons` maps the payloads of the latest buttons
    the assistant showed to their titles (updated here), so that a click reads as its title."""
    data = json.loads(row.data or "{}")
    at = datetime.utcfromtimestamp(row.timestamp or 0)
    if row.type_name == "user":
        text = data.get("text") or ""
        if text.startswith(EXTERNAL_PREFIX):
            return None
        intent = (data.get("parse_data") or {}).get("intent", {}).get("name") or ""
        if text.startswith("/"):
            text = message_text("console.transcript_button", label=buttons.get(text) or vocabulary.intent_label(intent))
        return Line(row.id, "user", text, at, intent=intent)
    if row.type_name == "bot":
        author = (data.get("metadata") or {}).get("coordinator") or ""
        shown = (data.get("data") or {}).get("buttons") or []
        if shown:
            buttons.clear()
            buttons.update({b.get("payload", ""): b.get("title", "") for b in shown})
        text = data.get("text") or " | ".join(b.get("title", "") for b in shown)
        if not text:  # a signal for the widget (a coordinator joined or left), nothing to read
            return None
        return Line(row.id, "coordinator" if author else "assistant", text, at, author=author)
    if row.type_name in ("pause", "resume"):
        return Line(row.id, "system", "Conversation suspendue (coordinateur·rice)" if row.type_name == "pause"
                    else "L'assistant a repris la conversation", at)
    return None


def table_exists(connection) -> bool:
    """False until Rasa has stored a first conversation."""
    return inspect(connection).has_table("events")


def windows_exist(connection) -> bool:
    """Whether the tracker store has created its `tracker_windows` table."""
    return inspect(connection).has_table("tracker_windows")


def _no_table(error: Exception) -> bool:
    """No conversation stored yet: Rasa has not created its table."""
    return "events" in str(error) and ("no such table" in str(error) or "does not exist" in str(error))


def _read(read: Callable[[Any], Any], empty: Any) -> Any:
    """`read(connection)` on the conversations' database; `empty` while Rasa has not created its table."""
    try:
        with engine().connect() as connection:
            return read(connection)
    except Exception as error:
        if _no_table(error):
            return empty
        raise


def transcript(sender_id: str, after_id: int = 0, limit: int = 2000) -> List[Line]:
    """The messages of a conversation in order (the last `limit` ones), after event `after_id`."""
    query = (select(events.c.id, events.c.type_name, events.c.timestamp, events.c.data)
             .where(events.c.sender_id == sender_id, events.c.id > after_id,
                    events.c.type_name.in_(["user", "bot", "pause", "resume"]))
             .order_by(events.c.id.desc()).limit(limit))
    rows = _read(lambda connection: list(connection.execute(query)), [])
    buttons: Dict[str, str] = {}
    return [line for line in (_line(row, buttons) for row in reversed(rows)) if line is not None]


def last_event_id(sender_id: str) -> int:
    """The newest stored event of a conversation (0 if none): tells the console something changed."""
    query = select(func.max(events.c.id)).where(events.c.sender_id == sender_id)
    return _read(lambda connection: connection.scalar(query), 0) or 0


def bot_events(sender_id: str, limit: int) -> List[dict]:
    """The last `limit` messages the assistant or a coordinator sent in a conversation (`bot` events
    as Rasa stored them, oldest first): what a widget tab missed is taken from them (bot/web/replay.py)."""
    query = (select(events.c.data).where(events.c.sender_id == sender_id, events.c.type_name == "bot")
             .order_by(events.c.id.desc()).limit(limit))
    rows = _read(lambda connection: list(connection.execute(query)), [])
    return [json.loads(row.data or "{}") for row in reversed(rows)]
