"""Where the partner database lives, read from the environment (and `.env`)."""
import os
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
load_dotenv(PROJECT_ROOT / ".env")

DEMO_DIR = PROJECT_ROOT / "knowledge" / "partners" / "demo"
TERRITORY_FILE = PROJECT_ROOT / "knowledge" / "partners" / "territoire.yml"


def var_dir() -> Path:
    """Where local state lives (SQLite files, generated token): `COTESOIN_VAR_DIR` or `var/`."""
    return Path(os.environ.get("COTESOIN_VAR_DIR") or PROJECT_ROOT / "var")


def database_url() -> str:
    """`DATABASE_URL`, or a SQLite file under the var folder (read at call time)."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{var_dir() / 'cotesoin.db'}"


def tracker_store_url() -> str:
    """`TRACKER_STORE_URL`: Rasa's SQL tracker store (conversations), a SQLite file by default."""
    return os.environ.get("TRACKER_STORE_URL") or f"sqlite:///{var_dir() / 'trackers.db'}"


def public_site_url() -> str:
    """`PUBLIC_SITE_URL`: where people reach the public site (links sent on Telegram), without a final /."""
    default = f"http://{os.environ.get('COTESOIN_HOST', '127.0.0.1')}:{os.environ.get('WEB_PORT') or 8080}"
    return (os.environ.get("PUBLIC_SITE_URL") or default).rstrip("/")
