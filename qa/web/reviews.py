"""The reviewer's pages: answer the invitation, declare conflicts, score with autosave."""

from __future__ import annotations

import re
from datetime import date

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from qa.domain.assignments import CoiStatus
from qa.domain.bounds import calendar_day
from qa.domain.errors import InvalidInput, QAError
from qa.services.pages.review_page import (
    RECOMMENDATIONS,
    progress_of,
    review_page,
    saved_label,
)
from qa.services.review.autosave import autosave_review_score
from qa.services.review.extensions import request_extension
from qa.services.review.reviews import declare_conflict, respond, submit_review
from qa.web import clock
from qa.web.auth import current_actor, login_required
from qa.web.errors import qa_error
from qa.web.forms import CANNOT_JUDGE, kick, score_entry, version_of
from qa.web.templating import render, templates

MIN_SUMMARY = 20  # the service checks it again
MAX_SUMMARY = 5000  # the form's maxlength
_CRITERION = re.compile(r"^[A-Z]{4}-\d{1,2}$")


async def page(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    db = request.app.state.db
    view = review_page(db, current_actor(request), int(request.path_params["id"]))
    return render(request, "review.html", {"view": view, "cannot_judge": CANNOT_JUDGE})


async def answer(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    db = request.app.state.db
    form = await request.form()
    assignment_id = int(request.path_params["id"])
    actor = current_actor(request)
    version = version_of(form)
    if "accept" in form or "decline" in form:
        respond(
            db,
            actor,
            assignment_id,
            expected_version=version,
            accept="accept" in form,
            reason=str(form.get("reason", "")).strip() or None,
        )
    else:
        conflict = form.get("conflict")
        if conflict not in (CoiStatus.NONE, CoiStatus.DECLARED):
            raise InvalidInput(
                "conflict of interest: say whether you have one (or accept or decline the "
                "invitation, if you have not answered it yet)",
                field="conflict",
            )
        declare_conflict(
            db,
            actor,
            assignment_id,
            expected_version=version,
            has_conflict=conflict == CoiStatus.DECLARED,
            details=str(form.get("details", "")) or None,
        )
    kick(request)
    return RedirectResponse(f"/reviews/{assignment_id}", status_code=303)


async def autosave(request: Request) -> Response:
    """One criterion; answers with its status line and, out of band, the page's progress.

    A refused save goes through the central error handler (into `#messages`) and also marks
    the criterion itself as not saved.
    """
    if (redirect := login_required(request)) is not None:
        return redirect
    db = request.app.state.db
    form = await request.form()
    assignment_id = int(request.path_params["id"])
    criterion = request.path_params["criterion"]
    if not request.headers.get("hx-request"):  # autosave is an htmx-only endpoint
        return RedirectResponse(f"/reviews/{assignment_id}", status_code=303)
    entry = score_entry(form, criterion)
    actor = current_actor(request)
    try:
        saved = autosave_review_score(db, actor, assignment_id, entry)
    except QAError as exc:
        return await _not_saved(request, exc, criterion)
    now = clock.now(request)
    context = {
        "criterion": criterion,
        "saved": saved_label(now, now),
        "saved_at": now.isoformat(timespec="seconds"),
        "progress": None if saved.done is None else progress_of(saved.rubric, saved.done),
    }
    return render(request, "_saved.html", context)


async def _not_saved(request: Request, exc: QAError, criterion: str) -> Response:
    response = await qa_error(request, exc)
    if _CRITERION.match(criterion):
        fragment = templates.get_template("reviews/_not_saved.html").render(
            criterion=criterion, message=str(exc)
        )
        response.body = bytes(response.body) + fragment.encode("utf-8")
        response.headers["content-length"] = str(len(response.body))
    return response


async def submit(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    db = request.app.state.db
    form = await request.form()
    assignment_id = int(request.path_params["id"])
    recommendation = str(form.get("recommendation", ""))
    summary = str(form.get("summary", ""))
    if problems := _submit_problems(recommendation, summary):
        raise InvalidInput("the review was not submitted", problems)
    actor = current_actor(request)
    try:
        submit_review(
            db,
            actor,
            assignment_id,
            expected_version=version_of(form),
            recommendation=recommendation,
            summary=summary,
        )
    except InvalidInput as refusal:  # missing criteria: name them with their titles
        if not any(_CRITERION.match(p) for p in refusal.problems):
            raise
        rubric = review_page(db, actor, assignment_id).rubric
        titled = tuple(
            f"{p} {rubric.criterion(p).title}" if _CRITERION.match(p) else p
            for p in refusal.problems
        )
        raise InvalidInput(str(refusal), titled) from refusal
    kick(request)
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": f"/reviews/{assignment_id}"})
    return RedirectResponse(f"/reviews/{assignment_id}", status_code=303)


def _submit_problems(recommendation: str, summary: str) -> tuple[str, ...]:
    """What the form misses (the form has `novalidate`: the page's own summary, not a popup)."""
    problems = []
    choices = dict(RECOMMENDATIONS)
    if not recommendation:
        problems.append("Choose your recommendation")
    elif recommendation not in choices:
        shown = ", ".join(f"“{words}”" for words in choices.values())
        problems.append(f"Your recommendation: that is not one of its choices; choose {shown}")
    if len(summary.strip()) < MIN_SUMMARY:
        problems.append(f"Write a summary for the provider of at least {MIN_SUMMARY} characters")
    elif len(summary.strip()) > MAX_SUMMARY:
        problems.append(
            f"Summary for the provider: too long ({len(summary.strip()):,} characters); "
            f"keep it to at most {MAX_SUMMARY:,}"
        )
    return tuple(problems)


async def ask_for_time(request: Request) -> Response:
    """The reviewer asks for a later review date; the QA office answers on the panel."""
    if (redirect := login_required(request)) is not None:
        return redirect
    form = await request.form()
    assignment_id = int(request.path_params["id"])
    try:
        proposed: date | None = calendar_day(str(form.get("due", "")))
    except ValueError:
        proposed = None  # the service says so, after checking whose review it is
    request_extension(
        request.app.state.db,
        current_actor(request),
        assignment_id,
        proposed=proposed,
        reason=str(form.get("reason", "")),
        today=clock.today(request),
    )
    return RedirectResponse(f"/reviews/{assignment_id}#more-time", status_code=303)
