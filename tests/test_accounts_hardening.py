"""Console accounts against guessing and lock-outs (knowledge/coordination/accounts.py; issue 22, points 7 and 8),
on SQLite and PostgreSQL."""
from datetime import datetime, timedelta

import pytest

from knowledge.coordination import accounts

PASSWORD = "un mot de passe assez long"
EMAIL = "camille.martin@cotesoin.fr"
T0 = datetime(2026, 3, 2, 9, 0, 0)


@pytest.fixture
def account(database_url):
    return accounts.add_coordinator(EMAIL, PASSWORD, "Camille")


def test_a_stranger_cannot_keep_a_coordinator_out(account):
    for n in range(40):  # a stranger tries from many addresses, as fast as they are heard
        accounts.authenticate(EMAIL, "devine", address=f"203.0.113.{n}", now=T0 + timedelta(seconds=n))
    slowed = accounts.authenticate(EMAIL, PASSWORD, address="192.0.2.7", now=T0 + timedelta(seconds=40))
    assert slowed.coordinator is None and slowed.retry_at <= T0 + timedelta(seconds=40) + accounts.ACCOUNT_MAX_DELAY
    later = T0 + timedelta(seconds=40) + accounts.ACCOUNT_MAX_DELAY
    assert accounts.authenticate(EMAIL, PASSWORD, address="192.0.2.7", now=later).coordinator == account


def test_one_address_that_keeps_guessing_waits_longer_and_longer(account):
    now = T0
    waits = []
    for _ in range(14):
        result = accounts.authenticate("quelquun@cotesoin.fr", "devine", address="203.0.113.9", now=now)
        if result.retry_at:
            waits.append((result.retry_at - now).total_seconds())
            now = result.retry_at
        else:
            now += timedelta(seconds=1)
    assert waits == sorted(waits) and waits[0] <= 2 and waits[-1] > accounts.ACCOUNT_MAX_DELAY.total_seconds()
    # …while the coordinator, elsewhere, logs in at once.
    assert accounts.authenticate(EMAIL, PASSWORD, address="192.0.2.7", now=now).coordinator == account


def test_unknown_and_known_accounts_are_slowed_down_alike(account):
    for email in (EMAIL, "personne@cotesoin.fr"):
        results = [accounts.authenticate(email, "devine", now=T0) for _ in range(accounts.FREE_FAILURES + 1)]
        assert [r.coordinator for r in results] == [None] * len(results)
        assert [r.retry_at is not None for r in results] == [False] * accounts.FREE_FAILURES + [True]


@pytest.mark.parametrize("email, password, throttled", [
    (EMAIL, PASSWORD, False), (EMAIL, "faux", False), ("personne@cotesoin.fr", "faux", False), (EMAIL, "faux", True),
])
def test_every_attempt_costs_one_password_hash_check(account, monkeypatch, email, password, throttled):
    if throttled:
        for _ in range(accounts.FREE_FAILURES):
            accounts.authenticate(email, "faux", now=T0)
    checks = []
    real = accounts._verify
    monkeypatch.setattr(accounts, "_verify", lambda *args: checks.append(1) or real(*args))
    accounts.authenticate(email, password, now=T0)
    assert len(checks) == 1


def test_sessions_end_on_logout_password_change_and_removal(account):
    first, second = accounts.open_session(account.id), accounts.open_session(account.id)
    assert accounts.session_coordinator(first) == account
    accounts.record_logout(account.id)
    assert accounts.session_coordinator(first) is None and accounts.session_coordinator(second) is None
    token = accounts.open_session(account.id)
    accounts.add_coordinator(EMAIL, "un autre mot de passe long")
    assert accounts.session_coordinator(token) is None
    token = accounts.open_session(account.id)
    assert accounts.remove_coordinator(EMAIL) and accounts.session_coordinator(token) is None
    assert not accounts.remove_coordinator(EMAIL)
    for forged in (None, "", 42, "pas-un-jeton"):
        assert accounts.session_coordinator(forged) is None


def test_a_session_expires_after_its_lifetime(account):
    token = accounts.open_session(account.id)
    assert accounts.session_coordinator(token, now=datetime.utcnow() + accounts.SESSION_LIFETIME
                                        - timedelta(minutes=1)) == account
    assert accounts.session_coordinator(token, now=datetime.utcnow() + accounts.SESSION_LIFETIME
                                        + timedelta(minutes=1)) is None
