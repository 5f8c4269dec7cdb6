"""Hostile JSON bodies (hypothesis): descriptors made of the right element names with values of
every wrong kind, and pack requests likewise, never give a server error; whatever is refused
names a field, and a refused body saves nothing."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.domain.descriptor_fields import FIELDS_BY_KEY
from tests.web.api.conftest import Scene

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl"]), max_size=5),
    st.sampled_from(["\ud800", "\u202e", "x" * 5000, "2027-02-30", "0", "-1", "1e999"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)
NAMES = st.sampled_from(sorted(FIELDS_BY_KEY)) | st.text(max_size=12)
DESCRIPTORS = st.dictionaries(NAMES, VALUES, max_size=8) | VALUES
PACKS = st.dictionaries(
    st.sampled_from(["date_from", "date_to", "provider", "decision", "reveal_reviewers", "x"]),
    VALUES,
    max_size=6,
)
SETTINGS = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _send(scene: Scene, username: str, method: str, path: str, body: Any) -> Any:
    api = scene.as_user(username)
    # allow_nan: Python writes NaN and Infinity, and its JSON reader takes them back
    content = json.dumps(body, allow_nan=True).encode("utf-8", "surrogatepass")
    headers = api.headers({"content-type": "application/json", "If-Match": '"1"'})
    return api.client.request(method, f"/api/v1{path}", content=content, headers=headers)


def _refused_cleanly(response: Any) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
    if response.status_code == 422:
        assert response.json()["errors"], response.text  # a field is named


@SETTINGS
@given(body=DESCRIPTORS)
def test_hostile_descriptors_are_refused_cleanly(scene: Scene, body: Any) -> None:
    before = len(scene.as_user("ines").get("/submissions?limit=100").json()["items"])
    created = _send(scene, "ines", "POST", "/submissions", body)
    _refused_cleanly(created)
    after = len(scene.as_user("ines").get("/submissions?limit=100").json()["items"])
    assert after == before + (created.status_code == 201)
    _refused_cleanly(
        _send(scene, "ines", "PUT", f"/submissions/{scene.ids['draft']}/descriptor", body)
    )


@SETTINGS
@given(body=PACKS)
def test_hostile_pack_requests_are_refused_cleanly(scene: Scene, body: Any) -> None:
    _refused_cleanly(_send(scene, "aoife", "POST", "/packs", body))
