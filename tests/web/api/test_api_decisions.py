"""Decisions, DEQAR fields, audit packs and the pipeline through the API: the same policy and
the same pseudonymisation as the pages."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.export.pack import DeqarConfig
from qa.export.pack_jobs import build_next
from qa.services.pages.provider_pages import status_page
from qa.services.people.api_tokens import user_id_of
from tests.web.api.conftest import decided_file, numbered
from tests.world import World


def test_an_agency_reads_decisions_with_conditions_and_deqar_fields_pseudonymised(
    api: Any, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = decided_file(world, good_descriptor)
    greta = api("greta")
    response = greta.get(f"/submissions/{submission_id}/decisions")
    assert response.status_code == 200, response.text
    (decision,) = response.json()["decisions"]
    assert decision["decision"] == "approved_with_conditions"
    assert [c["text"] for c in decision["conditions"]] == ["Publish the exam regulations"]
    deqar = decision["deqar"]
    assert deqar["decision"] == "2" and deqar["local_identifier"] == f"MC-{submission_id}-1"
    assert deqar["programme[1].name_primary"] == "Decided Robotics"
    # the names of the office's people are out, exactly as on the agency's status page
    text = response.text
    assert "Agnieszka" not in text and "Aoife" not in text and "a reviewer" in text
    agency = Actor("greta", user_id_of(world.db, "greta"), frozenset({Role.AGENCY}))
    page = status_page(world.db, agency, submission_id)
    assert decision["rationale"] == page.decisions[0].rationale
    assert decision["signed_by"] == page.decisions[0].signed_by
    officer = api("aoife").get(f"/submissions/{submission_id}/decisions").text
    assert "Agnieszka" in officer  # staff read the names


def test_the_decided_list_follows_the_agency_pages_filter(
    api: Any, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = decided_file(world, good_descriptor)
    greta = api("greta")
    listed = greta.get("/decisions").json()["items"]
    assert [(i["submission_id"], i["decision"]) for i in listed] == [
        (submission_id, "approved_with_conditions")
    ]
    assert greta.get("/decisions?decision=rejected").json()["items"] == []
    refused = greta.get("/decisions?date_from=2026-13-01&decision=maybe")
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"date_from", "decision"}
    assert api("ines").get("/decisions").status_code == 403
    assert api("agnieszka").get("/decisions").status_code == 403


def test_an_agency_never_opens_a_file_under_review(
    api: Any, world: World, good_descriptor: dict[str, Any]
) -> None:
    under_review = world.to_peer_review(numbered(good_descriptor, 40, "Under review"))
    greta = api("greta")
    assert greta.get(f"/submissions/{under_review}").status_code == 403
    assert greta.get(f"/submissions/{under_review}/decisions").status_code == 403
    listed = greta.get("/submissions").json()["items"]
    assert under_review not in [item["id"] for item in listed]


def test_audit_packs_are_requested_followed_and_downloaded(
    api: Any, world: World, good_descriptor: dict[str, Any], api_app: Starlette
) -> None:
    decided_file(world, good_descriptor)
    greta = api("greta")
    day = world.today.isoformat()
    asked = greta.post("/packs", {"date_from": day, "date_to": day})
    assert asked.status_code == 202, asked.text
    path = asked.headers["location"].removeprefix("/api/v1")
    assert greta.get(path).json()["status"] == "queued"
    not_ready = greta.get(f"{path}/download")
    assert not_ready.status_code == 422
    folder = Path(api_app.state.settings.packs_dir)
    assert build_next(world.db, folder, DeqarConfig()) is not None
    ready = greta.get(path).json()
    assert ready["status"] == "ready" and ready["download"] == f"/api/v1{path}/download"
    downloaded = greta.get(f"{path}/download")
    assert downloaded.status_code == 200
    assert downloaded.headers["content-type"] == "application/zip"
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(downloaded.content)).namelist()
    assert [p["id"] for p in greta.get("/packs").json()["items"]] == [ready["id"]]
    # a provider may not ask; a reviewer may not see; another agency's pack does not exist
    assert api("ines").post("/packs", {"date_from": day, "date_to": day}).status_code == 403
    assert api("agnieszka").get(path).status_code == 403
    world.add_agency_user("hanna", "OTHER-AGENCY")
    assert api("hanna").get(path).status_code == 404
    assert api("hanna").get(f"{path}/download").status_code == 404


def test_a_pack_request_names_each_bad_field(api: Any, world: World) -> None:
    greta = api("greta")
    refused = greta.post("/packs", {"date_from": "soon", "date_to": 5, "colour": "red"})
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"date_from", "date_to", "colour"}
    day = world.today.isoformat()
    names = greta.post("/packs", {"date_from": day, "date_to": day, "reveal_reviewers": True})
    assert names.status_code == 422 and "pseudonymised" in names.json()["detail"]


def test_officers_read_the_pipeline_and_no_one_else_does(
    api: Any, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(numbered(good_descriptor, 50, "In the pipeline"))
    aoife = api("aoife")
    pipeline = aoife.get("/pipeline")
    assert pipeline.status_code == 200, pipeline.text
    body = pipeline.json()
    assert submission_id in [row["id"] for row in body["items"]]
    assert body["stage_counts"]["peer_review"] == 1
    assert aoife.get("/pipeline?stage=draft").json()["items"] == []
    refused = aoife.get("/pipeline?stage=limbo&sort=random")
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"stage", "sort"}
    for username in ("ines", "agnieszka", "greta"):
        assert api(username).get("/pipeline").status_code == 403
