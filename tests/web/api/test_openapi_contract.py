"""The OpenAPI document is the API: every route is in it (and nothing else), and every real
response a scenario provokes validates against the schema documented for its status."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from qa.web.api.app import document
from tests.web.api.conftest import decided_file, numbered
from tests.world import World


def _mounted(app: Starlette) -> set[tuple[str, str]]:
    (api,) = [r for r in app.routes if isinstance(r, Mount) and r.path == "/api/v1"]
    found = set()
    for route in api.routes:
        assert isinstance(route, Route)
        path = route.path.replace(":int}", "}")
        found |= {(m, path) for m in route.methods or () if m != "HEAD"}
    return found


def _documented() -> set[tuple[str, str]]:
    return {(m.upper(), p) for p, item in document()["paths"].items() for m in item}


def test_every_api_route_is_in_the_document_and_nothing_else(api_app: Starlette) -> None:
    assert _mounted(api_app) == _documented()
    assert document()["openapi"] == "3.1.0"


def test_the_document_is_served_and_the_reference_page_needs_no_script(api: Any) -> None:
    anonymous = api(None)
    served = anonymous.get("/openapi.json")
    assert served.status_code == 200 and served.json() == document()
    page = anonymous.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert (
        "<script" not in page.text
        and "style=" not in page.text
        and "http" not in (re.sub(r'href="/[^"]*"', "", page.text).split("</title>")[1])
    )
    for path in document()["paths"]:
        assert f"/api/v1{path}" in page.text


def _check(response: Any, method: str, template: str) -> None:
    """The response's body against the schema documented for its status and media type."""
    operation = document()["paths"][template][method.lower()]
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {template}: undocumented {status}"
    content = operation["responses"][status].get("content", {})
    media = response.headers.get("content-type", "").split(";")[0]
    assert media in content, f"{method} {template} {status}: undocumented {media}"
    if media.endswith("json"):
        schema = content[media]["schema"] | {"components": document()["components"]}
        Draft202012Validator(schema).validate(response.json())


def test_every_documented_response_schema_validates_real_responses(
    api: Any, world: World, good_descriptor: dict[str, Any]
) -> None:
    decided = decided_file(world, good_descriptor)
    ines, aoife, greta, pablo = api("ines"), api("aoife"), api("greta"), api("pablo")
    created = ines.post("/submissions", numbered(good_descriptor, 60, "Contract"))
    _check(created, "POST", "/submissions")
    draft = created.json()["id"]
    etag = created.headers["etag"]
    day = world.today.isoformat()
    decided_etag = aoife.get(f"/submissions/{decided}").headers["etag"]
    calls: list[tuple[Any, str, str]] = [
        (ines.get("/me"), "GET", "/me"),
        (api("agnieszka").get("/assignments"), "GET", "/assignments"),
        (api(None).get("/me"), "GET", "/me"),
        (ines.get("/institutions?limit=1"), "GET", "/institutions"),
        (ines.get("/institutions?limit=0"), "GET", "/institutions"),
        (ines.get("/institutions/1"), "GET", "/institutions/{id}"),
        (ines.get("/institutions/4000"), "GET", "/institutions/{id}"),
        (ines.get("/submissions"), "GET", "/submissions"),
        (ines.post("/submissions", {"title": 5}), "POST", "/submissions"),
        (greta.post("/submissions", {}), "POST", "/submissions"),
        (ines.get(f"/submissions/{draft}"), "GET", "/submissions/{id}"),
        (pablo.get(f"/submissions/{draft}"), "GET", "/submissions/{id}"),
        (aoife.get(f"/submissions/{decided}"), "GET", "/submissions/{id}"),
        (ines.put(f"/submissions/{draft}/descriptor", {}), "PUT", "/submissions/{id}/descriptor"),
        (
            ines.put(f"/submissions/{draft}/descriptor", {}, **{"If-Match": '"7"'}),
            "PUT",
            "/submissions/{id}/descriptor",
        ),
        (
            ines.put(f"/submissions/{draft}/descriptor", {"x": 1}, **{"If-Match": etag}),
            "PUT",
            "/submissions/{id}/descriptor",
        ),
        (
            ines.post(f"/submissions/{decided}/submit", **{"If-Match": decided_etag}),
            "POST",
            "/submissions/{id}/submit",
        ),
        (
            ines.post(f"/submissions/{draft}/submit", **{"If-Match": etag}),
            "POST",
            "/submissions/{id}/submit",
        ),
        (greta.get(f"/submissions/{decided}/decisions"), "GET", "/submissions/{id}/decisions"),
        (greta.get("/decisions"), "GET", "/decisions"),
        (greta.get("/decisions?date_to=1"), "GET", "/decisions"),
        (greta.post("/packs", {"date_from": day, "date_to": day}), "POST", "/packs"),
        (greta.post("/packs", {"date_from": day}), "POST", "/packs"),
        (ines.post("/packs", {}), "POST", "/packs"),
        (greta.get("/packs"), "GET", "/packs"),
        (greta.get("/packs/1"), "GET", "/packs/{id}"),
        (greta.get("/packs/1/download"), "GET", "/packs/{id}/download"),
        (aoife.get("/pipeline"), "GET", "/pipeline"),
        (ines.get("/pipeline"), "GET", "/pipeline"),
        (api(None).get("/openapi.json"), "GET", "/openapi.json"),
        (api(None).get(f"/credentials/{decided}.jsonld"), "GET", "/credentials/{id}.jsonld"),
        (api(None).get(f"/credentials/{draft}.jsonld"), "GET", "/credentials/{id}.jsonld"),
        (api(None).get(f"/credentials/{decided}/ob3.json"), "GET", "/credentials/{id}/ob3.json"),
        (api(None).get("/credentials/7/ob3.json"), "GET", "/credentials/{id}/ob3.json"),
    ]
    statuses = {created.status_code}
    for response, method, template in calls:
        _check(response, method, template)
        statuses.add(response.status_code)
    assert {200, 201, 202, 401, 403, 404, 409, 412, 422, 428} <= statuses


@pytest.mark.parametrize("status", ["401", "403", "404", "422"])
def test_every_protected_operation_documents_the_common_refusals(status: str) -> None:
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            if operation["security"]:
                assert status in operation["responses"], f"{method} {path}"
