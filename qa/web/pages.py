"""Pages: the role-aware home page (views build a context; templates only show it)."""

from __future__ import annotations

from collections import Counter

from starlette.requests import Request
from starlette.responses import Response

from qa.services.listings import my_assignments, visible_submissions
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
    return Response("ok", media_type="text/plain")
