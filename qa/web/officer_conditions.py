"""A condition's report from the officer's workspace: send it back when the evidence is short.

("Mark met", which confirms a report, lives with the other decision actions in `officer`.)
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from qa.domain.actor import Actor
from qa.services.decisions.condition_reports import return_condition_report
from qa.services.pages.officer_pages import submission_of_condition
from qa.web.forms import form_text, version_of
from qa.web.officer_support import officer_action


@officer_action("decisions", submission_of_condition)
def send_back(request: Request, actor: Actor, condition_id: int, form: FormData) -> object:
    """The provider's report does not show the condition met: back to them with a note."""
    return return_condition_report(
        request.app.state.db,
        actor,
        condition_id,
        expected_version=version_of(form),
        note=form_text(form, "note"),
    )


ROUTES: list[BaseRoute] = [
    Route("/officer/conditions/{id:int}/send-back", send_back, methods=["POST"]),
]
