"""Coordinator accounts: creation, password check (argon2), slowing down guessing, server-side sessions.

- **Same answer, same cost.** An unknown address, a wrong password and a slowed-down attempt cost one
  argon2 verification each and say nothing about whether the account exists.
- **Progressive delay, no lockout.** Failures are counted over FAILURE_WINDOW by account (the typed
  address, known or not) and by the client's address. After FREE_FAILURES, each new attempt must wait
  2, 4, 8… seconds after the last failure: at most ACCOUNT_MAX_DELAY for an account (a stranger can
  never keep a coordinator out for long; the right password works once the delay is over), at most
  ADDRESS_MAX_DELAY for one client address (the guesser is the one slowed down).
- **Sessions in the database** (`ConsoleSession`): the cookie holds a random token, the table its
  hash; logout, a password change and `remove_coordinator` end all the account's sessions.
"""
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import List, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select

from knowledge import db
from knowledge.audit import audit
from knowledge.coordination.models import ConsoleSession, Coordinator, LoginFailure

FREE_FAILURES = 5
MAX_FAILURES = FREE_FAILURES  # the name earlier tests and documents use
FAILURE_WINDOW = timedelta(minutes=15)
ACCOUNT_MAX_DELAY = timedelta(seconds=30)
ADDRESS_MAX_DELAY = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=8)
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
    # Set when the attempt came too soon after failures: when the next one will be heard.
    retry_at: Optional[datetime] = None


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
            session.execute(delete(ConsoleSession).where(ConsoleSession.coordinator_id == coordinator.id))
            action = "password_reset"
        session.flush()
        audit(session, coordinator.id, action)
        return CoordinatorInfo(coordinator.id, coordinator.email, coordinator.name)


def _delay(failures: int, longest: timedelta) -> timedelta:
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - FREE_FAILURES + 1, 20)), longest)


def _keys(email: str, address: str) -> List[tuple]:
    keys = [(f"compte:{email[:250]}", ACCOUNT_MAX_DELAY)]
    if address:
        keys.append((f"adresse:{address[:45]}", ADDRESS_MAX_DELAY))
    return keys


def _retry_at(session, keys: List[tuple], now: datetime) -> Optional[datetime]:
    """When the next attempt will be heard, if some key had too many recent failures."""
    latest = None
    for key, longest in keys:
        failures, last = session.execute(
            select(func.count(LoginFailure.id), func.max(LoginFailure.at))
            .where(LoginFailure.key == key, LoginFailure.at > now - FAILURE_WINDOW)).one()
        if last is not None:
            allowed = last + _delay(failures, longest)
            if allowed > now and (latest is None or allowed > latest):
                latest = allowed
    return latest


def authenticate(email: str, password: str, address: str = "", now: Optional[datetime] = None) -> LoginResult:
    """Check a login from the client `address`. Failures slow the next attempts down (see the
    module docstring); every failure costs one argon2 verification, known account or not."""
    given_now = now is not None
    now = now or datetime.utcnow()
    email = email.strip().lower()
    keys = _keys(email, address)
    with db.session_scope() as session:
        retry_at = _retry_at(session, keys, now)
        coordinator = session.scalars(select(Coordinator).where(func.lower(Coordinator.email) == email)).first()
        if coordinator is not None and not coordinator.active:
            coordinator = None
        if retry_at is not None:
            _verify(_dummy_hash(), password)
            if coordinator is not None:
                audit(session, coordinator.id, "login_throttled")
            return LoginResult(retry_at=retry_at)
        if coordinator is None or not _verify(coordinator.password_hash, password):
            if coordinator is None:
                _verify(_dummy_hash(), password)
            else:
                audit(session, coordinator.id, "login_failed")
            # Counted from when the answer goes out (the hash check took a moment), so that the
            # delay is a delay for whoever asks next, however slow the machine.
            failed_at = now if given_now else datetime.utcnow()
            session.execute(delete(LoginFailure).where(LoginFailure.at <= failed_at - FAILURE_WINDOW))
            session.add_all([LoginFailure(key=key, at=failed_at) for key, _ in keys])
            return LoginResult()
        session.execute(delete(LoginFailure).where(LoginFailure.key.in_([key for key, _ in keys])))
        coordinator.failed_logins, coordinator.locked_until = 0, None
        if _hasher.check_needs_rehash(coordinator.password_hash):
            coordinator.password_hash = _hasher.hash(password)
        audit(session, coordinator.id, "login")
        return LoginResult(CoordinatorInfo(coordinator.id, coordinator.email, coordinator.name))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(coordinator_id: int) -> str:
    """A new session of the account; the token goes into the (encrypted) cookie."""
    token = secrets.token_urlsafe(32)
    with db.session_scope() as session:
        session.add(ConsoleSession(token_hash=_token_hash(token), coordinator_id=coordinator_id))
    return token


def session_coordinator(token: object, now: Optional[datetime] = None) -> Optional[CoordinatorInfo]:
    """The active account whose session this token is, if it has not ended nor expired."""
    if not isinstance(token, str) or not token:
        return None
    now = now or datetime.utcnow()
    with db.session_scope() as session:
        row = session.get(ConsoleSession, _token_hash(token))
        if row is None or row.created_at < now - SESSION_LIFETIME:
            return None
        coordinator = session.get(Coordinator, row.coordinator_id)
        if coordinator is None or not coordinator.active:
            return None
        return CoordinatorInfo(coordinator.id, coordinator.email, coordinator.name)


def end_sessions(coordinator_id: int) -> int:
    """End every session of the account (logout ends them all: every browser, every device)."""
    with db.session_scope() as session:
        return session.execute(delete(ConsoleSession).where(ConsoleSession.coordinator_id == coordinator_id)).rowcount


def remove_coordinator(email: str) -> bool:
    """Deactivate the account and end its sessions; False if there is no such active account."""
    email = email.strip().lower()
    with db.session_scope() as session:
        coordinator = session.scalars(select(Coordinator).where(func.lower(Coordinator.email) == email)).first()
        if coordinator is None or not coordinator.active:
            return False
        coordinator.active = False
        session.execute(delete(ConsoleSession).where(ConsoleSession.coordinator_id == coordinator.id))
        audit(session, coordinator.id, "account_removed")
        return True


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
    """Audit the logout and end every session of the account."""
    with db.session_scope() as session:
        session.execute(delete(ConsoleSession).where(ConsoleSession.coordinator_id == coordinator_id))
        audit(session, coordinator_id, "logout")
