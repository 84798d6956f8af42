"""Widget conversation ids bound to the page that received them.

The widget's channel (bot/web/channel.py) issues each conversation id (a uuid4 in hex) with a proof:
the HMAC-SHA256 of the id under a key only the Rasa process knows (`WIDGET_SECRET_KEY`, or a random
key generated once in var/widget_secret, 0600). The page keeps both in its localStorage and presents
them on `session_request`; an id without its proof (seen in the console, an export, a log) opens a
new conversation instead of the one it names.
"""
import hashlib
import hmac
import re
import uuid
from typing import Any, Tuple

from knowledge import settings as knowledge_settings

SESSION_ID = re.compile(r"[0-9a-f]{32}")
PROOF = re.compile(r"[0-9a-f]{64}")


def load_key() -> bytes:
    """`WIDGET_SECRET_KEY`, or the key kept in var/widget_secret (made on first use, 0600)."""
    from bot.settings import _secret  # the same rule as the console's and Rasa's secrets
    return _secret("WIDGET_SECRET_KEY", knowledge_settings.var_dir(), "widget_secret").encode()


def proof_of(key: bytes, session_id: str) -> str:
    return hmac.new(key, session_id.encode(), hashlib.sha256).hexdigest()


def is_bound(key: bytes, session_id: Any, proof: Any) -> bool:
    """True when `proof` is the one this server issued with `session_id`."""
    return (isinstance(session_id, str) and isinstance(proof, str) and SESSION_ID.fullmatch(session_id) is not None
            and PROOF.fullmatch(proof) is not None and hmac.compare_digest(proof, proof_of(key, session_id)))


def issue(key: bytes) -> Tuple[str, str]:
    """A new conversation id and its proof."""
    session_id = uuid.uuid4().hex
    return session_id, proof_of(key, session_id)


def kept_or_new(key: bytes, session_id: Any, proof: Any) -> Tuple[str, str]:
    """The page's conversation when it proves it received it from this server; otherwise a new one."""
    if is_bound(key, session_id, proof):
        return session_id, proof
    return issue(key)
