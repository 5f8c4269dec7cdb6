"""Corrections from the officer's workspace: reopen a submitted review with a reason."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from qa.services.decisions.corrections import reopen_review
from qa.services.pages.officer_pages import submission_of_assignment
from qa.web import params
from qa.web.auth import login_required
from qa.web.forms import form_text
from qa.web.officer_support import attempt, officer_actor


async def reopen(request: Request) -> Response:
    """Reopen a submitted review so its reviewer can correct it (with a reason, audited)."""
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = officer_actor(request)
    db = request.app.state.db
    assignment_id = int(request.path_params["id"])
    submission_id = submission_of_assignment(db, assignment_id)
    form = await request.form()
    return attempt(
        request,
        submission_id,
        lambda: reopen_review(
            db,
            actor,
            assignment_id,
            expected_version=params.version(form.get("version")),
            reason=form_text(form, "reason"),
        ),
        "panel",
    )


ROUTES: list[BaseRoute] = [
    Route("/officer/assignments/{id:int}/reopen", reopen, methods=["POST"]),
]
