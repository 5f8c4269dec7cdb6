"""A condition's report from the officer's workspace: send it back when the evidence is short.

("Mark met", which confirms a report, lives with the other decision actions in `officer`.)
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from qa.services.decisions.condition_reports import return_condition_report
from qa.services.pages.officer_pages import submission_of_condition
from qa.web import params
from qa.web.auth import login_required
from qa.web.forms import form_text
from qa.web.officer_support import attempt, officer_actor


async def send_back(request: Request) -> Response:
    """The provider's report does not show the condition met: back to them with a note."""
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = officer_actor(request)
    db = request.app.state.db
    condition_id = int(request.path_params["id"])
    submission_id = submission_of_condition(db, condition_id)
    form = await request.form()
    return attempt(
        request,
        submission_id,
        lambda: return_condition_report(
            db,
            actor,
            condition_id,
            expected_version=params.version(form.get("version")),
            note=form_text(form, "note"),
        ),
        "decisions",
    )


ROUTES: list[BaseRoute] = [
    Route("/officer/conditions/{id:int}/send-back", send_back, methods=["POST"]),
]
