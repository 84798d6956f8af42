"""Write conversations into a tracker store the way Rasa's SQLTrackerStore does (for the observatory)."""
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from knowledge import transcripts

PARIS = ZoneInfo("Europe/Paris")


def at(text: str) -> float:
    """'2025-03-28 10:00' in Paris time, as Rasa's timestamp (UTC epoch seconds)."""
    return datetime.fromisoformat(text).replace(tzinfo=PARIS).timestamp()


@dataclass
class Conversations:
    """Events of many conversations, written in one go by `save()`."""

    rows: List[Dict[str, Any]] = field(default_factory=list)

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

    def search(self, sender: str, moment: float, found: int) -> None:
        """The job search as actions/jobs.py records it (topic, then the openings shown so far)."""
        self.action(sender, moment, "action_search_jobs", topic="jobs", jobs_offset=float(found),
                    pending=None if found else "human")
        self.bot(sender, moment, "…")
        self.action(sender, moment, "action_listen")

    def save(self) -> None:
        with transcripts.engine().begin() as connection:
            if self.rows:
                connection.execute(insert(transcripts.events), self.rows)
        self.rows = []
