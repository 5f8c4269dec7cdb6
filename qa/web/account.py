"""The signed-in person's account page, and the public page behind a sign-in link."""

from __future__ import annotations

from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from qa.domain.errors import NotFound
from qa.services.people.account_settings import (
    MIN_PASSWORD_LENGTH,
    FieldErrors,
    account_view,
    change_password,
    end_all_sessions,
)
from qa.services.people.accounts import open_session
from qa.services.people.api_tokens import NewToken, create_token, list_tokens, revoke_token
from qa.services.people.invitations import LinkGone, LinkView, open_link, use_link
from qa.web.auth import (
    SignInRules,
    current_actor,
    login_required,
    session_token,
    start_session_cookie,
)
from qa.web.templating import render

PASSWORD_HINT = (
    f"At least {MIN_PASSWORD_LENGTH} characters, not your user name or e-mail. "
    "A few unrelated words make a strong one."
)
NOTICES = {
    "password": "Your password was changed. Your other sessions have been signed out.",
    "revoked": "The token is revoked: calls with it are refused from now on.",
}


async def page(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    notice = NOTICES.get(request.query_params.get("done", ""))
    return await _account(request, {}, notice)


async def password(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    form = await request.form()
    try:
        await run_in_threadpool(
            partial(
                change_password,
                request.app.state.db,
                current_actor(request),
                current=str(form.get("current", "")),
                new=str(form.get("password", "")),
                confirm=str(form.get("confirm", "")),
                keep_session=session_token(request),  # this one stays; the others end
            )
        )
    except FieldErrors as problems:
        return await _account(request, problems.fields, None, 422)
    return RedirectResponse("/account?done=password", status_code=303)


async def end_sessions(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    await run_in_threadpool(end_all_sessions, request.app.state.db, current_actor(request))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


async def token_create(request: Request) -> Response:
    """A new API token, shown once on the page this answers (never in a redirect)."""
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = current_actor(request)
    assert actor.user_id is not None
    form = await request.form()
    try:
        new = await run_in_threadpool(
            create_token, request.app.state.db, actor, actor.user_id, form.get("token_name")
        )
    except FieldErrors as problems:
        errors = {"token_name": "; ".join(problems.fields.values())}
        return await _account(request, {}, None, 422, token_errors=errors)
    return await _account(request, {}, None, 201, new_token=new)


async def token_revoke(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    token_id = int(request.path_params["id"])
    await run_in_threadpool(revoke_token, request.app.state.db, current_actor(request), token_id)
    return RedirectResponse("/account?done=revoked", status_code=303)


async def invite_page(request: Request) -> Response:
    """Public: the set-password form of a sign-in link."""
    token = request.path_params["token"]
    try:
        link = await run_in_threadpool(open_link, request.app.state.db, token)
    except (NotFound, LinkGone) as problem:
        return _gone(request, problem)
    return _invite(request, link, {})


async def invite_use(request: Request) -> Response:
    token = request.path_params["token"]
    form = await request.form()
    db = request.app.state.db
    try:
        user = await run_in_threadpool(
            partial(
                use_link,
                db,
                token,
                password=str(form.get("password", "")),
                confirm=str(form.get("confirm", "")),
            )
        )
    except (NotFound, LinkGone) as problem:
        return _gone(request, problem)
    except FieldErrors as problems:
        link = await run_in_threadpool(open_link, db, token)
        return _invite(request, link, problems.fields, 422)
    assert user.id is not None
    rules: SignInRules = request.app.state.sign_in_rules
    session_id = await run_in_threadpool(open_session, db, user.id, rules.sessions)
    start_session_cookie(request, session_id)  # a new session (no fixation), as on sign-in
    return RedirectResponse("/", status_code=303)


async def _account(
    request: Request,
    errors: dict[str, str],
    notice: str | None,
    status: int = 200,
    *,
    token_errors: dict[str, str] | None = None,
    new_token: NewToken | None = None,
) -> Response:
    actor = current_actor(request)
    db = request.app.state.db
    view = await run_in_threadpool(account_view, db, actor)
    assert actor.user_id is not None
    tokens = await run_in_threadpool(list_tokens, db, actor, actor.user_id)
    context = {
        "account": view,
        "errors": errors,
        "notice": notice,
        "password_hint": PASSWORD_HINT,
        "tokens": tokens,
        "token_errors": token_errors or {},
        "new_token": new_token,
    }
    return render(request, "account/account.html", context, status)


def _invite(
    request: Request, link: LinkView, errors: dict[str, str], status: int = 200
) -> Response:
    context = {
        "link": link,
        "errors": errors,
        "action": request.url.path,
        "password_hint": PASSWORD_HINT,
    }
    return _private(render(request, "invite.html", context, status))


def _gone(request: Request, problem: Exception) -> Response:
    status = 410 if isinstance(problem, LinkGone) else 404
    return _private(render(request, "invite_gone.html", {"message": str(problem)}, status))


def _private(response: Response) -> Response:
    """The page's address is a secret: keep it out of caches."""
    response.headers["Cache-Control"] = "no-store"
    return response


ROUTES: list[BaseRoute] = [
    Route("/account", page, methods=["GET"]),
    Route("/account/password", password, methods=["POST"]),
    Route("/account/sessions/end", end_sessions, methods=["POST"]),
    Route("/account/tokens", token_create, methods=["POST"]),
    Route("/account/tokens/{id:int}/revoke", token_revoke, methods=["POST"]),
    Route("/invite/{token}", invite_page, methods=["GET"]),
    Route("/invite/{token}", invite_use, methods=["POST"]),
]
