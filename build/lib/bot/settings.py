"""Settings of the running assistant (ports, URLs, token), read from the environment and `.env`.

Every value has a default so that `make run` works on a fresh machine; `.env.example` lists them.
"""
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from knowledge import settings as knowledge_settings
from knowledge.settings import PROJECT_ROOT

# Read by the Telegram channel through credentials.yml (bot/telegram/settings.py).
TELEGRAM_VARIABLES = ("TELEGRAM_TOKEN", "TELEGRAM_SECRET_TOKEN", "TELEGRAM_API_BASE_URL")


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _secret(variable: str, var_dir: Path, file_name: str) -> str:
    """The environment variable, or a random secret generated once and kept in var/<file_name>."""
    value = os.environ.get(variable, "").strip()
    if value:
        return value
    path = var_dir / file_name
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    host: str
    rasa_port: int
    action_port: int
    web_port: int
    rasa_token: str
    # Encrypts and signs the console's session cookies; secure_cookies when served over HTTPS.
    console_secret: str
    secure_cookies: bool
    database_url: str
    tracker_store_url: str
    models_dir: Path
    var_dir: Path
    # Addresses of reverse proxies in front of the site (CONSOLE_TRUSTED_PROXIES, comma-separated):
    # from them, the client's address is the last one of X-Forwarded-For (login throttling).
    trusted_proxies: tuple = ()

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        """The public page with the chat widget (bot/web/)."""
        return f"http://{self.host}:{self.web_port}"

    @property
    def action_endpoint_url(self) -> str:
        return os.environ.get("ACTION_ENDPOINT_URL") or f"http://{self.host}:{self.action_port}/webhook"

    def child_environment(self) -> dict:
        """Environment for the Rasa and action servers and the web site (endpoints.yml reads it)."""
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "TRACKER_STORE_URL": self.tracker_store_url,
            "ACTION_ENDPOINT_URL": self.action_endpoint_url,
            "COTESOIN_VAR_DIR": str(self.var_dir),
            # The web site's console writes to conversations through Rasa's HTTP API with it, and
            # so does the widget's channel when the person ends a hand-over (bot/held.py).
            "RASA_TOKEN": self.rasa_token,
            "RASA_PORT": str(self.rasa_port),
            # credentials.yml declares the Telegram channel with these; no token = channel inactive.
            **{name: os.environ.get(name, "") for name in TELEGRAM_VARIABLES},
            # credentials.yml: the REST channel's bearer token (none: the channel is open).
            "REST_CHANNEL_TOKEN": os.environ.get("REST_CHANNEL_TOKEN", ""),
            # Quieter TensorFlow, and no telemetry call to a closed network.
            "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
            "RASA_TELEMETRY_ENABLED": "false",
        }


def load() -> Settings:
    var_dir = knowledge_settings.var_dir()
    return Settings(
        host=os.environ.get("COTESOIN_HOST", "127.0.0.1"),
        rasa_port=_int("RASA_PORT", 5005),
        action_port=_int("ACTION_PORT", 5055),
        web_port=_int("WEB_PORT", 8080),
        # RASA_TOKEN: the HTTP API is never open without one.
        rasa_token=_secret("RASA_TOKEN", var_dir, "rasa_token"),
        console_secret=_secret("CONSOLE_SECRET_KEY", var_dir, "console_secret"),
        secure_cookies=os.environ.get("CONSOLE_SECURE_COOKIES", "").lower() in ("1", "true", "oui", "yes"),
        trusted_proxies=tuple(a.strip() for a in os.environ.get("CONSOLE_TRUSTED_PROXIES", "").split(",") if a.strip()),
        database_url=knowledge_settings.database_url(),
        tracker_store_url=knowledge_settings.tracker_store_url(),
        models_dir=Path(os.environ.get("MODELS_DIR", PROJECT_ROOT / "models")),
        var_dir=var_dir,
    )
