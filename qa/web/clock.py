"""The web app's view of the product clock: the one its database carries."""

from __future__ import annotations

from datetime import date, datetime

from starlette.requests import Request

from qa.domain.clock import Clock


def app_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.db.clock
    return clock


def now(request: Request) -> datetime:
    return app_clock(request).now()


def today(request: Request) -> date:
    return app_clock(request).today()


def wall_time(request: Request) -> str:
    """The office's wall-clock time now, as shown beside "Saved"."""
    clock = app_clock(request)
    return clock.local(clock.now()).strftime("%H:%M:%S")
