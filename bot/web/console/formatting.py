"""Dates and durations as the coordinators read them: Paris time, French words."""
from datetime import datetime, timezone
from typing import Optional
from zoneinfo import ZoneInfo

from knowledge.coordination.handoff import OUTCOME_LABELS
from knowledge.partners import queries, vocabulary
from knowledge.partners.naming import ANY
from knowledge.texts import text, texts

PARIS = ZoneInfo("Europe/Paris")


def paris(moment: Optional[datetime]) -> Optional[datetime]:
    """A naive UTC datetime from the database, in Paris time."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(PARIS)


def paris_time(moment: Optional[datetime]) -> str:
    """'24/11 à 14:05'."""
    local = paris(moment)
    return local.strftime(text("console.time_format")) if local else ""


def duration(seconds: Optional[float]) -> str:
    """'moins d'une minute', '12 min', '3 h 05', '2 j 4 h'; '—' when not shown (under 5 requests)."""
    if seconds is None:
        return "—"
    minutes = max(0, int(round(seconds / 60)))
    if minutes < 1:
        return text("console.under_a_minute")
    if minutes < 60:
        return text("console.minutes", minutes=minutes)
    if minutes < 48 * 60:
        return text("console.hours", hours=minutes // 60, minutes=minutes % 60)
    return text("console.days", days=minutes // (24 * 60), hours=minutes % (24 * 60) // 60)


def waiting(since: Optional[datetime], now: Optional[datetime] = None) -> str:
    """How long since a naive UTC datetime, as `duration` says it."""
    if since is None:
        return ""
    return duration(((now or datetime.utcnow()) - since).total_seconds())


def _label(key: str, otherwise: str) -> str:
    """The text of `key`, or `otherwise` for a code without one (shown as written)."""
    return text(key) if key in texts() else otherwise


def criterion_label(name: str) -> str:
    return _label(f"console.criterion.{name}", name)


def value_label(name: str, value: str) -> str:
    """A criterion's value in words: 'aide-soignant·e', 'CDI', 'peu importe'."""
    if value == ANY:
        return text("console.any_value")
    if name == "profession":
        try:
            return queries.get_profession(value).label
        except queries.NotFound:
            return value
    if name == "contract_type":
        return vocabulary.contract_label(value)
    if name == "work_time":
        return vocabulary.work_time_label(value)
    return value


def action_label(code: str) -> str:
    return _label(f"console.audit.{code}", code.replace("_", " "))


def request_topic(topic: str, criteria: dict) -> str:
    """What a request is about: the assistant's topic, else what the person said about themselves
    (« aide-soignant·e, à Saint-Brevin-les-Pins »), else « à préciser avec la personne »."""
    if topic:
        return vocabulary.topic_label(topic)
    said = []
    if criteria.get("profession") not in (None, "", ANY):
        said.append(value_label("profession", criteria["profession"]))
    if criteria.get("commune") not in (None, "", ANY):
        said.append(text("console.in_commune", commune=criteria["commune"]))
    return ", ".join(said) if said else text("console.topic_to_clarify")


def outcome_label(code: str) -> str:
    return OUTCOME_LABELS.get(code or "", code or "")


def template_globals() -> dict:
    """The helpers every console template can call."""
    return {"paris": paris, "paris_time": paris_time, "waiting": waiting, "criterion_label": criterion_label,
            "value_label": value_label, "action_label": action_label, "topic_label": vocabulary.topic_label,
            "channel_label": vocabulary.channel_label, "request_topic": request_topic,
            "outcome_label": outcome_label}
