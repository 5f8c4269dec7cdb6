"""What the QA office's handlers share: the acting officer, form values, and answering an
action with a redirect back to the workspace or the workspace with the reason."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from qa.domain.actor import Actor
from qa.domain.errors import Conflict, IllegalTransition, InvalidInput, NotAllowed, QAError
from qa.domain.policy import require_officer
from qa.domain.review_settings import ReviewSettings
from qa.persistence.db import Database
from qa.services.pages.officer_pages import workspace
from qa.web import clock
from qa.web.auth import current_actor, login_required
from qa.web.errors import STATUS
from qa.web.forms import CANNOT_JUDGE, kick
from qa.web.sign_off_form import SignOffForm
from qa.web.templating import render

REFUSALS = (InvalidInput, Conflict, IllegalTransition, NotAllowed)


def officer_actor(request: Request) -> Actor:
    actor = current_actor(request)
    require_officer(actor)
    return actor


def review_settings(request: Request) -> ReviewSettings:
    settings = request.app.state.settings.review
    assert isinstance(settings, ReviewSettings)
    return settings


def is_htmx(request: Request) -> bool:
    """An htmx swap (a history restore asks for the whole page)."""
    headers = request.headers
    return bool(headers.get("hx-request")) and not headers.get("hx-history-restore-request")


def workspace_response(
    request: Request,
    submission_id: int,
    *,
    status: int = 200,
    refusal: QAError | None = None,
    sign_form: SignOffForm | None = None,
    beyond: dict[str, Any] | None = None,
    confirm: bool = False,
) -> Response:
    view = workspace(
        request.app.state.db,
        current_actor(request),
        submission_id,
        now=clock.now(request),
        settings=review_settings(request),
    )
    if sign_form is None and view.sign_off is not None:
        sign_form = SignOffForm.blank(view.sign_off)
    context: dict[str, Any] = {
        "view": view,
        "sign_form": sign_form,
        "cannot_judge": CANNOT_JUDGE,
        "message": str(refusal) if refusal else None,
        "problems": refusal.problems if isinstance(refusal, InvalidInput) else (),
        "beyond": beyond,
        "confirm": confirm,
    }
    return render(request, "officer/workspace.html", context, status)


def attempt(
    request: Request, submission_id: int, action: Callable[[], object], anchor: str
) -> Response:
    """Run one action: redirect back on success, or show the workspace with the reason."""
    try:
        action()
    except REFUSALS as refusal:
        if is_htmx(request):
            raise
        code = next(c for kind, c in STATUS.items() if isinstance(refusal, kind))
        return workspace_response(request, submission_id, status=code, refusal=refusal)
    kick(request)
    target = f"/officer/submissions/{submission_id}#{anchor}"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


#: One officer action: the request, the acting officer, the row named in the path, the form.
Act = Callable[[Request, Actor, int, FormData], object]
Endpoint = Callable[[Request], Awaitable[Response]]


def officer_action(
    anchor: str | Callable[[int], str], locate: Callable[[Database, int], int] | None = None
) -> Callable[[Act], Endpoint]:
    """The endpoint for one officer action on the row `{id}` of its path: a file, or an
    assignment or condition that `locate` maps to its file. Signed in, then an officer (403
    before anything is looked up), then the action through `attempt`, which returns to the
    workspace at `anchor`."""

    def endpoint_for(act: Act) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            if (redirect := login_required(request)) is not None:
                return redirect
            actor = officer_actor(request)
            row_id = int(request.path_params["id"])
            db: Database = request.app.state.db
            submission_id = row_id if locate is None else locate(db, row_id)
            form = await request.form()
            where = anchor if isinstance(anchor, str) else anchor(row_id)
            return attempt(request, submission_id, lambda: act(request, actor, row_id, form), where)

        endpoint.__name__, endpoint.__doc__ = act.__name__, act.__doc__
        return endpoint

    return endpoint_for
