"""The authorization matrix of the API, and a fuzz over object ids: no file of another
provider, no file a reviewer is not on, no file under review for an agency, no pack of another
agency is ever reachable, whatever id is asked for; and no id ever gives a server error.

Expectations are written per principal and object here, not derived from the policy module.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.domain.bounds import MAX_INTEGER
from qa.services.people.api_tokens import user_id_of
from tests.web.api.conftest import PRINCIPALS, Scene

STAFF = {"aoife", "root"}


def _viewers(scene: Scene) -> dict[int, set[str]]:
    """Who may open each file (GET /submissions/{id} and its decisions)."""
    ids = scene.ids
    reviewers = {
        name
        for name in ("agnieszka",)
        if any(
            a.reviewer_id == _user(scene, name) for a in scene.world.assignments(ids["peer_review"])
        )
    }
    decided_reviewers = {
        name
        for name in ("agnieszka",)
        if any(a.reviewer_id == _user(scene, name) for a in scene.world.assignments(ids["decided"]))
    }
    assert reviewers == {"agnieszka"}  # the scene puts her on the panel under review
    viewers = {
        ids["draft"]: STAFF | {"ines"},
        ids["peer_review"]: STAFF | {"ines"} | reviewers,
        ids["decided"]: STAFF | {"ines", "greta", "hanna"} | decided_reviewers,
        ids["foreign"]: STAFF | {"pablo"},
    }
    # a draft is its provider's alone: the QA office sees it once it is submitted
    return {
        file_id: who - STAFF if scene.world.stage(file_id) == "draft" else who
        for file_id, who in viewers.items()
    }


def _on_panel(scene: Scene, file_id: int) -> set[str]:
    """The scene's reviewer principals with an assignment on the file."""
    panel = {a.reviewer_id for a in scene.world.assignments(file_id) if a.state != "cancelled"}
    return {name for name in ("agnieszka", "zoe") if _user(scene, name) in panel}


def _pack_viewers(scene: Scene) -> dict[int, set[str]]:
    return {scene.packs["greta"]: STAFF | {"greta"}, scene.packs["hanna"]: STAFF | {"hanna"}}


def _user(scene: Scene, username: str) -> int:
    return user_id_of(scene.world.db, username)


PACK_ASKERS = STAFF | {"greta", "hanna"}


def _expected_file(scene: Scene, principal: str, file_id: int) -> set[int]:
    viewers = _viewers(scene)
    if file_id not in viewers or file_id > MAX_INTEGER:
        return {404}
    return {200} if principal in viewers[file_id] else {403}


def _expected_pack(scene: Scene, principal: str, pack_id: int) -> set[int]:
    if pack_id > MAX_INTEGER:
        return {404}  # no route matches an id no row can have
    if principal not in PACK_ASKERS:
        return {403}  # asked before anything is looked up
    viewers = _pack_viewers(scene)
    return {200} if principal in viewers.get(pack_id, set()) else {404}


def test_the_matrix_of_files_and_packs(scene: Scene) -> None:
    problems = []
    for principal in PRINCIPALS:
        api = scene.as_user(principal)
        for file_id in _viewers(scene):
            for suffix in ("", "/decisions"):
                got = api.get(f"/submissions/{file_id}{suffix}").status_code
                if got not in _expected_file(scene, principal, file_id):
                    problems.append(f"{principal} GET /submissions/{file_id}{suffix}: {got}")
        for pack_id in _pack_viewers(scene):
            got = api.get(f"/packs/{pack_id}").status_code
            if got not in _expected_pack(scene, principal, pack_id):
                problems.append(f"{principal} GET /packs/{pack_id}: {got}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_lists_hold_only_what_the_principal_may_open(scene: Scene, principal: str) -> None:
    api = scene.as_user(principal)
    listed = {item["id"] for item in api.get("/submissions?limit=100").json()["items"]}
    ids = scene.ids
    own = {ids["draft"], ids["peer_review"], ids["decided"]}
    submitted = {i for i in own | {ids["foreign"]} if scene.world.stage(i) != "draft"}
    expected = {
        "ines": own,
        "pablo": {ids["foreign"]},
        "agnieszka": set(),  # a reviewer's list is their assignments (GET /assignments)
        "zoe": set(),
        "aoife": submitted,
        "root": submitted,
        "greta": {ids["decided"]},
        "hanna": {ids["decided"]},
    }
    assert listed == expected[principal]
    packs = api.get("/packs?limit=100")
    if principal in PACK_ASKERS:
        visible = {item["id"] for item in packs.json()["items"]}
        assert visible & set(_pack_viewers(scene)) == {
            p for p, who in _pack_viewers(scene).items() if principal in who
        }
    else:
        assert packs.status_code == 403


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_a_reviewer_lists_only_their_own_assignments(scene: Scene, principal: str) -> None:
    items = scene.as_user(principal).get("/assignments?limit=100").json()["items"]
    mine = {
        a.id
        for key in ("peer_review", "decided")
        for a in scene.world.assignments(scene.ids[key])
        if a.reviewer_id == _user(scene, principal)
    }
    assert {item["id"] for item in items} == mine
    assert bool(mine) is (principal == "agnieszka")  # zoe is on no panel; the rest review none


@pytest.mark.parametrize("principal", ["pablo", "agnieszka", "zoe", "greta", "hanna"])
def test_no_one_outside_the_provider_side_changes_a_draft(scene: Scene, principal: str) -> None:
    draft = scene.ids["draft"]
    etag = scene.as_user("ines").get(f"/submissions/{draft}").headers["etag"]
    api = scene.as_user(principal)
    for match in (etag, '"999"', None):  # refused before any precondition is looked at
        extra = {"If-Match": match} if match else {}
        assert api.put(f"/submissions/{draft}/descriptor", {}, **extra).status_code == 403
        assert api.post(f"/submissions/{draft}/submit", **extra).status_code == 403
    decided = scene.ids["decided"]
    if principal in ("greta", "hanna"):  # they may read the decided file, not change it
        decided_etag = api.get(f"/submissions/{decided}").headers["etag"]
        put = api.put(f"/submissions/{decided}/descriptor", {}, **{"If-Match": decided_etag})
        assert put.status_code == 403
    assert scene.world.stage(draft) == "draft"


IDS = st.one_of(
    st.integers(min_value=0, max_value=60),
    st.integers(min_value=0, max_value=2**80),
    st.sampled_from([0, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**30]),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(principal=st.sampled_from(PRINCIPALS), object_id=IDS, kind=st.sampled_from("fdpx"))
def test_fuzz_over_ids_reaches_nothing_it_should_not(
    scene: Scene, principal: str, object_id: int, kind: str
) -> None:
    api = scene.as_user(principal)
    if kind == "f":
        got = api.get(f"/submissions/{object_id}").status_code
        assert got in _expected_file(scene, principal, object_id), (principal, object_id, got)
    elif kind == "d":
        got = api.get(f"/submissions/{object_id}/decisions").status_code
        assert got in _expected_file(scene, principal, object_id), (principal, object_id, got)
    elif kind == "p":
        got = api.get(f"/packs/{object_id}").status_code
        assert got in _expected_pack(scene, principal, object_id), (principal, object_id, got)
    else:
        got = api.get(f"/institutions/{object_id}").status_code
        assert got in {200, 404}
    assert got < 500
