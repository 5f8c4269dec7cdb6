"""Sign-in, sign-out and the signed-in user of each request.

The session cookie holds a random session id (and the CSRF token); whose session it is, and
whether it still holds, lives in the database (`qa.services.people.web_sessions`). Nothing here
touches the database or hashes a password on the event loop: those run in threads, the
argon2 checks in a small pool of their own (`HashingSlots`) so a flood of failing sign-ins
can neither stall the server nor starve the other requests of threads.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from anyio import CapacityLimiter, to_thread
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from qa.config import WebSecuritySettings
from qa.domain.actor import Actor
from qa.persistence.db import Database
from qa.services.people.accounts import begin_sign_in, finish_sign_in, password_matches
from qa.services.people.sign_in_throttle import ThrottleLimits
from qa.services.people.web_sessions import SessionPolicy, end_session, session_principal
from qa.web.api.problems import is_api
from qa.web.templating import render

PUBLIC_PATHS = ("/login", "/invite/", "/static/", "/health")
#: The session key of the cookie's session id.
SESSION_ID = "sid"
#: Password checks at once (argon2 takes ~150 ms of CPU and 64 MiB of memory each).
HASHING_THREADS = 4
WRONG = "The user name or password is not right."
THROTTLED = "Too many failed attempts. Wait {minutes} minutes and try again."


@dataclass(frozen=True)
class SignInRules:
    """The session and throttling rules of one app, built from its settings."""

    sessions: SessionPolicy
    limits: ThrottleLimits

    @classmethod
    def from_settings(cls, web: WebSecuritySettings) -> SignInRules:
        return cls(
            SessionPolicy(
                idle=timedelta(minutes=web.session_idle_minutes),
                lifetime=timedelta(hours=web.session_max_hours),
            ),
            ThrottleLimits(
                per_account=web.sign_in_account_attempts,
                per_source=web.sign_in_address_attempts,
                window=timedelta(minutes=web.sign_in_window_minutes),
            ),
        )


class HashingSlots:
    """A capacity limiter per event loop (an app may be served by several, as in tests)."""

    def __init__(self, slots: int = HASHING_THREADS) -> None:
        self.slots = slots
        self._limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = (
            weakref.WeakKeyDictionary()
        )

    def limiter(self) -> CapacityLimiter:
        loop = asyncio.get_running_loop()
        if loop not in self._limiters:
            self._limiters[loop] = CapacityLimiter(self.slots)
        return self._limiters[loop]


def safe_next(target: str | None) -> str:
    """Only local paths: `next=https://evil.example` or `//evil.example` become `/`."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


class LoadUser:
    """Puts the session's user and actor (or None) on `request.state`; drops ended sessions."""

    def __init__(self, app: ASGIApp, db: Database, sessions: SessionPolicy) -> None:
        self.app, self.db, self.sessions = app, db, sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            session = scope.get("session", {})
            token = session.get(SESSION_ID)
            found = None
            if token is not None and not is_api(str(scope.get("path", ""))):  # tokens only
                found = await run_in_threadpool(session_principal, self.db, token, self.sessions)
                if found is None:
                    session.pop(SESSION_ID, None)
            state = scope.setdefault("state", {})
            state["user"], state["actor"] = found if found else (None, None)
        await self.app(scope, receive, send)


def login_required(request: Request) -> Response | None:
    """A redirect to sign in, for the whole page even when htmx asked for a fragment."""
    if request.state.user is not None:
        return None
    target = f"/login?next={request.url.path}"
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def login_page(request: Request) -> Response:
    return render(
        request, "login.html", {"next": safe_next(request.query_params.get("next")), "error": None}
    )


async def login(request: Request) -> Response:
    form = await request.form()
    login_name = str(form.get("login", ""))
    password = str(form.get("password", ""))
    target = safe_next(str(form.get("next", "/")))
    db: Database = request.app.state.db
    rules: SignInRules = request.app.state.sign_in_rules
    source = request.client.host if request.client else ""
    attempt = await run_in_threadpool(begin_sign_in, db, login_name, source, rules.limits)
    if attempt is None:
        minutes = int(rules.limits.window.total_seconds() // 60)
        error = THROTTLED.format(minutes=minutes)
        context = {"next": target, "error": error, "login_name": login_name[:200]}
        return render(request, "login.html", context, 429)
    slots: HashingSlots = request.app.state.hashing_slots
    matches = await to_thread.run_sync(password_matches, attempt, password, limiter=slots.limiter())
    if not matches:
        context = {"next": target, "error": WRONG, "login_name": login_name[:200]}
        return render(request, "login.html", context, 400)
    token = await run_in_threadpool(finish_sign_in, db, attempt, rules.sessions)
    start_session_cookie(request, token)
    return RedirectResponse(target, status_code=303)


def start_session_cookie(request: Request, token: str) -> None:
    """A new cookie session (no fixation: the old one, CSRF token included, is dropped)."""
    request.session.clear()
    request.session[SESSION_ID] = token


async def logout(request: Request) -> Response:
    token = request.session.get(SESSION_ID)
    actor = request.state.actor
    if isinstance(token, str) and isinstance(actor, Actor):
        await run_in_threadpool(end_session, request.app.state.db, actor, token)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def session_token(request: Request) -> str | None:
    token = request.session.get(SESSION_ID)
    return token if isinstance(token, str) else None


def current_actor(request: Request) -> Actor:
    """The signed-in actor (call after `login_required`)."""
    actor = request.state.actor
    assert isinstance(actor, Actor)
    return actor
