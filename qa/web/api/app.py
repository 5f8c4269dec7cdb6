"""`/api/v1`: the registry of every operation, mounted by `create_app`.

The OpenAPI document and the reference page are generated from the same registry that
builds the routes, so a route cannot be missing from them.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount

from qa.web.api import resources, submissions
from qa.web.api.call import Call, wrap
from qa.web.api.docs import reference_page
from qa.web.api.problems import PREFIX
from qa.web.api.registry import Operation, Registry
from qa.web.params import bound_path_ids

TITLE = "QA for micro-credentials API"
VERSION = "1.0.0"


def openapi_json(call: Call) -> Response:
    body = json.dumps(document(), sort_keys=True).encode("utf-8")
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-cache"})


def docs(call: Call) -> Response:
    return HTMLResponse(reference_page(document()), headers={"Cache-Control": "no-cache"})


def registry() -> Registry:
    found = Registry(TITLE, VERSION)
    found.add(
        Operation(
            "GET",
            "/openapi.json",
            openapi_json,
            "This document (OpenAPI 3.1)",
            "reference",
            public=True,
            media_type="application/json",
        ),
        Operation(
            "GET",
            "/docs",
            docs,
            "The API reference as a page",
            "reference",
            public=True,
            media_type="text/html",
        ),
        *resources.OPERATIONS,
        *submissions.OPERATIONS,
        *resources.CREDENTIAL_OPERATIONS,
    )
    return found


@cache
def document() -> dict[str, Any]:
    return registry().openapi()


def operations() -> list[Operation]:
    return registry().operations


def mount() -> Mount:
    routes = registry().routes(wrap)
    bound_path_ids(routes)  # ids beyond the database's range are the router's 404
    return Mount(PREFIX, routes=routes, name="api")
