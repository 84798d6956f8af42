"""Hand-over requests kept on local disk while the partner database is unavailable, replayed later.

When `handoff.record_request` fails (the database is locked, damaged or unreachable), the action
server writes the request as one JSON file in `<var>/spool/handoff/` (private: 0600 in a 0700
folder) instead of losing it; the web site replays the folder every REPLAY_SECONDS
(bot/web/app.py), recording each request and deleting its file once the database took it. A file
that cannot be read, or that the database refuses (not an outage: a value it rejects), is set
aside as `.bad` and logged, never retried forever nor blocking the files after it.
"""
import json
import logging
import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError, StatementError

from knowledge.coordination import handoff
from knowledge.settings import var_dir

logger = logging.getLogger(__name__)

REPLAY_SECONDS = 30.0


def spool_dir() -> Path:
    return var_dir() / "spool" / "handoff"


def keep(sender_id: str, channel: str, topic: str, criteria: Dict[str, Any]) -> Path:
    """Write the request to the spool (atomically: a reader never sees half a file)."""
    folder = spool_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    name = f"{datetime.utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex}"
    temporary, target = folder / f".{name}.tmp", folder / f"{name}.json"
    record = {"sender_id": sender_id, "channel": channel, "topic": topic, "criteria": criteria,
              "kept_at": datetime.utcnow().isoformat(timespec="seconds") + "Z"}
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(record, file, ensure_ascii=False)
    os.replace(temporary, target)
    return target


def waiting() -> List[Path]:
    folder = spool_dir()
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def outage(error: Exception) -> bool:
    """The database cannot answer at all (locked, unreachable, damaged, not upgraded): every file
    waits for the next round. A rejection of one file's values (IntegrityError, DataError) or any
    other failure concerns that file only."""
    if isinstance(error, (IntegrityError, DataError)):
        return False
    if isinstance(error, DBAPIError):
        return True
    # SQLAlchemy's own (the pool's timeout, a lost connection), but not a value it could not bind.
    return isinstance(error, SQLAlchemyError) and not isinstance(error, StatementError)


def _set_aside(path: Path, error: Exception, refused: bool) -> None:
    if refused:
        logger.error("Demande en attente refusée par la base, mise de côté : %s (%s)", path.name,
                     error.__class__.__name__)
    else:
        logger.error("Demande en attente illisible, mise de côté : %s (%s)", path.name, error.__class__.__name__)
    path.rename(path.with_suffix(".bad"))


def set_aside() -> List[Path]:
    """Files that could not be recorded (`.bad`): to be read by a person, never retried."""
    folder = spool_dir()
    return sorted(folder.glob("*.bad")) if folder.is_dir() else []


def replay() -> int:
    """Record every kept request, oldest first; stop at the first database outage (the files stay
    for the next round), set aside a file the database refuses or that cannot be read.
    Returns how many were recorded."""
    recorded = refused = 0
    for path in waiting():
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            arguments = {name: record[name] for name in ("sender_id", "channel", "topic", "criteria")}
        except (OSError, ValueError, KeyError, TypeError) as error:
            _set_aside(path, error, refused=False)
            continue
        try:
            handoff.record_request(**arguments)
        except Exception as error:
            if outage(error):
                raise  # the database is down: this file and the next ones wait for the next round
            _set_aside(path, error, refused=True)
            refused += 1
            continue
        path.unlink()
        recorded += 1
    if recorded or refused:
        logger.info("demandes de mise en relation gardées pendant l'indisponibilité : %d enregistrée(s), "
                    "%d mise(s) de côté (.bad, dans %s)", recorded, refused, spool_dir())
    return recorded
