"""Telegram settings: from credentials.yml inside the Rasa server, from the environment in the CLI.

credentials.yml passes `${TELEGRAM_TOKEN}`, `${TELEGRAM_SECRET_TOKEN}` and `${TELEGRAM_API_BASE_URL}`
(bot/settings.py gives them "" defaults for the servers it starts). An empty token disables the
channel; a token without a valid secret is refused, so that the webhook is never left open.
"""
import os
import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from rasa.shared.exceptions import RasaException

# Imported for its side effect: `.env` is read before the environment is.
from knowledge import settings as _knowledge_settings  # noqa: F401

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
WEBHOOK_PATH = "/webhooks/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# What Telegram accepts as a webhook secret (setWebhook, secret_token).
_SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")


class TelegramConfigError(RasaException):
    """The Telegram settings cannot work; the message says what to fix, in French."""


@dataclass(frozen=True)
class TelegramSettings:
    token: str = ""
    secret_token: str = ""
    api_base_url: str = DEFAULT_API_BASE_URL
    webhook_url: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    def __repr__(self) -> str:  # never show the token or the secret
        return f"TelegramSettings(enabled={self.enabled}, api_base_url={self.api_base_url!r})"

    def check(self) -> "TelegramSettings":
        """Raise TelegramConfigError when a token is set without a usable secret."""
        if not self.enabled:
            return self
        if not self.secret_token:
            raise TelegramConfigError(
                "TELEGRAM_TOKEN est défini mais pas TELEGRAM_SECRET_TOKEN : le webhook Telegram serait "
                "ouvert à tous. Définissez TELEGRAM_SECRET_TOKEN (1 à 256 caractères parmi A-Z, a-z, 0-9, "
                "_ et -), par exemple avec : python -c \"import secrets; print(secrets.token_urlsafe(32))\""
            )
        if not _SECRET_FORMAT.fullmatch(self.secret_token):
            raise TelegramConfigError(
                "TELEGRAM_SECRET_TOKEN n'est pas accepté par Telegram : 1 à 256 caractères parmi A-Z, "
                "a-z, 0-9, _ et -."
            )
        return self


def _clean(value: Any) -> str:
    return "" if value is None else str(value).strip()


def from_mapping(values: Mapping[str, Any]) -> TelegramSettings:
    """Settings from credentials.yml keys: access_token, secret_token, api_base_url, webhook_url."""
    return TelegramSettings(
        token=_clean(values.get("access_token")),
        secret_token=_clean(values.get("secret_token")),
        api_base_url=_clean(values.get("api_base_url")) or DEFAULT_API_BASE_URL,
        webhook_url=_clean(values.get("webhook_url")),
    ).check()


def load(environ: Optional[Mapping[str, str]] = None) -> TelegramSettings:
    """Settings from the environment (and `.env`): TELEGRAM_TOKEN, TELEGRAM_SECRET_TOKEN, …"""
    env = os.environ if environ is None else environ
    return from_mapping({
        "access_token": env.get("TELEGRAM_TOKEN"),
        "secret_token": env.get("TELEGRAM_SECRET_TOKEN"),
        "api_base_url": env.get("TELEGRAM_API_BASE_URL"),
        "webhook_url": env.get("TELEGRAM_WEBHOOK_URL"),
    })
