"""One API call: the bearer token's actor, the parsed body and parameters, pagination, ETags.

Authentication reads only the `Authorization: Bearer` header: a session cookie never
authenticates an API call (the session middleware does not even look it up here). Every
value from the request is parsed here, bounded, and refused with 422 naming the field.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from qa.config import Settings
from qa.domain import bounds
from qa.domain.actor import Actor
from qa.persistence.db import Database
from qa.services.people.account_settings import FieldErrors
from qa.services.people.api_tokens import token_principal
from qa.web.api.problems import problem, unauthenticated
from qa.web.api.registry import Handler, Operation

MAX_BODY_BYTES = 1_000_000
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
T = TypeVar("T")
Key = tuple[int, ...]


@dataclass(frozen=True)
class Call:
    request: Request
    actor: Actor
    db: Database
    settings: Settings
    body: Any

    @property
    def id(self) -> int:
        return int(self.request.path_params["id"])

    def query(self, name: str) -> str | None:
        values = self.request.query_params.getlist(name)
        if len(values) > 1:
            raise FieldErrors(f"give {name} once", {name: "Give this parameter once."})
        return values[0] if values else None


ANONYMOUS = Actor("anonymous")


def json_response(model: BaseModel, status: int = 200, etag: int | None = None) -> Response:
    response = Response(model.model_dump_json(), status_code=status, media_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    if etag is not None:
        response.headers["ETag"] = f'"{etag}"'
    return response


def wrap(operation: Operation) -> Handler:
    """The Starlette endpoint of one operation: authenticate, read, call in a thread."""

    async def endpoint(request: Request) -> Response:
        actor = ANONYMOUS
        if not operation.public:
            found = await _authenticate(request)
            if isinstance(found, Response):
                return found
            actor = found
        body: Any = None
        if operation.body is not None:
            read = await _read_json(request)
            if isinstance(read, Response):
                return read
            body = read
        call = Call(request, actor, request.app.state.db, request.app.state.settings, body)
        try:
            result: Response = await run_in_threadpool(operation.endpoint, call)
        except PreconditionProblem as refused:
            return refused.response
        return result

    return endpoint


async def _authenticate(request: Request) -> Actor | Response:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if not header:
        return unauthenticated(request.url.path)
    actor = None
    if scheme.lower() == "bearer" and secret.strip():
        actor = await run_in_threadpool(token_principal, request.app.state.db, secret.strip())
    if actor is None:
        return problem(
            401,
            "the token is not valid (unknown, revoked, or its user is deactivated)",
            instance=request.url.path,
            headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'},
        )
    return actor


async def _read_json(request: Request) -> Any:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        return problem(415, "send the body as application/json", instance=request.url.path)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return problem(413, f"the body is larger than {MAX_BODY_BYTES:,} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return problem(413, f"the body is larger than {MAX_BODY_BYTES:,} bytes")
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return problem(
            422,
            "the body is not valid JSON",
            instance=request.url.path,
            fields={"body": "Send one JSON value, UTF-8 encoded."},
        )


def parse_body(model: type[T], body: Any) -> T:
    """A pydantic body model from the JSON, or 422 naming each element."""
    assert issubclass(model, BaseModel)
    text_control(body)
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or "body"
            fields.setdefault(name, error["msg"])
        raise FieldErrors("the body is not valid", fields) from None


def text_control(body: Any, field: str = "body") -> None:
    """Control characters anywhere in a JSON body are refused, as in forms (`InputGuard`), and
    so are lone surrogates (JSON can write `\ud800`; no database can store it)."""
    if isinstance(body, str):
        if what := bounds.control_character(body) or _not_text(body):
            raise FieldErrors(f"{field} contains {what}", {field: f"It contains {what}."})
    elif isinstance(body, dict):
        for key, value in body.items():
            text_control(str(key), field)
            text_control(value, f"{key}" if field == "body" else f"{field}.{key}")
    elif isinstance(body, list):
        for index, value in enumerate(body):
            text_control(value, f"{field}[{index}]")


def _not_text(value: str) -> str | None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "a lone surrogate (not a character)"
    return None


# -- pagination ---------------------------------------------------------------------------------


def limit_of(call: Call) -> int:
    raw = call.query("limit")
    if raw is None:
        return DEFAULT_LIMIT
    try:
        value = bounds.whole_number(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_LIMIT:
        raise FieldErrors("limit is out of range", {"limit": f"Give a number 1–{MAX_LIMIT}."})
    return value


def cursor_key(call: Call) -> Key | None:
    raw = call.query("cursor")
    if raw is None or raw == "":
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"==").decode())
        if (
            isinstance(decoded, list)
            and decoded
            and all(
                isinstance(part, int) and not isinstance(part, bool) and bounds.in_range(part)
                for part in decoded
            )
        ):
            return tuple(decoded)
    except (ValueError, UnicodeError, binascii.Error):
        pass
    raise FieldErrors("the cursor is not valid", {"cursor": "Use next_cursor as it was given."})


def encode_cursor(key: Key) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def paginate(call: Call, items: Sequence[T], key: Callable[[T], Key]) -> tuple[list[T], str | None]:
    """Keyset pagination, newest (largest key) first; the cursor is the last key given."""
    limit, after = limit_of(call), cursor_key(call)
    ordered = sorted(items, key=key, reverse=True)
    if after is not None:
        ordered = [item for item in ordered if key(item) < after]
    page = ordered[:limit]
    more = len(ordered) > limit
    return page, encode_cursor(key(page[-1])) if more and page else None


# -- optimistic locking -------------------------------------------------------------------------


class PreconditionProblem(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__("precondition")
        self.response = response


def if_match(call: Call, current: int) -> int:
    """The version the client read (`If-Match`), checked against `current` (428/412)."""
    header = call.request.headers.get("if-match")
    path = call.request.url.path
    if header is None or header.strip() in ("", "*"):
        raise PreconditionProblem(
            problem(
                428,
                "send If-Match with the ETag you read, so no one else's change is overwritten",
                instance=path,
                fields={"If-Match": "Required: the ETag of the last GET."},
            )
        )
    text = header.strip().removeprefix("W/").strip('"')
    try:
        version = bounds.whole_number(text)
    except ValueError:
        version = -1
    if version != current:
        raise PreconditionProblem(
            problem(
                412,
                "someone changed this after you read it; GET it again and retry",
                instance=path,
                fields={"If-Match": f'The current ETag is "{current}".'},
            )
        )
    return version
