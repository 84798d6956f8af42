"""The marker of a job search that found nothing, shared by the search and the observatory.

When the job search (actions/jobs.py) finds no opening for a new search, it sets the slot
`unmet_search` to the criteria it searched with, then resets it to None in the same action: Rasa's
tracker store keeps one slot event carrying the criteria of that moment (what the observatory
counts, knowledge/conversations/observatory.py), and the slot is never carried into a new session nor read by the
dialogue (`influence_conversation: false`, domain.yml).
"""
from typing import Dict, Optional

SLOT = "unmet_search"
# The criteria the marker carries, named as their slots; None for « any ».
FIELDS = ("profession", "commune", "contract_type", "work_time")


def marker(**criteria: Optional[str]) -> Dict[str, Optional[str]]:
    """The marker's value: every field, None when the search did not filter on it."""
    unknown = set(criteria) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown criteria: {sorted(unknown)}")
    return {name: criteria.get(name) or None for name in FIELDS}
