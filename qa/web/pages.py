"""Pages: the role-aware home page (views build a context; templates only show it)."""

from __future__ import annotations

from collections import Counter

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from qa.services.operations.health import schema_problem
from qa.services.pages.listings import my_assignments, visible_submissions
from qa.web.auth import current_actor, login_required
from qa.web.templating import render


async def home(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    db = request.app.state.db
    actor = current_actor(request)
    submissions = visible_submissions(db, actor)
    stage = request.query_params.get("stage") or None
    context = {
        "stage_counts": sorted(Counter(row.stage for row in submissions).items()),
        "submissions": [row for row in submissions if stage is None or row.stage == stage],
        "assignments": my_assignments(db, actor),
        "stage": stage,
    }
    name = "_submissions.html" if request.headers.get("hx-request") else "home.html"
    return render(request, name, context)


async def health(request: Request) -> Response:
    """`ok`, or 503 with the reason: the database answers and has this version's schema."""
    problem = schema_problem(request.app.state.db)
    if problem is not None:
        return _unhealthy(problem)
    return PlainTextResponse("ok")


def _unhealthy(reason: str) -> Response:
    return PlainTextResponse(f"unavailable: {reason}", 503, headers={"Retry-After": "30"})
