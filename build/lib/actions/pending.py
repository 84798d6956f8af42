"""The `pending` slot: what the assistant's last question waits for, so that a "oui" or a "non"
answers it (actions/dialogue.py). Its values, declared in domain.yml, are defined once here."""
from enum import Enum

from rasa_sdk.events import SlotSet

PENDING_SLOT = "pending"


class Pending(str, Enum):
    MORE_JOBS = "more_jobs"  # « Voir d'autres offres ? » (actions/jobs.py)
    MORE_PARTNERS = "more_partners"  # « Voir plus » of the partners named by kind (actions/partners.py)
    HUMAN = "human"  # « Parler à un·e coordinateur·rice ? » (actions/dialogue.py, actions/jobs.py)
    CALLBACK = "callback"  # « Être rappelé·e ? » (actions/handoff.py): a rule starts the call-back form
    ERASE = "erase"  # « Supprimer vos données ? » (actions/privacy.py)


def waiting_for(tracker) -> "Pending | None":
    """What the conversation waits for, or None."""
    value = tracker.get_slot(PENDING_SLOT)
    return Pending(value) if value else None


def set_pending(value: "Pending | None"):
    """The event that makes the conversation wait for `value` (None: for nothing)."""
    return SlotSet(PENDING_SLOT, value.value if value else None)
