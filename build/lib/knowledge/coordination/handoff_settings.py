"""The hand-over settings as the assistant and the console's reminders use them, and the reminder's
names: one definition for the action server (actions/handoff.py) and the web process
(bot/web/console/reminders.py), which never imports the actions.

A broken `knowledge/coordination/handoff.yml` is logged and the defaults keep the assistant answering.
"""
import logging
from datetime import timedelta

from knowledge.coordination import office_hours
from knowledge.coordination.office_hours import ConfigError, HandoffConfig

logger = logging.getLogger(__name__)

REMINDER_INTENT = "EXTERNAL_handoff_unclaimed"
# The reminder carries the request it is about, as an entity (not in the domain: never featurised).
REQUEST_ENTITY = "handoff_request"


def settings() -> HandoffConfig:
    """The hand-over settings; a broken file is logged and the defaults keep the assistant answering."""
    try:
        return office_hours.config()
    except ConfigError as error:
        logger.error("%s\nRéglages par défaut utilisés (lundi-vendredi, 9 h-17 h).", error)
        return office_hours.defaults()


def claim_delay(handoff_settings: HandoffConfig) -> timedelta:
    try:
        return timedelta(minutes=office_hours.claim_delay_minutes(handoff_settings))
    except ConfigError as error:
        logger.error("%s ; délai de knowledge/coordination/handoff.yml utilisé.", error)
        return timedelta(minutes=handoff_settings.claim_delay_minutes)
