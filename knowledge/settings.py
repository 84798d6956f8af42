"""Where the partner database lives, read from the environment (and `.env`)."""
import os
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
load_dotenv(PROJECT_ROOT / ".env")

VAR_DIR = Path(os.environ.get("COTESOIN_VAR_DIR", PROJECT_ROOT / "var"))
DEMO_DIR = PROJECT_ROOT / "knowledge" / "demo"
TERRITORY_FILE = PROJECT_ROOT / "knowledge" / "territoire.yml"


def database_url() -> str:
    """`DATABASE_URL`, or a SQLite file under `var/` (read at call time so tests can override)."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'cotesoin.db'}"
