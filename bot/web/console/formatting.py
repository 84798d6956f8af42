"""Dates and durations as the coordinators read them: Paris time, French words."""
from datetime import datetime, timezone
from typing import Optional
from zoneinfo import ZoneInfo

from knowledge.coordination.handoff import OUTCOME_LABELS
from knowledge.partners import queries, vocabulary
from knowledge.partners.naming import ANY

PARIS = ZoneInfo("Europe/Paris")


def paris(moment: Optional[datetime]) -> Optional[datetime]:
    """A naive UTC datetime from the database, in Paris time."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(PARIS)


def paris_time(moment: Optional[datetime]) -> str:
    """'24/11 à 14:05'."""
    local = paris(moment)
    return local.strftime("%d/%m à %H:%M") if local else ""


def duration(seconds: Optional[float]) -> str:
    """'moins d'une minute', '12 min', '3 h 05', '2 j 4 h'; '—' when not shown (under 5 requests)."""
    if seconds is None:
        return "—"
    minutes = max(0, int(round(seconds / 60)))
    if minutes < 1:
        return "moins d'une minute"
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d}"
    return f"{minutes // (24 * 60)} j {minutes % (24 * 60) // 60} h"


def waiting(since: Optional[datetime], now: Optional[datetime] = None) -> str:
    """How long since a naive UTC datetime, as `duration` says it."""
    if since is None:
        return ""
    return duration(((now or datetime.utcnow()) - since).total_seconds())


CRITERIA = {"profession": "métier", "commune": "commune", "contract_type": "contrat", "work_time": "temps de travail"}


def criterion_label(name: str) -> str:
    return CRITERIA.get(name, name)


def value_label(name: str, value: str) -> str:
    """A criterion's value in words: 'aide-soignant·e', 'CDI', 'peu importe'."""
    if value == ANY:
        return "peu importe"
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


AUDIT_ACTIONS = {
    "claim": "prise en charge", "release": "remise dans la file", "reply": "réponse envoyée", "note": "note ajoutée",
    "close": "demande close", "contact_given": "coordonnées laissées (avec accord)",
    "unclaimed_reminder": "rappel à la personne : demande toujours en attente", "login": "connexion",
    "logout": "déconnexion", "login_failed": "mot de passe erroné", "login_locked": "connexion refusée (compte bloqué)",
    "account_locked": "compte bloqué", "account_created": "compte créé", "password_reset": "mot de passe changé",
    "opening_created": "offre créée", "opening_updated": "offre modifiée", "opening_closed": "offre clôturée",
    "event_created": "événement créé", "event_updated": "événement modifié", "event_deleted": "événement supprimé",
    "import": "import de fichiers CSV", "data_erased": "données effacées à la demande de la personne",
    "purge": "purge selon les durées de conservation",
    "review_nlu": "question mise de côté pour apprendre à l'assistant à la comprendre",
    "request_created": "demande créée par la personne", "ended_by_person": "échange arrêté par la personne",
    "review_faq": "question mise de côté pour la FAQ",
    "plan_handed_over": "plan d'installation joint à la demande", "plan_item_added": "élément ajouté au plan",
}


def action_label(code: str) -> str:
    return AUDIT_ACTIONS.get(code, code.replace("_", " "))


def request_topic(topic: str, criteria: dict) -> str:
    """What a request is about: the assistant's topic, else what the person said about themselves
    (« aide-soignant·e, à Saint-Brevin-les-Pins »), else « à préciser avec la personne »."""
    if topic:
        return vocabulary.topic_label(topic)
    said = []
    if criteria.get("profession") not in (None, "", ANY):
        said.append(value_label("profession", criteria["profession"]))
    if criteria.get("commune") not in (None, "", ANY):
        said.append(f"à {criteria['commune']}")
    return ", ".join(said) if said else "à préciser avec la personne"


def outcome_label(code: str) -> str:
    return OUTCOME_LABELS.get(code or "", code or "")


def template_globals() -> dict:
    """The helpers every console template can call."""
    return {"paris": paris, "paris_time": paris_time, "waiting": waiting, "criterion_label": criterion_label,
            "value_label": value_label, "action_label": action_label, "topic_label": vocabulary.topic_label,
            "channel_label": vocabulary.channel_label, "request_topic": request_topic,
            "outcome_label": outcome_label}
