"""Sign-in, sign-out and the signed-in user of each request."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from qa.domain.actor import Actor
from qa.persistence.db import Database
from qa.services.accounts import Throttle, authenticate, session_principal
from qa.web.templating import render

PUBLIC_PATHS = ("/login", "/invite/", "/static/", "/health")


def safe_next(target: str | None) -> str:
    """Only local paths: `next=https://evil.example` or `//evil.example` become `/`."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


class LoadUser:
    """Puts the session's user and actor (or None) on `request.state`; drops stale sessions."""

    def __init__(self, app: ASGIApp, db: Database) -> None:
        self.app, self.db = app, db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            session = scope.get("session", {})
            found = session_principal(self.db, session.get("user_id"), session.get("sv"))
            if found is None and "user_id" in session:
                session.pop("user_id", None)
                session.pop("sv", None)
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
    login_name = str(form.get("login", "")).strip()
    password = str(form.get("password", ""))
    target = safe_next(str(form.get("next", "/")))
    throttle: Throttle = request.app.state.throttle
    key = f"{login_name.lower()}|{request.client.host if request.client else ''}"
    if throttle.blocked(key):
        return render(
            request,
            "login.html",
            {"next": target, "error": "Too many failed attempts. Wait 15 minutes and try again."},
            429,
        )
    user = authenticate(request.app.state.db, login_name, password)
    if user is None:
        throttle.failed(key)
        return render(
            request,
            "login.html",
            {"next": target, "error": "The user name or password is not right."},
            400,
        )
    throttle.succeeded(key)
    request.session.clear()  # a new session on sign-in (no fixation)
    request.session.update({"user_id": user.id, "sv": user.session_version})
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def current_actor(request: Request) -> Actor:
    """The signed-in actor (call after `login_required`)."""
    actor = request.state.actor
    assert isinstance(actor, Actor)
    return actor
