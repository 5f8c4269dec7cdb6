"""The one place where the product's errors become HTTP responses.

* `QAError`s: 404, 403, 409, 422 with the message (and each problem) on the error page,
  or, for htmx, as a fragment into `#messages`.
* Starlette's own refusals (no such address, a method the route does not take): the same.
* A database that cannot be used (read-only file, server down, locked for too long): 503
  with a page that says nothing was saved, and `Retry-After`.
* Anything else: 500 with a page that gives nothing away.

`ContainErrors` answers whatever escaped the handlers and the inner middleware (with the
same pages) and logs it, without raising it on to the server: uvicorn closes a kept-alive
connection when the application raises after its response, so the client's next request on
it would be reset (issue 13).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.domain.errors import (
    Conflict,
    IllegalTransition,
    InvalidInput,
    NotAllowed,
    NotFound,
    QAError,
)
from qa.web.api.errors import http_problem, qa_problem
from qa.web.api.problems import is_api, problem
from qa.web.templating import render, templates

STATUS: dict[type[QAError], int] = {
    NotFound: 404,
    NotAllowed: 403,
    IllegalTransition: 409,
    Conflict: 409,
    InvalidInput: 422,
}
HTTP_MESSAGES = {
    404: "there is no page at this address",
    405: "this address does not take that kind of request",
}
UNAVAILABLE = (
    "the database cannot be {what} right now, so nothing was saved. Try again in a minute; "
    "if it keeps happening, tell the administrator"
)
log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30
#: PostgreSQL: read-only transaction, connection failures, disk full or out of memory, shutdown
UNAVAILABLE_STATES = ("25006", "08", "53", "57P")


async def qa_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, QAError)
    if is_api(request.url.path):
        return qa_problem(request, exc)
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    problems = exc.problems if isinstance(exc, InvalidInput) else ()
    return _error_page(request, str(exc), problems, status)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = HTTP_MESSAGES.get(exc.status_code, str(exc.detail).rstrip(".").lower())
    if is_api(request.url.path):
        return http_problem(request, exc.status_code, message, dict(exc.headers or {}))
    response = _error_page(request, message, (), exc.status_code)
    response.headers.update(exc.headers or {})
    return response


async def too_large(request: Request, limit: int) -> Response:
    if is_api(request.url.path):
        return problem(413, f"the request body is too large (at most {limit:,} bytes)")
    return _error_page(request, f"the form is too large (at most {limit:,} bytes)", (), 413)


def is_unavailable(exc: Exception) -> bool:
    """The database cannot be used now (no fault of the request): down, read-only, full."""
    if isinstance(exc, OperationalError):
        return True
    state = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
    return isinstance(exc, DBAPIError) and state.startswith(UNAVAILABLE_STATES)


async def database_unavailable(request: Request, exc: Exception) -> Response:
    """503: the database refused (read-only, unreachable, locked); the request changed nothing.

    Other database errors are faults of ours: raised on, to the 500 page and the log.
    """
    if not is_unavailable(exc):
        raise exc
    detail = str(getattr(exc, "orig", exc)).lower()
    what = "written to" if "read-only" in detail or "readonly" in detail else "reached"
    if is_api(request.url.path):
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return problem(503, UNAVAILABLE.format(what=what), headers=retry)
    response = _error_page(request, UNAVAILABLE.format(what=what), (), 503, standalone=True)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    """Whatever escaped everything else (the server logs it)."""
    if is_unavailable(exc):  # e.g. while loading the signed-in user
        return await database_unavailable(request, exc)
    message = "something went wrong on our side; nothing you did caused it. Try again later"
    if is_api(request.url.path):
        return problem(500, message)
    return _error_page(request, message, (), 500, standalone=True)


def _error_page(
    request: Request,
    message: str,
    problems: tuple[str, ...],
    status: int,
    *,
    standalone: bool = False,
) -> Response:
    """The error page, or for htmx its fragment into `#messages`.

    `standalone` pages do not need the session or the signed-in user (they may be missing
    when the database is what failed).
    """
    htmx = bool(request.headers.get("hx-request"))
    template = "_error.html" if htmx else "not_found.html" if status == 404 else "error.html"
    context: dict[str, Any] = {"message": message, "problems": problems}
    if standalone:
        context |= {"csrf_token": "", "user": None, "roles": set(), "path": request.url.path}
        response: Response = templates.TemplateResponse(
            request, template, context, status_code=status
        )
        response.headers["Vary"] = "HX-Request"
    else:
        response = render(request, template, context, status)
    if htmx:
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


class ContainErrors:
    """Outermost but for the security headers: an error becomes its page, never a reset."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            if started:  # half a response is out: only the server can end it (it logs)
                raise
            log.error(
                "unhandled error on %s %s", scope.get("method"), scope.get("path"), exc_info=exc
            )
            response = await server_error(Request(scope, receive), exc)
            await response(scope, receive, send)
