"""The product's errors as problem details, for requests to `/api/v1` (see `qa.web.errors`)."""

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
from qa.services.people.account_settings import FieldErrors
from qa.web.api.problems import problem

STATUS: dict[type[QAError], int] = {
    NotFound: 404,
    NotAllowed: 403,
    IllegalTransition: 409,
    Conflict: 409,
    InvalidInput: 422,
}


def fields_of(exc: InvalidInput) -> dict[str, str]:
    """Each problem keyed by the field it names ("element: message"), else by `request`."""
    if isinstance(exc, FieldErrors):
        return dict(exc.fields)
    fields: dict[str, str] = {}
    for text in exc.problems:
        name, sep, message = text.partition(": ")
        key = name if sep and name and " " not in name else "request"
        fields[key] = f"{fields[key]}; {message or text}" if key in fields else (message or text)
    return fields


def qa_problem(request: Request, exc: QAError) -> Response:
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    fields = fields_of(exc) if isinstance(exc, InvalidInput) else None
    return problem(status, str(exc), instance=request.url.path, fields=fields)


def http_problem(request: Request, status: int, message: str, headers: dict[str, str]) -> Response:
    return problem(status, message, instance=request.url.path, headers=headers)
