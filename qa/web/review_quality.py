"""The officer's "Review quality" page: agreement, self vs peer gaps, reviewer severity (also
per quarter or month: ?by=quarter|month)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from qa.export.review_quality import (
    CHART_WIDTH,
    SPARK_HEIGHT,
    SPARK_RANGE,
    SPARK_WIDTH,
    review_quality,
)
from qa.web import params
from qa.web.auth import login_required
from qa.web.officer_support import officer_actor
from qa.web.templating import render


async def page(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = officer_actor(request)
    raw = request.query_params.get("since", "").strip()
    since = params.day(raw, "Since", "since") if raw else None
    period = request.query_params.get("by", "").strip() or "quarter"
    view = await run_in_threadpool(
        review_quality, request.app.state.db, actor, since=since, period=period
    )
    context = {
        "view": view,
        "width": CHART_WIDTH,
        "spark": {"width": SPARK_WIDTH, "height": SPARK_HEIGHT, "range": SPARK_RANGE},
    }
    return render(request, "officer/review_quality.html", context)


ROUTES: list[BaseRoute] = [Route("/officer/review-quality", page, methods=["GET"])]
