"""Write conversations into a tracker store the way Rasa's SQLTrackerStore does (for the observatory)."""
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from knowledge.conversations import unmet_search
from knowledge.coordination import transcripts
from knowledge.partners.naming import ANY

PARIS = ZoneInfo("Europe/Paris")


def at(text: str) -> float:
    """'2025-03-28 10:00' in Paris time, as Rasa's timestamp (UTC epoch seconds)."""
    return datetime.fromisoformat(text).replace(tzinfo=PARIS).timestamp()


@dataclass
class Conversations:
    """Events of many conversations, written in one go by `save()`."""

    rows: List[Dict[str, Any]] = field(default_factory=list)
    # each conversation's slots as Rasa holds them, for the criteria a search records
    current: Dict[str, Dict[str, Any]] = field(default_factory=dict)

    def event(self, sender: str, data: Dict[str, Any]) -> None:
        intent = (data.get("parse_data") or {}).get("intent", {}).get("name")
        self.rows.append({"sender_id": sender, "type_name": data["event"], "timestamp": data["timestamp"],
                          "intent_name": intent, "action_name": data.get("name"), "data": json.dumps(data)})

    def action(self, sender: str, moment: float, name: str, **slots: Any) -> None:
        self.event(sender, {"event": "action", "timestamp": moment, "name": name, "policy": None,
                            "confidence": 1.0})
        self.slots(sender, moment, **slots)

    def slots(self, sender: str, moment: float, **slots: Any) -> None:
        for name, value in slots.items():
            self.event(sender, {"event": "slot", "timestamp": moment, "name": name, "value": value})
            self.current.setdefault(sender, {})[name] = value

    def start(self, sender: str, moment: float, **carried: Any) -> None:
        """A new session: what action_session_start writes, with the slots it carries over."""
        self.action(sender, moment, "action_session_start")
        self.event(sender, {"event": "session_started", "timestamp": moment})
        self.slots(sender, moment, **carried)
        self.action(sender, moment, "action_listen")

    def user(self, sender: str, moment: float, text: str, intent: str, channel: Optional[str] = "socketio",
             **slots: Any) -> None:
        entities = [{"entity": name, "value": value} for name, value in slots.items()]
        self.event(sender, {"event": "user", "timestamp": moment, "text": text, "input_channel": channel,
                            "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": entities,
                                           "text": text}})
        self.slots(sender, moment, **slots)

    def bot(self, sender: str, moment: float, text: str) -> None:
        self.event(sender, {"event": "bot", "timestamp": moment, "text": text, "data": {}})

    def search(self, sender: str, moment: float, found: int, offset: int = 0) -> None:
        """The job search as actions/jobs.py records it: when a new search finds nothing, the
        `unmet_search` marker with the criteria of the moment, then its reset; then the topic and
        the openings shown so far. `offset`: a later page (« voir la suite »)."""
        if not found and not offset:
            criteria = {name: self.current.get(sender, {}).get(name) for name in unmet_search.FIELDS}
            value = unmet_search.marker(**{k: None if v == ANY else v for k, v in criteria.items()})
            self.event(sender, {"event": "action", "timestamp": moment, "name": "action_search_jobs",
                                "policy": None, "confidence": 1.0})
            self.slots(sender, moment, **{unmet_search.SLOT: value})
            self.slots(sender, moment, **{unmet_search.SLOT: None})
            self.slots(sender, moment, topic="jobs", jobs_offset=float(offset + found), pending="human")
        else:
            self.action(sender, moment, "action_search_jobs", topic="jobs", jobs_offset=float(offset + found),
                        pending="more_jobs" if found else None)
        self.bot(sender, moment, "…")
        self.action(sender, moment, "action_listen")

    def old_search(self, sender: str, moment: float, found: int) -> None:
        """The job search as it was recorded before the marker: only `jobs_offset`, 0 when nothing was found."""
        self.action(sender, moment, "action_search_jobs", topic="jobs", jobs_offset=float(found),
                    pending=None if found else "human")
        self.bot(sender, moment, "…")
        self.action(sender, moment, "action_listen")

    def save(self) -> None:
        with transcripts.engine().begin() as connection:
            if self.rows:
                connection.execute(insert(transcripts.events), self.rows)
        self.rows = []
