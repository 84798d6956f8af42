"""Who is using the console: encrypted, signed session cookies, login/logout, CSRF, the guard.

- Sessions: aiohttp-session's EncryptedCookieStorage (Fernet: encrypted and signed), cookies
  HttpOnly and SameSite=Strict, 8 hours at most.
- Nothing under /console is served without a logged-in coordinator (`guard`), except the login page.
- Every POST under /console carries the session's CSRF token (form field `csrf` or header
  `X-CSRF-Token`), compared with `secrets.compare_digest`.
- The cookie carries a session token checked against the database on every request
  (`knowledge.coordination.accounts.session_coordinator`): logout, a password change or an account's removal
  end every session of the account, old cookies included.
- Failed logins slow the next attempts down (by account and by client address), with the same
  answer for an unknown account and a wrong password: `knowledge.coordination.accounts.authenticate`.
"""
import asyncio
import hashlib
import math
import secrets
from datetime import datetime
from typing import Optional
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session, session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from bot.web.console.keys import COORDINATOR, TRUSTED_PROXIES
from knowledge.coordination import accounts
from knowledge.texts import template, text

PREFIX = "/console"
LOGIN = f"{PREFIX}/connexion"
COOKIE = "cotesoin_console"
SESSION_SECONDS = 8 * 3600
CSRF_FIELD, CSRF_HEADER = "csrf", "X-CSRF-Token"
WRONG_LOGIN = text("console.wrong_login")
SLOWED = template("console.slowed")


def session_storage(secret: str, secure: bool) -> web.middleware:
    key = hashlib.sha256(secret.encode()).digest()
    storage = EncryptedCookieStorage(key, cookie_name=COOKIE, httponly=True, samesite="Strict", secure=secure,
                                     max_age=SESSION_SECONDS, path=PREFIX)
    return session_middleware(storage)


async def csrf_token(request: web.Request) -> str:
    """The session's CSRF token, made on first use (templates put it in every form)."""
    session = await get_session(request)
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


async def _csrf_ok(request: web.Request) -> bool:
    session = await get_session(request)
    expected = session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sent = (await request.post()).get(CSRF_FIELD)
    return bool(expected and isinstance(sent, str) and secrets.compare_digest(sent, expected))


def _is_console(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


@web.middleware
async def guard(request: web.Request, handler) -> web.StreamResponse:
    """Login required and CSRF checked under /console; pages never cached."""
    if not _is_console(request.path):
        return await handler(request)
    if request.method == "POST" and not await _csrf_ok(request):
        raise web.HTTPForbidden(text=text("console.csrf_refused"))
    if request.path != LOGIN:
        session = await get_session(request)
        coordinator = None
        if "token" in session:
            coordinator = await asyncio.to_thread(accounts.session_coordinator, session["token"])
        if coordinator is None:
            if request.method == "GET" and request.headers.get("Accept", "").startswith("text/html"):
                raise web.HTTPSeeOther(f"{LOGIN}?{urlencode({'suite': request.path_qs})}")
            raise web.HTTPUnauthorized(text=text("console.session_expired"))
        request[COORDINATOR] = coordinator
    response = await handler(request)
    response.headers["Cache-Control"] = "no-store"
    return response


def client_address(request: web.Request) -> str:
    """Who is asking: the peer, or behind a trusted reverse proxy the last X-Forwarded-For entry."""
    remote = request.remote or ""
    if remote in request.app.get(TRUSTED_PROXIES, ()):
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        return forwarded[:45] or remote
    return remote


def current(request: web.Request) -> accounts.CoordinatorInfo:
    return request[COORDINATOR]


def _next_page(value: Optional[str]) -> str:
    """Only a console path of this site (no open redirect)."""
    if value and _is_console(value.split("?")[0]) and not value.startswith("//"):
        return value
    return PREFIX


@aiohttp_jinja2.template("console/login.html")
async def login_page(request: web.Request) -> dict:
    return {"csrf": await csrf_token(request), "suite": _next_page(request.query.get("suite")), "error": None,
            "email": ""}


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    suite = _next_page(str(form.get("suite", "")))
    result = await asyncio.to_thread(accounts.authenticate, email[:254], password[:1024],
                                     client_address(request))
    if result.coordinator is None:
        if result.retry_at:
            seconds = max(1, math.ceil((result.retry_at - datetime.utcnow()).total_seconds()))
            error = SLOWED.format(seconds=seconds)
        else:
            error = WRONG_LOGIN
        context = {"csrf": await csrf_token(request), "suite": suite, "error": error, "email": email}
        return aiohttp_jinja2.render_template("console/login.html", request, context, status=401)
    token = await asyncio.to_thread(accounts.open_session, result.coordinator.id)
    session = await new_session(request)  # a fresh session (and CSRF token) at each login
    session["token"] = token
    session["csrf"] = secrets.token_urlsafe(32)
    raise web.HTTPSeeOther(suite)


async def logout(request: web.Request) -> web.StreamResponse:
    session = await get_session(request)
    await asyncio.to_thread(accounts.record_logout, current(request).id)
    session.invalidate()
    raise web.HTTPSeeOther(LOGIN)
