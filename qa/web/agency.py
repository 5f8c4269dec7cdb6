"""The QA agency's page: decided micro-credentials (filtered) and audit packs."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from qa.services.agency_pages import (
    DECISIONS,
    decided_submissions,
    parse_filter,
    provider_choices,
)
from qa.web.auth import current_actor, login_required
from qa.web.templating import render


async def page(request: Request) -> Response:
    """The full page, or only the decisions table for the htmx filter form."""
    if (redirect := login_required(request)) is not None:
        return redirect
    db, actor = request.app.state.db, current_actor(request)
    wanted, errors = parse_filter(request.query_params)
    context = {
        "decided": decided_submissions(db, actor, wanted),
        "wanted": wanted,
        "errors": errors,
    }
    if request.headers.get("hx-request"):
        return render(request, "agency/_decisions.html", context)
    context |= {
        "providers": provider_choices(db, actor),
        "decisions": [(value, label) for value, (label, _) in DECISIONS.items()],
        "packs": [],  # audit packs are built by the export flow (next release)
    }
    return render(request, "agency/agency.html", context)


ROUTES: list[BaseRoute] = [Route("/agency", page, methods=["GET"])]
