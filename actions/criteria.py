"""What the user is looking for, read from the tracker's slots and made canonical."""
from dataclasses import dataclass
from typing import Dict, List, Optional

from rasa_sdk import Tracker

from knowledge.partners.naming import ANY, canonical


@dataclass(frozen=True)
class Criteria:
    profession: Optional[str] = None
    commune: Optional[str] = None
    contract_type: Optional[str] = None
    work_time: Optional[str] = None

    @classmethod
    def from_tracker(cls, tracker: Tracker) -> "Criteria":
        return cls(**{slot: canonical(slot, tracker.get_slot(slot)) for slot in cls.__dataclass_fields__})

    def value(self, slot: str) -> Optional[str]:
        """The slot's value as a filter: None when missing or "any"."""
        value = getattr(self, slot)
        return None if value == ANY else value

    def as_dict(self) -> Dict[str, str]:
        return {slot: getattr(self, slot) for slot in self.__dataclass_fields__ if getattr(self, slot)}

    def communes(self) -> Optional[List[str]]:
        commune = self.value("commune")
        return [commune] if commune else None
