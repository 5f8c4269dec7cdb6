"""A small route registry: each operation is declared once, and both the router and the
OpenAPI 3.1 document are generated from the declarations (never written by hand).

An operation names its pydantic request and response models, its query parameters, whether
it needs a bearer token and an `If-Match` header, and the error statuses it can answer; the
document's schemas come from `pydantic.json_schema.models_json_schema`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.routing import Route

from qa.domain import bounds
from qa.web.api.problems import MEDIA_TYPE, Problem

Handler = Callable[..., Any]
#: Answered by every operation that needs a token; the rest per operation.
AUTH_ERRORS = (401, 403)
COMMON_ERRORS = (404, 405, 422, 503)
REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class Query:
    name: str
    description: str
    schema: dict[str, Any]


@dataclass(frozen=True)
class Operation:
    method: Literal["GET", "POST", "PUT"]
    path: str  # relative to /api/v1, ids written `{id}`
    endpoint: Handler
    summary: str
    tag: str
    response: type[BaseModel] | None = None
    status: int = 200
    body: type[BaseModel] | None = None
    queries: tuple[Query, ...] = ()
    errors: tuple[int, ...] = ()
    if_match: bool = False
    public: bool = False
    #: A non-JSON success body (e.g. "application/zip"), described, not modelled.
    media_type: str | None = None
    description: str = ""
    headers: tuple[str, ...] = field(default=())

    @property
    def operation_id(self) -> str:
        words = re.sub(r"[{}]", "", self.path).strip("/").replace("/", "_").replace("-", "_")
        return f"{self.method.lower()}_{words or 'root'}".replace(".", "_")

    @property
    def route_path(self) -> str:
        return self.path.replace("{id}", "{id:int}")

    def all_errors(self) -> list[int]:
        needed = set(COMMON_ERRORS) | set(self.errors)
        if not self.public:
            needed |= set(AUTH_ERRORS)
        if self.body is not None:
            needed |= {413, 415}
        if self.if_match:
            needed |= {409, 412, 428}
        return sorted(needed)


def id_parameter() -> dict[str, Any]:
    return {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 0, "maximum": bounds.MAX_INTEGER},
    }


class Registry:
    def __init__(self, title: str, version: str) -> None:
        self.title, self.version = title, version
        self.operations: list[Operation] = []

    def add(self, *operations: Operation) -> None:
        self.operations.extend(operations)

    def routes(self, wrap: Callable[[Operation], Handler]) -> list[Route]:
        """One Starlette route per path, methods merged (the router answers 405 for others)."""
        by_path: dict[str, dict[str, Operation]] = {}
        for operation in self.operations:
            by_path.setdefault(operation.route_path, {})[operation.method] = operation
        return [
            Route(path, wrap_methods({m: wrap(o) for m, o in ops.items()}), methods=list(ops))
            for path, ops in by_path.items()
        ]

    def openapi(self) -> dict[str, Any]:
        models: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = [
            (Problem, "serialization")
        ]
        for op in self.operations:
            if op.response is not None:
                models.append((op.response, "serialization"))
            if op.body is not None:
                models.append((op.body, "validation"))
        keys, top = models_json_schema(models, ref_template=REF)
        paths: dict[str, dict[str, Any]] = {}
        for op in self.operations:
            entry = _operation(op, keys)
            paths.setdefault(op.path, {})[op.method.lower()] = entry
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version},
            "servers": [{"url": "/api/v1"}],
            "paths": paths,
            "components": {
                "schemas": top.get("$defs", {}),
                "securitySchemes": {
                    "bearer": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "A personal API token (`qa tokens create`, or /account).",
                    }
                },
            },
        }


def wrap_methods(handlers: dict[str, Handler]) -> Handler:
    async def dispatch(request: Any) -> Any:
        return await handlers[request.method if request.method != "HEAD" else "GET"](request)

    return dispatch


def _ref(keys: dict[Any, Any], model: type[BaseModel], mode: str) -> dict[str, Any]:
    return dict(keys[(model, mode)])


def _operation(op: Operation, keys: dict[Any, Any]) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = []
    if "{id}" in op.path:
        parameters.append(id_parameter())
    for query in op.queries:
        parameters.append(
            {
                "name": query.name,
                "in": "query",
                "required": False,
                "description": query.description,
                "schema": query.schema,
            }
        )
    if op.if_match:
        parameters.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": True,
                "description": 'The ETag of the resource as last read, e.g. `"3"`.',
                "schema": {"type": "string", "maxLength": 40},
            }
        )
    problem_content = {MEDIA_TYPE: {"schema": _ref(keys, Problem, "serialization")}}
    responses: dict[str, Any] = {}
    success: dict[str, Any] = {"description": op.summary}
    if op.response is not None:
        success["content"] = {
            "application/json": {"schema": _ref(keys, op.response, "serialization")}
        }
    elif op.media_type is not None:
        is_json = op.media_type.endswith("json")
        schema = {"type": "object"} if is_json else {"type": "string"}
        success["content"] = {op.media_type: {"schema": schema}}
    if op.headers:
        success["headers"] = {name: {"schema": {"type": "string"}} for name in op.headers}
    responses[str(op.status)] = success
    for status in op.all_errors():
        responses[str(status)] = {"description": _ERROR_WORDS[status], "content": problem_content}
    entry: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": parameters,
        "responses": responses,
    }
    if op.description:
        entry["description"] = op.description
    if op.body is not None:
        entry["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(keys, op.body, "validation")}},
        }
    entry["security"] = [] if op.public else [{"bearer": []}]
    return entry


_ERROR_WORDS = {
    401: "No token, or a token that is unknown, revoked or of a deactivated user.",
    403: "The token's user may not do this (role or object).",
    404: "No such object, or no such address.",
    405: "This address does not take that method.",
    409: "The object is not in a state where this is possible.",
    412: "`If-Match` does not match the current version: someone changed it first.",
    413: "The body is too large.",
    415: "The body is not JSON.",
    422: "A field, parameter or header is not valid; `errors` names each.",
    428: "`If-Match` is required on this update.",
    429: "Too many requests of this kind for now.",
    503: "The database cannot be used right now; nothing was saved.",
}
