"""The provider pages (routes are collected in `ROUTES` and mounted by `create_app`).

A submission's status page is shared by everyone who may see the file; the descriptor form
lives in `descriptor_form`, the self-assessment in `self_assessment`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from qa.domain.actor import Actor
from qa.domain.enums import Stage
from qa.domain.errors import IllegalTransition, NotAllowed
from qa.domain.stages import OPEN_STAGES, Action, plan_transition
from qa.services.decisions.condition_reports import report_condition_met
from qa.services.decisions.decisions import withdraw
from qa.services.pages.provider_pages import StatusPage, status_page
from qa.services.submissions.descriptor_drafts import editable
from qa.services.submissions.submissions import submit_descriptor
from qa.web import clock, descriptor_form, self_assessment
from qa.web.auth import current_actor, login_required
from qa.web.forms import kick, version_of
from qa.web.provider_support import go_to
from qa.web.templating import render

#: What the status page confirms after an action (a fixed text per key, never echoed input).
DONE = {
    "saved": "The draft is saved. Submit it when it is ready.",
    "submitted": "Submitted. The automatic Annex I check runs next.",
    "self_assessment": "Your self-assessment is submitted and goes to screening.",
    "resubmitted": "Resubmitted. A new review round starts with the automatic check.",
    "withdrawn": "The micro-credential is withdrawn.",
    "deleted": "The draft is deleted. It was never sent for review.",
    "reported": "Thank you: the QA office checks your evidence and records the condition as met.",
}
DRAFT_DELETED = "Draft deleted by the provider before it was submitted."


def _id(request: Request) -> int:
    return int(request.path_params["id"])


async def status(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    view = status_page(request.app.state.db, current_actor(request), _id(request))
    done = DONE.get(request.query_params.get("done", ""))
    return render(request, "provider/status.html", {"view": view, "done": done})


async def submit(request: Request) -> Response:
    """Send a draft for review: it goes to the automatic check and on to self-assessment."""
    if (redirect := login_required(request)) is not None:
        return redirect
    submission_id = _id(request)
    form = await request.form()
    if _incomplete_draft(request, submission_id):
        return go_to(request, f"/submissions/{submission_id}/edit?incomplete=1")
    submit_descriptor(
        request.app.state.db,
        current_actor(request),
        submission_id,
        expected_version=version_of(form),
        today=clock.today(request),
    )
    kick(request)
    return go_to(request, f"/submissions/{submission_id}?done=submitted")


async def submit_form(request: Request) -> Response:
    """The review step before submitting: what is checked and what happens next."""
    if (redirect := login_required(request)) is not None:
        return redirect
    view = status_page(request.app.state.db, current_actor(request), _id(request))
    if not view.acts_for_provider or (view.stage == Stage.DRAFT and not view.can_submit):
        raise NotAllowed("only the provider or a QA officer can submit a micro-credential")
    if not view.can_submit:
        raise IllegalTransition(f"it is {view.stage_name.lower()}, so it cannot be submitted")
    if _incomplete_draft(request, view.submission_id):  # its form names what is missing
        return go_to(request, f"/submissions/{view.submission_id}/edit?incomplete=1")
    return render(request, "provider/submit.html", {"view": view})


def _incomplete_draft(request: Request, submission_id: int) -> bool:
    """A draft saved before it was complete: it cannot be submitted yet."""
    db, actor = request.app.state.db, current_actor(request)
    try:
        draft = editable(db, actor, submission_id, Stage.DRAFT)
    except IllegalTransition:  # not a draft (any more): the submission itself says why
        return False
    return not draft.report.ok


async def report_condition(request: Request) -> Response:
    """The provider reports a condition as met, with evidence (an officer confirms it)."""
    if (redirect := login_required(request)) is not None:
        return redirect
    submission_id = _id(request)
    form = await request.form()
    report_condition_met(
        request.app.state.db,
        current_actor(request),
        submission_id,
        int(request.path_params["condition"]),
        expected_version=version_of(form),
        evidence=str(form.get("evidence", "")),
    )
    return go_to(request, f"/submissions/{submission_id}?done=reported")


async def withdraw_form(request: Request) -> Response:
    """Confirm before withdrawing: it closes the file for good."""
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = current_actor(request)
    view = status_page(request.app.state.db, actor, _id(request))
    _may_withdraw(view, actor)
    return render(request, "provider/withdraw.html", {"view": view, "reason": "", "error": None})


async def withdraw_save(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    db, actor, submission_id = request.app.state.db, current_actor(request), _id(request)
    view = status_page(db, actor, submission_id)
    _may_withdraw(view, actor)  # the same refusal as the form, before reading the form
    form = await request.form()
    reason = str(form.get("reason", "")).strip()
    draft = view.stage == Stage.DRAFT  # "Delete draft": no reason needed, the trail says so
    if draft and form.get("confirm") == "yes":
        reason = reason or DRAFT_DELETED
    if not reason or form.get("confirm") != "yes":
        error = (
            "Give a reason for withdrawing."
            if not reason
            else "Tick the box to confirm that you want to withdraw it."
        )
        context = {"view": view, "reason": reason, "error": error}
        return render(request, "provider/withdraw.html", context, 422)
    withdraw(db, actor, submission_id, expected_version=version_of(form), reason=reason)
    kick(request)
    return go_to(
        request, f"/submissions/{submission_id}?done={'deleted' if draft else 'withdrawn'}"
    )


def _may_withdraw(view: StatusPage, actor: Actor) -> None:
    """Refuse precisely: someone else's file or a role that may not withdraw (403, e.g. an
    admin, who may open the page), or a stage that cannot be left (409)."""
    if not view.acts_for_provider:
        raise NotAllowed("only the provider or a QA officer can withdraw a micro-credential")
    if not view.can_withdraw:
        if Stage(view.stage) in OPEN_STAGES:
            plan_transition(Stage(view.stage), Action.WITHDRAW, actor.role_names)
        raise IllegalTransition(f"it is {view.stage_name.lower()}, so it cannot be withdrawn")


ROUTES: list[BaseRoute] = [
    Route("/submissions/new", descriptor_form.new_form, methods=["GET"]),
    Route("/submissions/new", descriptor_form.new_save, methods=["POST"]),
    Route("/submissions/validate/{field}", descriptor_form.check_field, methods=["POST"]),
    Route("/submissions/{id:int}", status, methods=["GET"]),
    Route("/submissions/{id:int}/edit", descriptor_form.edit_form, methods=["GET"]),
    Route("/submissions/{id:int}/edit", descriptor_form.edit_save, methods=["POST"]),
    Route("/submissions/{id:int}/submit", submit_form, methods=["GET"]),
    Route("/submissions/{id:int}/submit", submit, methods=["POST"]),
    Route("/submissions/{id:int}/self-assessment", self_assessment.page, methods=["GET"]),
    Route(
        "/submissions/{id:int}/self-assessment/scores/{criterion}",
        self_assessment.autosave,
        methods=["POST"],
    ),
    Route("/submissions/{id:int}/self-assessment/submit", self_assessment.submit, methods=["POST"]),
    Route("/submissions/{id:int}/resubmit", descriptor_form.resubmit_form, methods=["GET"]),
    Route("/submissions/{id:int}/resubmit", descriptor_form.resubmit_save, methods=["POST"]),
    Route(
        "/submissions/{id:int}/conditions/{condition:int}/report",
        report_condition,
        methods=["POST"],
    ),
    Route("/submissions/{id:int}/withdraw", withdraw_form, methods=["GET"]),
    Route("/submissions/{id:int}/withdraw", withdraw_save, methods=["POST"]),
]
