"""The composition root of the web app: `create_app(settings)` wires everything."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from qa.config import Settings
from qa.domain.errors import QAError
from qa.persistence.db import Database
from qa.web import (
    account,
    admin,
    admin_pages,
    agency,
    assignment_round,
    notifications,
    officer,
    officer_conditions,
    officer_corrections,
    provider,
    review_quality,
    reviews,
)
from qa.web.api.app import mount as api_mount
from qa.web.auth import HashingSlots, LoadUser, SignInRules, login, login_page, logout
from qa.web.cookies import SessionCookie
from qa.web.errors import (
    ContainErrors,
    database_unavailable,
    http_error,
    qa_error,
    server_error,
)
from qa.web.input_guard import InputGuard
from qa.web.pages import health, home
from qa.web.params import bound_path_ids
from qa.web.security import CSRFProtection, SecurityHeaders

STATIC = Path(__file__).resolve().parent / "static"


def secret_key(settings: Settings) -> str:
    """The session signing key: `QA_SECRET_KEY`, else the file `QA_SECRET_KEY_FILE`, else
    one generated once into the data folder (mode 0600).

    Replicated web processes on several machines must share it (either setting); the data
    folder's key is the embedded default.
    """
    if settings.secret_key:
        return settings.secret_key
    if settings.secret_key_file is not None:
        return settings.secret_key_file.read_text(encoding="utf-8").strip()
    path = settings.data_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def create_app(settings: Settings, *, db: Database | None = None) -> Starlette:
    database = db or Database(settings.database_url, clock=settings.clock())
    rules = SignInRules.from_settings(settings.web)
    app = Starlette(
        routes=[
            Route("/", home),
            Route("/login", login_page, methods=["GET"]),
            Route("/login", login, methods=["POST"]),
            Route("/logout", logout, methods=["POST"]),
            Route("/health", health),
            Route("/healthz", health),
            Route("/reviews/{id:int}", reviews.page),
            Route("/reviews/{id:int}/answer", reviews.answer, methods=["POST"]),
            Route("/reviews/{id:int}/scores/{criterion}", reviews.autosave, methods=["POST"]),
            Route("/reviews/{id:int}/submit", reviews.submit, methods=["POST"]),
            Route("/reviews/{id:int}/extension", reviews.ask_for_time, methods=["POST"]),
            *provider.ROUTES,
            *officer.ROUTES,
            *officer_corrections.ROUTES,
            *officer_conditions.ROUTES,
            *notifications.ROUTES,
            *assignment_round.ROUTES,
            *review_quality.ROUTES,
            *account.ROUTES,
            *admin.ROUTES,
            *admin_pages.ROUTES,
            *agency.ROUTES,
            api_mount(),  # /api/v1: bearer tokens only (see qa.web.api)
            Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
        ],
        exception_handlers={
            QAError: qa_error,
            HTTPException: http_error,
            DBAPIError: database_unavailable,
            500: server_error,
        },
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(ContainErrors),
            Middleware(SessionCookie, secret_key=secret_key(settings), web=settings.web),
            Middleware(CSRFProtection),
            Middleware(LoadUser, db=database, sessions=rules.sessions),
            Middleware(InputGuard),
        ],
    )
    bound_path_ids(app.routes)  # an id the database cannot hold is a 404, like any unknown
    app.state.db = database
    app.state.settings = settings
    app.state.sign_in_rules = rules
    app.state.hashing_slots = HashingSlots()
    app.state.kick = None  # `qa serve` sets the routing worker's kick here
    return app
