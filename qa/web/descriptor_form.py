"""The provider's descriptor form: a new draft, a draft's edits, a revision, inline checks.

Every save validates the whole descriptor with the catalogue import's validator. "Save draft"
keeps whatever is filled in; only malformed values refuse it: the form comes back (422) with the
values kept, an error summary linking to each field and the messages next to their fields, and
nothing is saved (the last saved draft stays as it was). Missing required elements are named
when the provider checks or submits the draft: the draft's form opens with a summary of them.
Each field also checks itself on change (`POST /submissions/validate/{field}`) with the same
validator.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from starlette.requests import Request
from starlette.responses import Response

from qa.domain.descriptor_form import (
    FORM_FIELDS,
    IDENTIFIER_HINT,
    MAX_BODIES,
    SECTIONS,
    FormValues,
    raw_descriptor,
    values_from_descriptor,
    values_from_form,
)
from qa.domain.descriptor_messages import error_summary, inline_messages, messages_by_field
from qa.domain.enums import Stage
from qa.domain.errors import Conflict, NotFound
from qa.domain.report import ValidationReport
from qa.services.pages.provider_decisions import DecisionView
from qa.services.pages.provider_pages import status_page
from qa.services.submissions.descriptor_drafts import (
    Editable,
    check,
    edit,
    editable,
    require_author,
    resubmit_revised,
    start,
)
from qa.web import clock
from qa.web.auth import current_actor, login_required
from qa.web.forms import kick, version_of
from qa.web.provider_support import go_to, posted
from qa.web.templating import render

CHECK_URL = "/submissions/validate"
NEW, EDIT, RESUBMIT = "new", "edit", "resubmit"


@dataclass(frozen=True)
class FormPage:
    """Everything the form template needs besides the values and messages."""

    mode: str
    action: str
    heading: str
    draft: Editable | None = None
    conflict: str | None = None
    incomplete: bool = False  # sent back from "check" or "submit": the draft is saved, not sent


def _form_page(
    request: Request,
    page: FormPage,
    values: FormValues,
    report: ValidationReport | None,
    *,
    status: int = 200,
    summary: bool = False,
    decision: DecisionView | None = None,
) -> Response:
    issues = report.issues if report else ()
    context = {
        "page": page,
        "sections": SECTIONS,
        "values": values,
        "messages": messages_by_field(issues),
        "summary": error_summary(report) if report and summary else [],
        "check_url": CHECK_URL,
        "identifier_hint": IDENTIFIER_HINT,
        "max_bodies": MAX_BODIES,
        "decision": decision,
        "after_save": status >= 400,
    }
    return render(request, "provider/descriptor_form.html", context, status)


def _intent(posted_values: dict[str, list[str]]) -> str:
    return (posted_values.get("intent") or ["save"])[0]


async def new_form(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    require_author(current_actor(request))
    values = FormValues(text={"title_language": "en"})
    return _form_page(request, _new_page(), values, None)


async def new_save(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = current_actor(request)
    require_author(actor)
    fields = posted(await request.form())
    values, intent = values_from_form(fields), _intent(fields)
    if intent == "add_body":
        return _form_page(request, _new_page(), values.with_another_body(), None)
    submit = intent == "submit"
    saved = start(
        request.app.state.db,
        actor,
        raw_descriptor(values),
        today=clock.today(request),
        submit=submit,
        incomplete=True,
    )
    if not saved.ok:
        return _form_page(request, _new_page(), values, saved.report, status=422, summary=True)
    assert saved.submission_id is not None
    return _after_save(request, saved.submission_id, intent, complete=saved.complete)


async def edit_form(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    draft = editable(request.app.state.db, current_actor(request), _id(request), Stage.DRAFT)
    values = values_from_descriptor(draft.data)
    page = replace(_edit_page(draft), incomplete=request.query_params.get("incomplete") == "1")
    return _form_page(request, page, values, draft.report, summary=not draft.report.ok)


async def edit_save(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    db, actor, submission_id = request.app.state.db, current_actor(request), _id(request)
    form = await request.form()
    fields = posted(form)
    values, intent, version = values_from_form(fields), _intent(fields), version_of(form)
    draft = editable(db, actor, submission_id, Stage.DRAFT)
    if intent == "add_body":
        page = _edit_page(_at_version(draft, version))
        return _form_page(request, page, values.with_another_body(), None)
    submit = intent == "submit"
    try:
        saved = edit(
            db,
            actor,
            submission_id,
            raw_descriptor(values),
            expected_version=version,
            today=clock.today(request),
            submit=submit,
            incomplete=True,
        )
    except Conflict as exc:  # the form comes back with the current version: saving replaces it
        page = replace(_edit_page(draft), conflict=str(exc))
        return _form_page(request, page, values, None, status=409)
    if not saved.ok:
        page = _edit_page(_at_version(draft, version))
        return _form_page(request, page, values, saved.report, status=422, summary=True)
    return _after_save(request, submission_id, intent, complete=saved.complete)


def _after_save(request: Request, submission_id: int, intent: str, *, complete: bool) -> Response:
    """Where a saved draft goes: its form with what is missing when it was to be checked or
    submitted but is incomplete; the review step; or its status page."""
    submit = intent == "submit"
    if (submit or intent == "review") and not complete:
        return go_to(request, f"/submissions/{submission_id}/edit?incomplete=1")
    if submit:
        kick(request)
    if intent == "review":  # saved as a draft; the review step shows what happens on submit
        return go_to(request, f"/submissions/{submission_id}/submit")
    return go_to(request, f"/submissions/{submission_id}?done={_done(submit, 'saved')}")


async def resubmit_form(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    db, actor, submission_id = request.app.state.db, current_actor(request), _id(request)
    revision = editable(db, actor, submission_id, Stage.REVISE_AND_RESUBMIT)
    values = values_from_descriptor(revision.data)
    return _form_page(
        request,
        _resubmit_page(revision),
        values,
        revision.report,
        summary=not revision.report.ok,
        decision=_latest_decision(request, submission_id),
    )


async def resubmit_save(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    db, actor, submission_id = request.app.state.db, current_actor(request), _id(request)
    form = await request.form()
    fields = posted(form)
    values, intent, version = values_from_form(fields), _intent(fields), version_of(form)
    revision = editable(db, actor, submission_id, Stage.REVISE_AND_RESUBMIT)
    page = _resubmit_page(_at_version(revision, version))
    decision = _latest_decision(request, submission_id)
    if intent == "add_body":
        return _form_page(request, page, values.with_another_body(), None, decision=decision)
    try:
        saved = resubmit_revised(
            db,
            actor,
            submission_id,
            raw_descriptor(values),
            expected_version=version,
            today=clock.today(request),
        )
    except Conflict as exc:
        page = replace(_resubmit_page(revision), conflict=str(exc))
        return _form_page(request, page, values, None, status=409, decision=decision)
    if not saved.ok:
        return _form_page(
            request, page, values, saved.report, status=422, summary=True, decision=decision
        )
    kick(request)
    return go_to(request, f"/submissions/{submission_id}?done=resubmitted")


async def check_field(request: Request) -> Response:
    """The inline check of one field: its messages, and its related fields' (out of band)."""
    if (redirect := login_required(request)) is not None:
        return redirect
    key = request.path_params["field"]
    if key not in FORM_FIELDS:
        raise NotFound(f"{key!r} is not an element of the descriptor form")
    values = values_from_form(posted(await request.form()))
    report = check(current_actor(request), raw_descriptor(values), today=clock.today(request))
    messages = inline_messages(report, key)
    context = {
        "form_field": FORM_FIELDS[key],
        "values": values,
        "messages": messages,
        "related": [name for name in messages if name != key],
        "check_url": CHECK_URL,
        "identifier_hint": IDENTIFIER_HINT,
        "max_bodies": MAX_BODIES,
    }
    return render(request, "provider/_field_check.html", context)


def _id(request: Request) -> int:
    return int(request.path_params["id"])


def _done(submit: bool, otherwise: str) -> str:
    return "submitted" if submit else otherwise


def _new_page() -> FormPage:
    return FormPage(NEW, "/submissions/new", "Describe a new micro-credential")


def _edit_page(draft: Editable) -> FormPage:
    return FormPage(
        EDIT, f"/submissions/{draft.submission_id}/edit", f"Edit draft: {draft.title}", draft
    )


def _resubmit_page(revision: Editable) -> FormPage:
    return FormPage(
        RESUBMIT,
        f"/submissions/{revision.submission_id}/resubmit",
        f"Revise and resubmit: {revision.title}",
        revision,
    )


def _at_version(draft: Editable, version: int) -> Editable:
    """Keep the version the person opened (a stale one must still fail on save)."""
    return replace(draft, version=version)


def _latest_decision(request: Request, submission_id: int) -> DecisionView | None:
    page = status_page(request.app.state.db, current_actor(request), submission_id)
    return page.decisions[-1] if page.decisions else None
