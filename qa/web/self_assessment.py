"""The provider's self-assessment: per-criterion autosave, progress, submit with what is missing."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from qa.domain.errors import InvalidInput
from qa.services.pages.self_assessment_page import progress, self_assessment_page
from qa.services.review.self_assessment import save_self_score, submit_self_assessment
from qa.web import clock
from qa.web.auth import current_actor, login_required
from qa.web.forms import CANNOT_JUDGE, kick, score_entry, version_of
from qa.web.provider_support import go_to
from qa.web.templating import render


def _id(request: Request) -> int:
    return int(request.path_params["id"])


async def page(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    view = self_assessment_page(request.app.state.db, current_actor(request), _id(request))
    return render(
        request,
        "provider/self_assessment.html",
        {"view": view, "cannot_judge": CANNOT_JUDGE, "missing": (), "problem": None},
    )


async def autosave(request: Request) -> Response:
    """One criterion; answers with its saved state and the page's progress (out of band)."""
    if (redirect := login_required(request)) is not None:
        return redirect
    db, actor, submission_id = request.app.state.db, current_actor(request), _id(request)
    criterion = request.path_params["criterion"]
    form = await request.form()
    entry = score_entry(form, criterion, with_evidence=True)
    save_self_score(db, actor, submission_id, entry)
    done = progress(db, actor, submission_id, criterion)
    context = {
        "criterion": criterion,
        "saved": clock.wall_time(request),
        "progress": done,
        "scored": entry.is_scored,
    }
    return render(request, "provider/_self_assessment_saved.html", context)


async def submit(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    db, actor, submission_id = request.app.state.db, current_actor(request), _id(request)
    form = await request.form()
    try:
        submit_self_assessment(db, actor, submission_id, expected_version=version_of(form))
    except InvalidInput as exc:
        view = self_assessment_page(db, actor, submission_id)
        missing = tuple(_missing(problem) for problem in exc.problems)
        context = {
            "view": view,
            "cannot_judge": CANNOT_JUDGE,
            "missing": missing,
            "problem": str(exc),
        }
        return render(request, "provider/self_assessment.html", context, 422)
    kick(request)
    return go_to(request, f"/submissions/{submission_id}?done=self_assessment")


def _missing(problem: str) -> tuple[str, str]:
    """("QUAL-1", what is missing) from the service's "QUAL-1 (evidence, ...)" problems."""
    criterion, _, detail = problem.partition(" ")
    return criterion, detail.strip(" ()") or "a level, or cannot judge"
