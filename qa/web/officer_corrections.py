"""Corrections from the officer's workspace: reopen a submitted review with a reason."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from qa.domain.actor import Actor
from qa.services.decisions.corrections import reopen_review
from qa.services.pages.officer_pages import submission_of_assignment
from qa.web.forms import form_text, version_of
from qa.web.officer_support import officer_action


@officer_action("panel", submission_of_assignment)
def reopen(request: Request, actor: Actor, assignment_id: int, form: FormData) -> object:
    """Reopen a submitted review so its reviewer can correct it (with a reason, audited)."""
    return reopen_review(
        request.app.state.db,
        actor,
        assignment_id,
        expected_version=version_of(form),
        reason=form_text(form, "reason"),
    )


ROUTES: list[BaseRoute] = [
    Route("/officer/assignments/{id:int}/reopen", reopen, methods=["POST"]),
]
