"""Officers' view of notifications that could not be sent (dead letters), and a retry."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from qa.services.automation.delivery import MAX_ATTEMPTS, dead_letters, retry_dead_letter
from qa.web.auth import login_required
from qa.web.officer_support import officer_actor
from qa.web.templating import render


def page(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    rows, total = dead_letters(request.app.state.db, officer_actor(request))
    return render(
        request,
        "officer/notifications.html",
        {"dead": rows, "total": total, "max_attempts": MAX_ATTEMPTS},
    )


def retry(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    retry_dead_letter(request.app.state.db, officer_actor(request), int(request.path_params["id"]))
    kick = getattr(request.app.state, "kick", None)
    if kick is not None:
        kick()
    return RedirectResponse("/officer/notifications", status_code=303)


ROUTES: list[BaseRoute] = [
    Route("/officer/notifications", page, methods=["GET"]),
    Route("/officer/notifications/{id:int}/retry", retry, methods=["POST"]),
]
