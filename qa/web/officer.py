"""The QA officer's pages: the pipeline dashboard and the workspace of one file.

Every endpoint checks the officer role first (so others get 403 before anything else is
looked up). Actions are plain forms that redirect (303) after success; a refused action
shows the workspace again with the reason (and, for the decision, next to each field).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from qa.domain.actor import Actor
from qa.domain.errors import Conflict, IllegalTransition, InvalidInput, NotAllowed, QAError
from qa.domain.policy import require_officer
from qa.domain.review_settings import ReviewSettings
from qa.domain.score_input import ScoreInput
from qa.persistence.types import utcnow
from qa.services.assignments import cancel_assignment, invite_reviewers, reinvite
from qa.services.dashboard import SORTS, PipelineFilter, pipeline
from qa.services.decisions import complete_moderation, mark_condition_met, save_consensus, sign_off
from qa.services.officer_pages import (
    submission_of_assignment,
    submission_of_condition,
    workspace,
)
from qa.services.officer_review import SignOffForm
from qa.services.self_assessment import screen
from qa.web.auth import current_actor, login_required
from qa.web.errors import STATUS
from qa.web.templating import render

CANNOT_JUDGE = "cj"
LOAD_ROWS = 10  # reviewers on the pipeline page, busiest first
REFUSALS = (InvalidInput, Conflict, IllegalTransition, NotAllowed)


def _kick(request: Request) -> None:
    kick = getattr(request.app.state, "kick", None)
    if kick is not None:
        kick()


def _officer(request: Request) -> Actor:
    actor = current_actor(request)
    require_officer(actor)
    return actor


def _settings(request: Request) -> ReviewSettings:
    settings = request.app.state.settings.review
    assert isinstance(settings, ReviewSettings)
    return settings


def _now() -> datetime:
    return utcnow()


def _htmx(request: Request) -> bool:
    """An htmx swap (a history restore asks for the whole page)."""
    headers = request.headers
    return bool(headers.get("hx-request")) and not headers.get("hx-history-restore-request")


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise InvalidInput("the page is out of date; reload it") from None


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


# -- pages -----------------------------------------------------------------------------------


async def pipeline_page(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = _officer(request)
    filters = PipelineFilter.from_query(request.query_params)
    view = pipeline(request.app.state.db, actor, filters, now=_now(), settings=_settings(request))
    fragment = _htmx(request)
    name = "officer/_pipeline.html" if fragment else "officer/pipeline.html"
    response = render(
        request, name, {"view": view, "oob": fragment, "sorts": SORTS, "load_rows": LOAD_ROWS}
    )
    if fragment:  # the address bar shows the filters without the empty fields of the form
        response.headers["HX-Push-Url"] = view.filters.url(page=view.filters.page)
    return response


async def workspace_page(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    _officer(request)
    return _workspace(request, int(request.path_params["id"]))


def _workspace(
    request: Request,
    submission_id: int,
    *,
    status: int = 200,
    refusal: QAError | None = None,
    sign_form: SignOffForm | None = None,
) -> Response:
    view = workspace(
        request.app.state.db,
        current_actor(request),
        submission_id,
        now=_now(),
        settings=_settings(request),
    )
    if sign_form is None and view.sign_off is not None:
        sign_form = SignOffForm.blank(view.sign_off)
    context: dict[str, Any] = {
        "view": view,
        "sign_form": sign_form,
        "cannot_judge": CANNOT_JUDGE,
        "message": str(refusal) if refusal else None,
        "problems": refusal.problems if isinstance(refusal, InvalidInput) else (),
    }
    return render(request, "officer/workspace.html", context, status)


def _attempt(
    request: Request, submission_id: int, action: Callable[[], object], anchor: str
) -> Response:
    """Run one action: redirect back on success, or show the workspace with the reason."""
    try:
        action()
    except REFUSALS as refusal:
        if _htmx(request):
            raise
        code = next(c for kind, c in STATUS.items() if isinstance(refusal, kind))
        return _workspace(request, submission_id, status=code, refusal=refusal)
    _kick(request)
    target = f"/officer/submissions/{submission_id}#{anchor}"
    if _htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


# -- actions ---------------------------------------------------------------------------------


async def screen_file(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = _officer(request)
    submission_id = int(request.path_params["id"])
    form = await request.form()
    return _attempt(
        request,
        submission_id,
        lambda: screen(
            request.app.state.db,
            actor,
            submission_id,
            expected_version=_int(form.get("version")),
            accept=form.get("outcome") == "accept",
            reasons=_text(form, "reasons") or None,
        ),
        "screening",
    )


async def invite(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = _officer(request)
    submission_id = int(request.path_params["id"])
    form = await request.form()
    return _attempt(
        request,
        submission_id,
        lambda: invite_reviewers(
            request.app.state.db,
            actor,
            submission_id,
            [_int(value) for value in form.getlist("reviewer_id")],
            today=_now().date(),
            settings=_settings(request),
        ),
        "panel",
    )


async def cancel(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = _officer(request)
    db = request.app.state.db
    assignment_id = int(request.path_params["id"])
    submission_id = submission_of_assignment(db, assignment_id)
    form = await request.form()
    replacement = _text(form, "replacement_id")
    return _attempt(
        request,
        submission_id,
        lambda: cancel_assignment(
            db,
            actor,
            assignment_id,
            expected_version=_int(form.get("version")),
            reason=_text(form, "reason"),
            today=_now().date(),
            settings=_settings(request),
            replacement_id=_int(replacement) if replacement else None,
        ),
        "panel",
    )


async def reinvite_reviewer(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = _officer(request)
    db = request.app.state.db
    assignment_id = int(request.path_params["id"])
    submission_id = submission_of_assignment(db, assignment_id)
    form = await request.form()
    return _attempt(
        request,
        submission_id,
        lambda: reinvite(
            db,
            actor,
            assignment_id,
            expected_version=_int(form.get("version")),
            today=_now().date(),
            settings=_settings(request),
        ),
        "panel",
    )


async def consensus(request: Request) -> Response:
    """Autosave one disputed criterion's consensus; htmx gets a status next to it."""
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = _officer(request)
    submission_id = int(request.path_params["id"])
    criterion = request.path_params["criterion"]
    form = await request.form()
    level = _text(form, f"level-{criterion}")
    entry = ScoreInput(
        criterion,
        level=int(level) if level in ("0", "1", "2", "3") else None,
        cannot_judge=level == CANNOT_JUDGE,
        comment=_text(form, f"rationale-{criterion}") or None,
    )
    db = request.app.state.db
    if not _htmx(request):
        return _attempt(
            request,
            submission_id,
            lambda: save_consensus(db, actor, submission_id, entry),
            f"c-{criterion}",
        )
    # htmx 2 does not swap 4xx answers by default: a refused autosave is a status shown next
    # to the criterion ("not saved: ..."), like the saved time, so it is answered with 200.
    try:
        save_consensus(db, actor, submission_id, entry)
    except (InvalidInput, Conflict, IllegalTransition) as refusal:
        context = {"error": str(refusal), "criterion": criterion}
        return render(request, "officer/_consensus_status.html", context)
    context = {"saved": _now().strftime("%H:%M:%S"), "scored": entry.is_scored, "error": None}
    return render(request, "officer/_consensus_status.html", context)


async def complete(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = _officer(request)
    submission_id = int(request.path_params["id"])
    form = await request.form()
    return _attempt(
        request,
        submission_id,
        lambda: complete_moderation(
            request.app.state.db, actor, submission_id, expected_version=_int(form.get("version"))
        ),
        "moderation",
    )


async def sign(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = _officer(request)
    submission_id = int(request.path_params["id"])
    form = await request.form()
    entered = SignOffForm.parse(form)
    if "more_rows" in form:
        return _workspace(request, submission_id, sign_form=entered.with_more_rows())
    if entered.errors:
        return _workspace(request, submission_id, status=422, sign_form=entered)
    try:
        sign_off(
            request.app.state.db,
            actor,
            submission_id,
            expected_version=_int(form.get("version")),
            decision=entered.decision,
            rationale=entered.rationale or None,
            today=_now().date(),
            conditions=entered.conditions(),
            valid_to=entered.valid_to_date(),
        )
    except InvalidInput as refusal:
        refused = entered.refused(str(refusal), refusal.problems)
        return _workspace(request, submission_id, status=422, sign_form=refused)
    except REFUSALS as refusal:  # signed by someone else meanwhile, or not independent
        code = next(c for kind, c in STATUS.items() if isinstance(refusal, kind))
        return _workspace(request, submission_id, status=code, refusal=refusal)
    _kick(request)
    return RedirectResponse(f"/officer/submissions/{submission_id}#decisions", status_code=303)


async def condition_met(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = _officer(request)
    db = request.app.state.db
    condition_id = int(request.path_params["id"])
    submission_id = submission_of_condition(db, condition_id)
    form = await request.form()
    return _attempt(
        request,
        submission_id,
        lambda: mark_condition_met(
            db,
            actor,
            condition_id,
            expected_version=_int(form.get("version")),
            evidence=_text(form, "evidence"),
        ),
        "decisions",
    )


ROUTES: list[BaseRoute] = [
    Route("/officer", pipeline_page),
    Route("/officer/submissions/{id:int}", workspace_page),
    Route("/officer/submissions/{id:int}/screen", screen_file, methods=["POST"]),
    Route("/officer/submissions/{id:int}/invite", invite, methods=["POST"]),
    Route("/officer/submissions/{id:int}/consensus/{criterion}", consensus, methods=["POST"]),
    Route("/officer/submissions/{id:int}/moderation", complete, methods=["POST"]),
    Route("/officer/submissions/{id:int}/sign-off", sign, methods=["POST"]),
    Route("/officer/assignments/{id:int}/cancel", cancel, methods=["POST"]),
    Route("/officer/assignments/{id:int}/reinvite", reinvite_reviewer, methods=["POST"]),
    Route("/officer/conditions/{id:int}/met", condition_met, methods=["POST"]),
]
