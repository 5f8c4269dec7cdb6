"""The QA officer's pages: the pipeline dashboard and the workspace of one file.

Every endpoint checks the officer role first (so others get 403 before anything else is
looked up). Actions are plain forms that redirect (303) after success; a refused action
shows the workspace again with the reason (and, for the decision, next to each field).
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from qa.domain.actor import Actor
from qa.domain.errors import Conflict, IllegalTransition, InvalidInput
from qa.services.decisions.decisions import (
    complete_moderation,
    mark_condition_met,
    save_consensus,
    sign_off,
)
from qa.services.pages.action_queue import action_queue
from qa.services.pages.dashboard import SORTS, PipelineFilter, pipeline
from qa.services.pages.officer_pages import (
    panel_after,
    submission_of_assignment,
    submission_of_condition,
)
from qa.services.pages.routing_status import routing_status
from qa.services.review.assignments import cancel_assignment, invite_reviewers, reinvite
from qa.services.review.extensions import decide_extension, submission_of_request
from qa.services.review.follow_up import change_due_date, remind_now
from qa.services.review.self_assessment import screen
from qa.web import clock, params
from qa.web.auth import login_required
from qa.web.errors import STATUS
from qa.web.forms import choice, form_text, kick, score_entry, version_of
from qa.web.officer_support import (
    REFUSALS,
    attempt,
    is_htmx,
    officer_action,
    officer_actor,
    review_settings,
    workspace_response,
)
from qa.web.sign_off_form import SignOffForm
from qa.web.templating import render

LOAD_ROWS = 10  # reviewers on the pipeline page, busiest first


# -- pages -----------------------------------------------------------------------------------


async def pipeline_page(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = officer_actor(request)
    filters = PipelineFilter.from_query(request.query_params)
    view = pipeline(
        request.app.state.db,
        actor,
        filters,
        now=clock.now(request),
        settings=review_settings(request),
    )
    fragment = is_htmx(request)
    name = "officer/_pipeline.html" if fragment else "officer/pipeline.html"
    routing = routing_status(request.app.state.db, actor, now=clock.now(request))
    context = {
        "view": view,
        "oob": fragment,
        "sorts": SORTS,
        "load_rows": LOAD_ROWS,
        "routing": routing,
    }
    if not fragment:
        context["queue"] = action_queue(request.app.state.db, actor)
    response = render(request, name, context)
    if fragment:  # the address bar shows the filters without the empty fields of the form
        response.headers["HX-Push-Url"] = view.filters.url(page=view.filters.page)
    return response


async def workspace_page(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    officer_actor(request)
    return workspace_response(request, int(request.path_params["id"]))


# -- actions ---------------------------------------------------------------------------------


SCREENING = {"accept": "Pass to peer review", "return": "Return to the provider"}


@officer_action("screening")
def screen_file(request: Request, actor: Actor, submission_id: int, form: FormData) -> object:
    return screen(
        request.app.state.db,
        actor,
        submission_id,
        expected_version=version_of(form),
        accept=choice(form, "outcome", "Screening outcome", SCREENING) == "accept",
        reasons=form_text(form, "reasons") or None,
    )


async def invite(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = officer_actor(request)
    submission_id = int(request.path_params["id"])
    form = await request.form()
    chosen = [
        params.whole_number(value, "Reviewer to invite (reviewer id)", "reviewer_id")
        for value in form.getlist("reviewer_id")
    ]
    if (
        chosen
        and "beyond_panel" not in form
        and (total := panel_after(request.app.state.db, submission_id, chosen))
        > review_settings(request).required_reviews
    ):
        beyond = {"selected": chosen, "total": total}
        return workspace_response(
            request, submission_id, beyond=beyond
        )  # a question, not a refusal
    return attempt(
        request,
        submission_id,
        lambda: invite_reviewers(
            request.app.state.db,
            actor,
            submission_id,
            chosen,
            today=clock.today(request),
            settings=review_settings(request),
        ),
        "panel",
    )


@officer_action("panel", submission_of_assignment)
def cancel(request: Request, actor: Actor, assignment_id: int, form: FormData) -> object:
    replacement = form_text(form, "replacement_id")
    return cancel_assignment(
        request.app.state.db,
        actor,
        assignment_id,
        expected_version=version_of(form),
        reason=form_text(form, "reason"),
        today=clock.today(request),
        settings=review_settings(request),
        replacement_id=(
            params.whole_number(replacement, "Replacement (reviewer id)", "replacement")
            if replacement
            else None
        ),
    )


@officer_action("panel", submission_of_assignment)
def reinvite_reviewer(request: Request, actor: Actor, assignment_id: int, form: FormData) -> object:
    return reinvite(
        request.app.state.db,
        actor,
        assignment_id,
        expected_version=version_of(form),
        today=clock.today(request),
        settings=review_settings(request),
    )


async def consensus(request: Request) -> Response:
    """Autosave one disputed criterion's consensus; htmx gets a status next to it."""
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = officer_actor(request)
    submission_id = int(request.path_params["id"])
    criterion = request.path_params["criterion"]
    form = await request.form()
    entry = score_entry(form, criterion, comment="rationale")
    db = request.app.state.db
    if not is_htmx(request):
        return attempt(
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
    context = {"saved": clock.wall_time(request), "scored": entry.is_scored, "error": None}
    return render(request, "officer/_consensus_status.html", context)


@officer_action("moderation")
def complete(request: Request, actor: Actor, submission_id: int, form: FormData) -> object:
    return complete_moderation(
        request.app.state.db, actor, submission_id, expected_version=version_of(form)
    )


async def sign(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = officer_actor(request)
    submission_id = int(request.path_params["id"])
    form = await request.form()
    entered = SignOffForm.parse(form)
    if "more_rows" in form:
        return workspace_response(request, submission_id, sign_form=entered.with_more_rows())
    if entered.errors:
        return workspace_response(request, submission_id, status=422, sign_form=entered)
    if "confirm_step" in form and "confirmed" not in form:  # the page's form: check, then sign
        return workspace_response(request, submission_id, sign_form=entered, confirm=True)
    try:
        sign_off(
            request.app.state.db,
            actor,
            submission_id,
            expected_version=version_of(form),
            decision=entered.decision,
            rationale=entered.rationale or None,
            today=clock.today(request),
            conditions=entered.conditions(),
            valid_to=entered.valid_to_date(),
        )
    except InvalidInput as refusal:
        refused = entered.refused(str(refusal), refusal.problems)
        return workspace_response(request, submission_id, status=422, sign_form=refused)
    except REFUSALS as refusal:  # signed by someone else meanwhile, or not independent
        code = next(c for kind, c in STATUS.items() if isinstance(refusal, kind))
        return workspace_response(request, submission_id, status=code, refusal=refusal)
    kick(request)
    return RedirectResponse(f"/officer/submissions/{submission_id}#decisions", status_code=303)


@officer_action("decisions", submission_of_condition)
def condition_met(request: Request, actor: Actor, condition_id: int, form: FormData) -> object:
    return mark_condition_met(
        request.app.state.db,
        actor,
        condition_id,
        expected_version=version_of(form),
        evidence=form_text(form, "evidence"),
    )


@officer_action(lambda assignment_id: f"assignment-{assignment_id}", submission_of_assignment)
def remind(request: Request, actor: Actor, assignment_id: int, form: FormData) -> object:
    return remind_now(request.app.state.db, actor, assignment_id, now=clock.now(request))


@officer_action(lambda assignment_id: f"assignment-{assignment_id}", submission_of_assignment)
def due_date(request: Request, actor: Actor, assignment_id: int, form: FormData) -> object:
    return change_due_date(
        request.app.state.db,
        actor,
        assignment_id,
        expected_version=version_of(form),
        new_date=params.day(form.get("due"), "New review date (due date)", "due"),
        reason=form_text(form, "reason"),
        today=clock.today(request),
    )


async def extension(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = officer_actor(request)
    db = request.app.state.db
    request_id = int(request.path_params["id"])
    submission_id = submission_of_request(db, request_id)
    form = await request.form()
    decision = choice(form, "decision", "Decision", {"approve": "Grant", "decline": "Decline"})
    return attempt(
        request,
        submission_id,
        lambda: decide_extension(
            db,
            actor,
            request_id,
            approve=decision == "approve",
            note=form_text(form, "note"),
            today=clock.today(request),
        ),
        "panel",
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
    Route("/officer/assignments/{id:int}/remind", remind, methods=["POST"]),
    Route("/officer/assignments/{id:int}/due-date", due_date, methods=["POST"]),
    Route("/officer/extensions/{id:int}", extension, methods=["POST"]),
    Route("/officer/conditions/{id:int}/met", condition_met, methods=["POST"]),
]
