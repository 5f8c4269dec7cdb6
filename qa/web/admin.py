"""The administrator's pages: people, their roles, sign-in links and access."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from qa.domain.enums import Role
from qa.services.people.account_settings import FieldErrors
from qa.services.people.invitations import LINK_DAYS, IssuedLink, issue_link
from qa.services.people.user_admin import (
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


@dataclass(frozen=True)
class ShownLink:
    """A new sign-in link, shown once in the response to the request that made it.

    It is never stored (not in the cookie, not on the server): only its hash is kept.
    """

    url: str
    expires_at: str


async def users(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    search = request.query_params.get("q", "").strip()
    role = request.query_params.get("role", "").strip() or None
    found = await run_in_threadpool(
        list_users, request.app.state.db, current_actor(request), search, role
    )
    context = {
        "users": found,
        "search": search,
        "role": role,
        "roles_known": [r.value for r in Role],
        "truncated": len(found) >= LIST_LIMIT,
    }
    name = "admin/_users.html" if request.headers.get("hx-request") else "admin/users.html"
    return render(request, name, context)


async def new_user(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    return await _new_page(request, UserForm(email="", display_name="", roles=()), {})


async def add(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    form = _user_form(await request.form(), adding=True)
    try:
        link = await run_in_threadpool(
            create_user, request.app.state.db, current_actor(request), form
        )
    except FieldErrors as problems:
        return await _new_page(request, form, problems.fields, 422)
    return await _edit_page(request, link.user_id, None, {}, issued=_shown(request, link))


async def user(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    user_id = int(request.path_params["id"])
    notice = NOTICES.get(request.query_params.get("done", ""))
    return await _edit_page(request, user_id, None, {}, notice=notice)


async def edit(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    user_id = int(request.path_params["id"])
    form = _user_form(await request.form(), adding=False)
    try:
        await run_in_threadpool(
            update_user, request.app.state.db, current_actor(request), user_id, form
        )
    except FieldErrors as problems:
        return await _edit_page(request, user_id, form, problems.fields, status=422)
    return RedirectResponse(f"/admin/users/{user_id}?done=saved", status_code=303)


async def deactivate(request: Request) -> Response:
    return await _set_active(request, active=False)


async def reactivate(request: Request) -> Response:
    return await _set_active(request, active=True)


async def new_link(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    user_id = int(request.path_params["id"])
    link = await run_in_threadpool(
        issue_link, request.app.state.db, current_actor(request), user_id
    )
    return await _edit_page(request, user_id, None, {}, issued=_shown(request, link))


async def _set_active(request: Request, *, active: bool) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    user_id = int(request.path_params["id"])
    await run_in_threadpool(
        partial(set_active, request.app.state.db, current_actor(request), user_id, active=active)
    )
    done = "reactivated" if active else "deactivated"
    return RedirectResponse(f"/admin/users/{user_id}?done={done}", status_code=303)


async def _new_page(
    request: Request, form: UserForm, errors: dict[str, str], status: int = 200
) -> Response:
    context = {
        "form": form,
        "errors": errors,
        "choices": await run_in_threadpool(choices, request.app.state.db, current_actor(request)),
    }
    return render(request, "admin/user_new.html", context, status)


async def _edit_page(
    request: Request,
    user_id: int,
    form: UserForm | None,
    errors: dict[str, str],
    *,
    status: int = 200,
    notice: str | None = None,
    issued: ShownLink | None = None,
) -> Response:
    db, actor = request.app.state.db, current_actor(request)
    detail = await run_in_threadpool(user_detail, db, actor, user_id)
    context = {
        "detail": detail,
        "form": form or detail.form,
        "errors": errors,
        "choices": await run_in_threadpool(choices, db, actor),
        "notice": notice,
        "issued": issued,
        "next_link": "invitation" if detail.row.last_login_at is None else "password-reset",
        "link_days": LINK_DAYS,
    }
    return render(request, "admin/user_edit.html", context, status)


def _shown(request: Request, link: IssuedLink) -> ShownLink:
    return ShownLink(
        url=link.url(str(request.base_url)),
        expires_at=link.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
    )


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
