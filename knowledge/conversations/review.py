"""Questions set aside from the observatory, waiting for a person to review them.

A coordinator turns a question the assistant did not understand into a candidate training example
(`nlu_candidates.yml`) or a candidate FAQ entry (`faq_candidates.yml`), under `var/review/`. Nothing
goes straight into `nlu/`: whoever maintains the assistant reads these files, chooses the intent
(or writes the answer), then copies what is kept into `nlu/` and retrains. Every addition is in
the audit trail. The text is masked again here (e-mails, phone numbers, long numbers).
"""
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from knowledge import db, settings
from knowledge.audit import audit
from knowledge.partners import name_masking

MAX_CHARS = 500
# kind → (file, what it becomes in the coordinators' words, the audit action, the field the reviewer fills in)
KINDS: Dict[str, tuple] = {
    "nlu": ("nlu_candidates.yml", "à apprendre à l'assistant", "review_nlu", "intent"),
    "faq": ("faq_candidates.yml", "pour la FAQ", "review_faq", "answer"),
}
HEADERS = {
    "nlu": ("# Exemples d'entraînement proposés depuis l'observatoire de la console, à relire.\n"
            "# Pour chacun : choisir l'intention (intent), annoter les entités, puis le copier dans\n"
            "# nlu/intents/<intention>.yml et réentraîner (make train). Ne jamais entraîner sur ce fichier.\n"),
    "faq": ("# Questions fréquentes proposées depuis l'observatoire de la console, à relire.\n"
            "# Pour chacune : écrire la réponse (answer) avec les partenaires concernés avant de l'ajouter\n"
            "# à l'assistant.\n"),
}
_lock = threading.Lock()


@dataclass(frozen=True)
class Candidate:
    text: str
    added_at: str
    messages: str  # how often it was asked in the period it was seen in ("< 5" when masked)


def review_dir() -> Path:
    return settings.var_dir() / "review"


def path(kind: str) -> Path:
    return review_dir() / KINDS[kind][0]


def _read(kind: str) -> List[dict]:
    try:
        content = yaml.safe_load(path(kind).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return []
    return list(content.get("candidates") or [])


def _write(kind: str, entries: List[dict]) -> None:
    target = path(kind)
    target.parent.mkdir(parents=True, exist_ok=True)
    body = HEADERS[kind] + yaml.safe_dump({"candidates": entries}, allow_unicode=True, sort_keys=False, width=100)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(body)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise


def pending(kind: str) -> List[Candidate]:
    """What waits for review, oldest first."""
    return [Candidate(str(e.get("text", "")), str(e.get("added_at", "")), str(e.get("messages", "")))
            for e in _read(kind)]


def add(kind: str, text: str, coordinator_id: Optional[int], messages: str = "") -> bool:
    """Set a question aside for review; False when the same text is already waiting."""
    if kind not in KINDS:
        raise ValueError(f"type inconnu : {kind}")
    # Cut before any pattern runs; names and street names masked too (spaCy, knowledge/partners/name_masking.py).
    text = " ".join(name_masking.mask_one(text[:2 * MAX_CHARS]).split())[:MAX_CHARS]
    if not text:
        raise ValueError("La question est vide.")
    file_name, _, action, field_name = KINDS[kind]
    with _lock, db.session_scope() as session:
        entries = _read(kind)
        if any(" ".join(str(e.get("text", "")).split()).lower() == text.lower() for e in entries):
            return False
        entries.append({"text": text, field_name: "", "messages": messages[:20],
                        "added_at": datetime.utcnow().isoformat(timespec="seconds") + "Z"})
        _write(kind, entries)
        audit(session, coordinator_id, action, detail=f"{file_name} : {text}")
    return True
