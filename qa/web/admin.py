"""The administrator's pages: people, their roles, sign-in links and access."""

from __future__ import annotations

import re

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from qa.services.account_settings import FieldErrors
from qa.services.invitations import LINK_DAYS, IssuedLink, issue_link
from qa.services.user_admin import (
    LIST_LIMIT,
    UserForm,
    choices,
    create_user,
    list_users,
    set_active,
    update_user,
    user_detail,
)
from qa.web.auth import current_actor, login_required
from qa.web.templating import render

NOTICES = {
    "saved": "Changes saved.",
    "deactivated": "Deactivated: their sessions have ended and they cannot sign in.",
    "reactivated": "Reactivated: they can sign in again with their password or a new link.",
}
#: The one-time sign-in link waits in the session for the next page view, then is gone.
ISSUED_KEY = "issued_link"


async def users(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    search = request.query_params.get("q", "").strip()
    found = list_users(request.app.state.db, current_actor(request), search)
    context = {"users": found, "search": search, "truncated": len(found) >= LIST_LIMIT}
    name = "admin/_users.html" if request.headers.get("hx-request") else "admin/users.html"
    return render(request, name, context)


async def new_user(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    return _new_page(request, UserForm(email="", display_name="", roles=()), {})


async def add(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    form = _user_form(await request.form(), adding=True)
    try:
        link = create_user(request.app.state.db, current_actor(request), form)
    except FieldErrors as problems:
        return _new_page(request, form, problems.fields, 422)
    _keep_link(request, link)
    return RedirectResponse(f"/admin/users/{link.user_id}", status_code=303)


async def user(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    user_id = int(request.path_params["id"])
    issued = request.session.get(ISSUED_KEY)
    if isinstance(issued, dict) and issued.get("user_id") == user_id:
        request.session.pop(ISSUED_KEY)
    else:
        issued = None
    notice = NOTICES.get(request.query_params.get("done", ""))
    response = _edit_page(request, user_id, None, {}, notice=notice, issued=issued)
    if issued:
        response.headers["Cache-Control"] = "no-store"  # the link is shown once, never cached
    return response


async def edit(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    user_id = int(request.path_params["id"])
    form = _user_form(await request.form(), adding=False)
    try:
        update_user(request.app.state.db, current_actor(request), user_id, form)
    except FieldErrors as problems:
        return _edit_page(request, user_id, form, problems.fields, status=422)
    return RedirectResponse(f"/admin/users/{user_id}?done=saved", status_code=303)


async def deactivate(request: Request) -> Response:
    return await _set_active(request, active=False)


async def reactivate(request: Request) -> Response:
    return await _set_active(request, active=True)


async def new_link(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    user_id = int(request.path_params["id"])
    _keep_link(request, issue_link(request.app.state.db, current_actor(request), user_id))
    return RedirectResponse(f"/admin/users/{user_id}", status_code=303)


async def _set_active(request: Request, *, active: bool) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    user_id = int(request.path_params["id"])
    set_active(request.app.state.db, current_actor(request), user_id, active=active)
    done = "reactivated" if active else "deactivated"
    return RedirectResponse(f"/admin/users/{user_id}?done={done}", status_code=303)


def _new_page(
    request: Request, form: UserForm, errors: dict[str, str], status: int = 200
) -> Response:
    context = {
        "form": form,
        "errors": errors,
        "choices": choices(request.app.state.db, current_actor(request)),
    }
    return render(request, "admin/user_new.html", context, status)


def _edit_page(
    request: Request,
    user_id: int,
    form: UserForm | None,
    errors: dict[str, str],
    *,
    status: int = 200,
    notice: str | None = None,
    issued: object = None,
) -> Response:
    db, actor = request.app.state.db, current_actor(request)
    detail = user_detail(db, actor, user_id)
    context = {
        "detail": detail,
        "form": form or detail.form,
        "errors": errors,
        "choices": choices(db, actor),
        "notice": notice,
        "issued": issued,
        "next_link": "invitation" if detail.row.last_login_at is None else "password-reset",
        "link_days": LINK_DAYS,
    }
    return render(request, "admin/user_edit.html", context, status)


def _keep_link(request: Request, link: IssuedLink) -> None:
    request.session[ISSUED_KEY] = {
        "user_id": link.user_id,
        "url": link.url(str(request.base_url)),
        "expires_at": link.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
    }


def _user_form(form: FormData, *, adding: bool) -> UserForm:
    expertise = re.split(r"[\s,;]+", str(form.get("expertise", "")))
    return UserForm(
        email=str(form.get("email", "")),
        display_name=str(form.get("display_name", "")),
        roles=tuple(str(role) for role in form.getlist("roles")),
        institution=str(form.get("institution", "")).strip(),
        expertise=tuple(code for code in expertise if code),
        panel_role=str(form.get("panel_role", "")).strip(),
        username=str(form.get("username", "")).strip() if adding else "",
    )


ROUTES: list[BaseRoute] = [
    Route("/admin/users", users, methods=["GET"]),
    Route("/admin/users/new", new_user, methods=["GET"]),
    Route("/admin/users/new", add, methods=["POST"]),
    Route("/admin/users/{id:int}", user, methods=["GET"]),
    Route("/admin/users/{id:int}", edit, methods=["POST"]),
    Route("/admin/users/{id:int}/deactivate", deactivate, methods=["POST"]),
    Route("/admin/users/{id:int}/reactivate", reactivate, methods=["POST"]),
    Route("/admin/users/{id:int}/link", new_link, methods=["POST"]),
]
