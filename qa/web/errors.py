"""The one place where the product's errors become HTTP responses."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from qa.domain.errors import (
    Conflict,
    IllegalTransition,
    InvalidInput,
    NotAllowed,
    NotFound,
    QAError,
)
from qa.web.templating import render

STATUS: dict[type[QAError], int] = {
    NotFound: 404,
    NotAllowed: 403,
    IllegalTransition: 409,
    Conflict: 409,
    InvalidInput: 422,
}


async def qa_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, QAError)
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    problems = exc.problems if isinstance(exc, InvalidInput) else ()
    template = "_error.html" if request.headers.get("hx-request") else "error.html"
    response = render(request, template, {"message": str(exc), "problems": problems}, status)
    if request.headers.get("hx-request"):
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
    return response
