"""SMTP settings read from the environment (and `.env`), shared by the actions and the web process."""
import os
from dataclasses import dataclass
from typing import Optional

from knowledge import settings  # noqa: F401  (loads .env)

TRUE = {"1", "true", "yes", "oui", "on"}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str
    password: str
    starttls: bool
    mail_from: str


def smtp() -> Optional[SmtpSettings]:
    """The SMTP server from `SMTP_HOST`… at call time; None when `SMTP_HOST` is not set."""
    host = os.environ.get("SMTP_HOST", "").strip()
    if not host:
        return None
    return SmtpSettings(
        host=host,
        port=int(os.environ.get("SMTP_PORT") or 587),
        user=os.environ.get("SMTP_USER", ""),
        password=os.environ.get("SMTP_PASSWORD", ""),
        starttls=os.environ.get("SMTP_STARTTLS", "true").strip().lower() in TRUE,
        mail_from=os.environ.get("MAIL_FROM") or "Côté Soin <ne-pas-repondre@cotesoin.fr>",
    )
