"""Micro-credential files: list, read (stage, history, next step, decisions), create and edit
drafts, submit. The same services as the provider's pages, so the same policy, the same
Annex I validation and the same per-field messages (`validate_descriptor`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.responses import Response

from qa.domain.descriptor import Descriptor
from qa.domain.errors import Conflict, NotAllowed
from qa.domain.report import ValidationReport
from qa.export.deqar_fields import Cells, deqar_fields
from qa.export.pack.options import DeqarConfig
from qa.services.pages.listings import my_assignments, visible_submissions
from qa.services.pages.provider_decisions import DecisionView
from qa.services.pages.provider_pages import StatusPage, status_page
from qa.services.people.account_settings import FieldErrors
from qa.services.submissions.descriptor_drafts import edit, require_author, start
from qa.services.submissions.submissions import submit_descriptor
from qa.web.api import models as m
from qa.web.api.call import (
    Call,
    PreconditionProblem,
    if_match,
    json_response,
    paginate,
    text_control,
)
from qa.web.api.models import CURSOR_SCHEMA, LIMIT_SCHEMA
from qa.web.api.problems import problem
from qa.web.api.registry import Operation, Query
from qa.web.forms import kick

PAGING = (
    Query("limit", "Items per page (1–100, default 20).", LIMIT_SCHEMA),
    Query("cursor", "`next_cursor` of the previous page.", CURSOR_SCHEMA),
)


def list_submissions(call: Call) -> Response:
    rows = visible_submissions(call.db, call.actor)
    page, cursor = paginate(call, rows, lambda row: (row.id,))
    items = [
        m.SubmissionSummary(
            id=r.id,
            title=r.title,
            provider=r.provider,
            stage=r.stage,
            round=r.round,
            eqf_level=r.eqf_level,
            stage_entered_at=r.stage_entered_at,
        )
        for r in page
    ]
    return json_response(m.SubmissionPage(items=items, next_cursor=cursor))


def assignments(call: Call) -> Response:
    """A reviewer's own assignments (the same list as their home page); others get none."""
    rows = my_assignments(call.db, call.actor)
    page, cursor = paginate(call, rows, lambda row: (row.id,))
    items = [
        m.AssignmentOut(
            id=r.id,
            submission_id=r.submission_id,
            title=r.title,
            state=r.state,
            respond_by=date.fromisoformat(r.respond_by) if r.respond_by else None,
            review_by=date.fromisoformat(r.review_by) if r.review_by else None,
        )
        for r in page
    ]
    return json_response(m.AssignmentPage(items=items, next_cursor=cursor))


def get_submission(call: Call) -> Response:
    view = status_page(call.db, call.actor, call.id)
    return json_response(_submission(call, view), etag=view.version)


def create_submission(call: Call) -> Response:
    actor = call.actor
    require_author(actor)  # 403 before the body is looked at
    raw = _descriptor_body(call.body)
    saved = start(call.db, actor, raw, today=call.db.clock.today(), submit=False)
    if saved.submission_id is None:
        raise _invalid(saved.report)
    view = status_page(call.db, actor, saved.submission_id)
    response = json_response(_submission(call, view), status=201, etag=view.version)
    response.headers["Location"] = f"/api/v1/submissions/{view.submission_id}"
    return response


def update_descriptor(call: Call) -> Response:
    """Replace a draft's descriptor (If-Match: the ETag of the last GET)."""
    view = _provider_side(call)  # 404 / 403 before any precondition
    version = if_match(call, view.version)
    raw = _descriptor_body(call.body)
    try:
        saved = edit(
            call.db,
            call.actor,
            call.id,
            raw,
            expected_version=version,
            today=call.db.clock.today(),
            submit=False,
        )
    except Conflict as lost:  # changed between our read and the write
        raise PreconditionProblem(problem(412, str(lost), fields={"If-Match": str(lost)})) from None
    if not saved.ok:
        raise _invalid(saved.report)
    return get_submission(call)


def submit(call: Call) -> Response:
    """Send a draft for review (If-Match); the automatic Annex I check runs next."""
    view = _provider_side(call)
    version = if_match(call, view.version)
    submit_descriptor(
        call.db, call.actor, call.id, expected_version=version, today=call.db.clock.today()
    )
    kick(call.request)
    return get_submission(call)


def decisions(call: Call) -> Response:
    view = status_page(call.db, call.actor, call.id)
    deqar = deqar_fields(call.db, call.actor, call.id, _deqar_config(call))
    return json_response(
        m.DecisionList(
            submission_id=view.submission_id,
            decisions=[_decision(d, deqar.get(d.round)) for d in view.decisions],
        )
    )


def _provider_side(call: Call) -> StatusPage:
    """The file, for someone who may act for its provider (`require_provider_of`), or 403."""
    view = status_page(call.db, call.actor, call.id)
    if not view.acts_for_provider:
        raise NotAllowed("only the provider or a QA officer can change this micro-credential")
    return view


def _descriptor_body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise FieldErrors(
            "the body is not a descriptor",
            {"body": "Send the descriptor as a JSON object of Annex I elements."},
        )
    text_control(body)
    return body


def _invalid(report: ValidationReport) -> FieldErrors:
    """Every error of the report keyed by its element, as the form shows them."""
    fields: dict[str, str] = {}
    for issue in report.errors:
        fields[issue.element] = (
            f"{fields[issue.element]} {issue.message}" if issue.element in fields else issue.message
        )
    return FieldErrors("the descriptor is not valid; nothing was saved", fields)


def _deqar_config(call: Call) -> DeqarConfig:
    return DeqarConfig.from_settings(call.settings.deqar)


def _decision(d: DecisionView, deqar: Cells | None) -> m.DecisionOut:
    return m.DecisionOut(
        round=d.round,
        decision=d.decision,
        decision_words=d.decision_words,
        recommended=d.recommended,
        rationale=d.rationale,
        signed_at=d.signed_at,
        signed_by=d.signed_by,
        valid_from=d.valid_from,
        valid_to=d.valid_to,
        conditions=[
            m.ConditionOut(
                text=c.text,
                owner=c.owner,
                due_date=c.due_date,
                status=c.status,
                evidence=c.evidence,
            )
            for c in d.conditions
        ],
        overall_mean=d.overall_mean,
        reasons=list(d.reasons),
        deqar=deqar,
    )


def _submission(call: Call, view: StatusPage) -> m.SubmissionOut:
    deqar = deqar_fields(call.db, call.actor, view.submission_id, _deqar_config(call))
    step = view.next_step
    return m.SubmissionOut(
        id=view.submission_id,
        title=view.title,
        external_id=view.external_id,
        provider=view.provider,
        stage=view.stage,
        stage_name=view.stage_name,
        round=view.round,
        version=view.version,
        updated_at=view.updated_at,
        descriptor=[
            m.DescriptorRowOut(label=r.label, values=list(r.values)) for r in view.descriptor
        ],
        warnings=list(view.warnings),
        history=[
            m.HistoryOut(
                at=h.at,
                round=h.round,
                from_stage=h.from_stage,
                to_stage=h.to_stage,
                to_name=h.to_name,
                event=h.event,
                who=h.who,
                reason=h.reason,
            )
            for h in view.history
        ],
        next_step=m.NextStepOut(holder=str(step.holder.value), text=step.text) if step else None,
        decisions=[_decision(d, deqar.get(d.round)) for d in view.decisions],
        can_edit=view.can_edit,
        can_submit=view.can_submit,
        can_withdraw=view.can_withdraw,
    )


OPERATIONS = (
    Operation(
        "GET",
        "/assignments",
        assignments,
        "Reviewers: their own assignments, newest first",
        "reviews",
        m.AssignmentPage,
        queries=PAGING,
    ),
    Operation(
        "GET",
        "/submissions",
        list_submissions,
        "The files the token's user may see, newest first",
        "submissions",
        m.SubmissionPage,
        queries=PAGING,
    ),
    Operation(
        "POST",
        "/submissions",
        create_submission,
        "Start a draft (providers): the Annex I descriptor as JSON",
        "submissions",
        m.SubmissionOut,
        status=201,
        body=Descriptor,
        errors=(409,),
        headers=("ETag", "Location"),
        description="Validated as the form and the catalogue import validate it; on errors "
        "nothing is saved and `errors` names each element with the form's message.",
    ),
    Operation(
        "GET",
        "/submissions/{id}",
        get_submission,
        "A file: stage, history, next step, descriptor, decisions",
        "submissions",
        m.SubmissionOut,
        headers=("ETag",),
    ),
    Operation(
        "PUT",
        "/submissions/{id}/descriptor",
        update_descriptor,
        "Replace a draft's descriptor",
        "submissions",
        m.SubmissionOut,
        body=Descriptor,
        if_match=True,
        headers=("ETag",),
    ),
    Operation(
        "POST",
        "/submissions/{id}/submit",
        submit,
        "Submit a draft for review",
        "submissions",
        m.SubmissionOut,
        if_match=True,
        headers=("ETag",),
    ),
    Operation(
        "GET",
        "/submissions/{id}/decisions",
        decisions,
        "A file's decisions, with conditions and DEQAR fields",
        "decisions",
        m.DecisionList,
    ),
)
