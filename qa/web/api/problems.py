"""RFC 9457 problem details: every error of `/api/v1` is `application/problem+json`.

`type` is a relative URI under `/api/v1/problems/` (documented in docs/api.md), `errors`
names each field that was wrong (a body element, a query parameter or a header).
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus

from pydantic import BaseModel, Field
from starlette.responses import Response

PREFIX = "/api/v1"
MEDIA_TYPE = "application/problem+json"
SLUGS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    412: "precondition-failed",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid-input",
    428: "precondition-required",
    429: "too-many-requests",
    500: "server-error",
    503: "unavailable",
}


class FieldProblem(BaseModel):
    field: str = Field(description="The body element, query parameter or header at fault.")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldProblem] = Field(default_factory=list)


def is_api(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def problem(
    status: int,
    detail: str,
    *,
    instance: str | None = None,
    fields: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body = Problem(
        type=f"{PREFIX}/problems/{SLUGS.get(status, 'error')}",
        title=HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error",
        status=status,
        detail=detail,
        instance=instance,
        errors=[FieldProblem(field=k, message=v) for k, v in (fields or {}).items()],
    )
    response = Response(
        body.model_dump_json(), status_code=status, media_type=MEDIA_TYPE, headers=headers
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def unauthenticated(path: str) -> Response:
    """401 for a call without a bearer token (the session cookie never counts)."""
    return problem(
        401,
        "send a personal API token: Authorization: Bearer <token>",
        instance=path,
        headers={"WWW-Authenticate": 'Bearer realm="api"'},
    )
