"""Coordinator accounts: creation, password check (argon2) and lockout after repeated failures."""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import List, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from knowledge import db
from knowledge.handoff import audit
from knowledge.models import Coordinator

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_CHARS = 12
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

_hasher = PasswordHasher()


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message is for the person."""


@dataclass(frozen=True)
class CoordinatorInfo:
    id: int
    email: str
    name: str


@dataclass(frozen=True)
class LoginResult:
    coordinator: Optional[CoordinatorInfo] = None
    locked_until: Optional[datetime] = None


def _normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL.fullmatch(email):
        raise AccountError(f"« {email} » n'est pas une adresse e-mail valide.")
    return email


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"Le mot de passe doit compter au moins {MIN_PASSWORD_CHARS} caractères.")


def add_coordinator(email: str, password: str, name: str = "") -> CoordinatorInfo:
    """Create an account, or reset the password (and unlock) of an existing one."""
    email = _normalise_email(email)
    check_password_strength(password)
    name = name.strip() or email.split("@")[0].replace(".", " ").title()
    with db.session_scope() as session:
        coordinator = session.scalars(select(Coordinator).where(Coordinator.email == email)).first()
        if coordinator is None:
            coordinator = Coordinator(email=email, name=name, password_hash=_hasher.hash(password))
            session.add(coordinator)
            action = "account_created"
        else:
            coordinator.password_hash = _hasher.hash(password)
            coordinator.name = name if name else coordinator.name
            coordinator.failed_logins, coordinator.locked_until, coordinator.active = 0, None, True
            action = "password_reset"
        session.flush()
        audit(session, coordinator.id, action)
        return CoordinatorInfo(coordinator.id, coordinator.email, coordinator.name)


def authenticate(email: str, password: str, now: Optional[datetime] = None) -> LoginResult:
    """Check a login. After MAX_FAILURES wrong passwords in a row the account is locked for
    LOCKOUT, even for the right password; an unknown address takes as long as a known one."""
    now = now or datetime.utcnow()
    email = email.strip().lower()
    with db.session_scope() as session:
        coordinator = session.scalars(select(Coordinator).where(func.lower(Coordinator.email) == email)).first()
        if coordinator is None or not coordinator.active:
            _verify(_dummy_hash(), password)
            return LoginResult()
        if coordinator.locked_until and coordinator.locked_until > now:
            audit(session, coordinator.id, "login_locked")
            return LoginResult(locked_until=coordinator.locked_until)
        if not _verify(coordinator.password_hash, password):
            coordinator.failed_logins += 1
            audit(session, coordinator.id, "login_failed")
            if coordinator.failed_logins >= MAX_FAILURES:
                coordinator.locked_until, coordinator.failed_logins = now + LOCKOUT, 0
                audit(session, coordinator.id, "account_locked")
                return LoginResult(locked_until=coordinator.locked_until)
            return LoginResult()
        coordinator.failed_logins, coordinator.locked_until = 0, None
        if _hasher.check_needs_rehash(coordinator.password_hash):
            coordinator.password_hash = _hasher.hash(password)
        audit(session, coordinator.id, "login")
        return LoginResult(CoordinatorInfo(coordinator.id, coordinator.email, coordinator.name))


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("compte inexistant")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def get_coordinator(coordinator_id: int) -> Optional[CoordinatorInfo]:
    """The active account with this id (a deactivated one is as good as logged out)."""
    with db.session_scope() as session:
        coordinator = session.get(Coordinator, coordinator_id)
        if coordinator is None or not coordinator.active:
            return None
        return CoordinatorInfo(coordinator.id, coordinator.email, coordinator.name)


def list_coordinators() -> List[CoordinatorInfo]:
    with db.session_scope() as session:
        return [CoordinatorInfo(c.id, c.email, c.name)
                for c in session.scalars(select(Coordinator).where(Coordinator.active).order_by(Coordinator.email))]


def record_logout(coordinator_id: int) -> None:
    with db.session_scope() as session:
        audit(session, coordinator_id, "logout")
