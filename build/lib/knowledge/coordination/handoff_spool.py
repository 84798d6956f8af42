"""Hand-over requests kept on local disk while the partner database is unavailable, replayed later.

When `handoff.record_request` fails (the database is locked, damaged or unreachable), the action
server writes the request as one JSON file in `<var>/spool/handoff/` (private: 0600 in a 0700
folder) instead of losing it; the web site replays the folder every REPLAY_SECONDS
(bot/web/app.py), recording each request and deleting its file once the database took it. A file
that cannot be read is set aside as `.bad` and logged, never retried forever.
"""
import json
import logging
import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List

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


def replay() -> int:
    """Record every kept request, oldest first; stop at the first database failure (retry later).
    Returns how many were recorded."""
    recorded = 0
    for path in waiting():
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            arguments = {name: record[name] for name in ("sender_id", "channel", "topic", "criteria")}
        except (OSError, ValueError, KeyError, TypeError) as error:
            logger.error("Demande en attente illisible, mise de côté : %s (%s)", path.name, error)
            path.rename(path.with_suffix(".bad"))
            continue
        handoff.record_request(**arguments)  # a database error propagates: the file stays
        path.unlink()
        recorded += 1
    if recorded:
        logger.info("%d demande(s) de mise en relation gardée(s) pendant l'indisponibilité enregistrée(s)", recorded)
    return recorded
