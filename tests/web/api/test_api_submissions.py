"""Descriptors through the API: the form's validation and messages, ETag/If-Match, cursors,
problem details naming the field, and ids beyond any row (404, never 500)."""

from __future__ import annotations

from typing import Any

import pytest

from qa.domain.validation import validate_descriptor
from tests.web.api.conftest import numbered
from tests.world import World

PROBLEM = "application/problem+json"


def _fields(response: Any) -> dict[str, str]:
    assert response.headers["content-type"] == PROBLEM, response.text
    return {item["field"]: item["message"] for item in response.json()["errors"]}


def test_a_provider_creates_edits_and_submits_a_draft_with_etags(
    api: Any, world: World, good_descriptor: dict[str, Any]
) -> None:
    ines = api("ines")
    created = ines.post("/submissions", numbered(good_descriptor, 1, "Data Analysis"))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["stage"] == "draft" and body["title"] == "Data Analysis"
    location, etag = created.headers["location"], created.headers["etag"]
    assert etag == f'"{body["version"]}"'
    path = location.removeprefix("/api/v1")
    assert ines.get(path).headers["etag"] == etag
    edited = numbered(good_descriptor, 1, "Data Analysis, revised")
    # no If-Match: 428; a stale one: 412; both name the header and change nothing
    missing = ines.put(f"{path}/descriptor", edited)
    assert missing.status_code == 428 and "If-Match" in _fields(missing)
    stale = ines.put(f"{path}/descriptor", edited, **{"If-Match": '"999"'})
    assert stale.status_code == 412 and "If-Match" in _fields(stale)
    assert ines.get(path).json()["title"] == "Data Analysis"
    saved = ines.put(f"{path}/descriptor", edited, **{"If-Match": etag})
    assert saved.status_code == 200, saved.text
    assert saved.json()["title"] == "Data Analysis, revised"
    new_etag = saved.headers["etag"]
    assert new_etag != etag
    assert ines.post(f"{path}/submit", **{"If-Match": etag}).status_code == 412
    submitted = ines.post(f"{path}/submit", **{"If-Match": new_etag})
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["stage"] == "submitted"
    events = [h["to_stage"] for h in submitted.json()["history"]]
    assert events[-1] == "submitted" and submitted.json()["next_step"] is not None
    again = ines.put(f"{path}/descriptor", edited, **{"If-Match": submitted.headers["etag"]})
    assert again.status_code == 409  # no longer a draft


def test_an_invalid_descriptor_gets_the_forms_messages_per_field_and_saves_nothing(
    api: Any, world: World, good_descriptor: dict[str, Any]
) -> None:
    bad = numbered(good_descriptor, 2, "Broken")
    bad["workload_ects"] = "lots"
    del bad["learning_outcomes"]
    bad["colour"] = "blue"
    ines = api("ines")
    refused = ines.post("/submissions", bad)
    assert refused.status_code == 422
    expected = {i.element: i.message for i in validate_descriptor(bad, today=world.today).errors}
    assert _fields(refused) == expected
    assert {"workload_ects", "learning_outcomes", "colour"} <= set(expected)
    assert ines.get("/submissions").json()["items"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [([1, 2], "body"), ("text", "body"), ({"title": "a\x1bb"}, "title")],
)
def test_a_body_that_is_not_a_descriptor_is_422_naming_the_field(
    api: Any, body: Any, field: str
) -> None:
    refused = api("ines").post("/submissions", body)
    assert refused.status_code == 422 and field in _fields(refused)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/submissions", b'{"title": "x\\udfff"}', "title"),
        ("/submissions", b'{"x\\ud800": 1}', "body"),
        ("/submissions", b'{"learning_outcomes": ["ok", "\\u0000"]}', "learning_outcomes[1]"),
        (
            "/packs",
            b'{"date_from": "2026-01-01", "date_to": "2026-01-02", "provider": "\\ud800"}',
            "provider",
        ),
    ],
)
def test_lone_surrogates_and_nul_in_json_are_422_not_500(
    api: Any, path: str, body: bytes, field: str
) -> None:
    user = api("ines" if path == "/submissions" else "aoife")
    headers = user.headers() | {"content-type": "application/json"}
    refused = user.client.post(f"/api/v1{path}", content=body, headers=headers)
    assert refused.status_code == 422, refused.text
    assert field in _fields(refused)


def test_a_body_that_is_not_json_is_refused_cleanly(api: Any) -> None:
    ines = api("ines")
    url, auth = "/api/v1/submissions", ines.headers()
    bad_json = ines.client.post(
        url, content=b"{", headers=auth | {"content-type": "application/json"}
    )
    assert bad_json.status_code == 422 and "body" in _fields(bad_json)
    not_json = ines.client.post(url, content=b"x=1", headers=auth | {"content-type": "text/plain"})
    assert not_json.status_code == 415 and not_json.headers["content-type"] == PROBLEM
    huge = ines.client.post(
        url,
        content=b"[" + b"0," * 600_000 + b"0]",
        headers=auth | {"content-type": "application/json"},
    )
    assert huge.status_code == 413


def test_only_a_provider_starts_a_draft_and_only_for_their_institution(
    api: Any, world: World, good_descriptor: dict[str, Any]
) -> None:
    for username in ("agnieszka", "greta", "aoife"):
        assert api(username).post("/submissions", good_descriptor).status_code == 403
    draft = api("ines").post("/submissions", numbered(good_descriptor, 3, "Mine"))
    path, etag = draft.headers["location"].removeprefix("/api/v1"), draft.headers["etag"]
    pablo = api("pablo")
    assert pablo.get(path).status_code == 403
    assert pablo.put(f"{path}/descriptor", good_descriptor, **{"If-Match": etag}).status_code == 403
    assert pablo.post(f"{path}/submit", **{"If-Match": etag}).status_code == 403
    assert pablo.get("/submissions").json()["items"] == []


def test_cursor_pagination_walks_every_file_once(
    api: Any, world: World, good_descriptor: dict[str, Any]
) -> None:
    ines = api("ines")
    for number in range(5):
        ines.post("/submissions", numbered(good_descriptor, 10 + number, f"File {number}"))
    seen: list[int] = []
    cursor = ""
    for _ in range(5):
        page = ines.get(f"/submissions?limit=2&cursor={cursor}").json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 and len(set(seen)) == 5 and seen == sorted(seen, reverse=True)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("limit=99999999999999999999999", "limit"),
        ("limit=1&limit=2", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=e30", "cursor"),  # {}
        ("cursor=Wy0xXQ", "cursor"),  # [-1]
        ("cursor=Wzk5OTk5OTk5OTk5OTk5OTk5OTk5XQ", "cursor"),  # [99999999999999999999]
    ],
)
def test_bad_paging_parameters_are_422_naming_the_parameter(
    api: Any, query: str, field: str
) -> None:
    refused = api("ines").get(f"/submissions?{query}")
    assert refused.status_code == 422 and field in _fields(refused)


@pytest.mark.parametrize(
    "path",
    [
        "/submissions/99999999999999999999",
        "/submissions/2147483648",
        "/submissions/99999999999999999999/decisions",
        "/packs/99999999999999999999",
        "/packs/99999999999999999999/download",
        "/institutions/99999999999999999999",
        "/submissions/-1",
        "/nothing-here",
    ],
)
def test_ids_beyond_any_row_and_unknown_addresses_are_404_problems(api: Any, path: str) -> None:
    response = api("aoife").get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == 404


def test_a_huge_id_in_an_update_is_404_not_500(api: Any) -> None:
    path = "/submissions/99999999999999999999"
    ines = api("ines")
    assert ines.put(f"{path}/descriptor", {}, **{"If-Match": '"1"'}).status_code == 404
    assert ines.post(f"{path}/submit", **{"If-Match": '"99999999999999999999"'}).status_code == 404


def test_a_wrong_method_is_a_405_problem(api: Any) -> None:
    response = api("ines").put("/submissions", {})
    assert response.status_code == 405 and response.headers["content-type"] == PROBLEM


def test_api_answers_are_never_cached(api: Any, world: World) -> None:
    ines = api("ines")
    for response in (ines.get("/me"), ines.get("/submissions"), ines.get("/submissions/1")):
        assert response.headers["cache-control"] == "no-store"
