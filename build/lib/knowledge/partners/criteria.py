"""What the user is looking for, read from the tracker's slots and made canonical.

One definition for the assistant (read from the tracker, actions/) and the console (read from a
request's stored criteria, bot/web/console/requests.py): « peu importe » (`ANY`) filters nothing.
"""
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Protocol

from knowledge.partners.naming import ANY, canonical


class Slots(Protocol):
    """What the criteria are read from: a rasa-sdk `Tracker` (the actions)."""

    def get_slot(self, key: str) -> Any: ...


@dataclass(frozen=True)
class Criteria:
    profession: Optional[str] = None
    commune: Optional[str] = None
    contract_type: Optional[str] = None
    work_time: Optional[str] = None

    @classmethod
    def from_tracker(cls, tracker: Slots) -> "Criteria":
        return cls(**{slot: canonical(slot, tracker.get_slot(slot)) for slot in cls.__dataclass_fields__})

    @classmethod
    def from_stored(cls, criteria: Mapping[str, Any]) -> "Criteria":
        """The criteria a request kept (`as_dict()`, knowledge/coordination/handoff.py); empty is missing."""
        return cls(**{slot: criteria.get(slot) or None for slot in cls.__dataclass_fields__})

    def value(self, slot: str) -> Optional[str]:
        """The slot's value as a filter: None when missing or "any"."""
        value = getattr(self, slot)
        return None if value == ANY else value

    def as_dict(self) -> Dict[str, str]:
        return {slot: getattr(self, slot) for slot in self.__dataclass_fields__ if getattr(self, slot)}

    def communes(self) -> Optional[List[str]]:
        commune = self.value("commune")
        return [commune] if commune else None
