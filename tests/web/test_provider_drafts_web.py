"""Drafts on the web: saved incomplete, submitted only complete; a deleted draft leaves every
list and is named as deleted, not withdrawn."""

from __future__ import annotations

import re
from typing import Any

import pytest

from qa.domain.errors import InvalidInput
from qa.services.submissions.submissions import descriptor_data, submit_descriptor
from tests.web.test_provider_web import Web, form_of, new_draft
from tests.world import World


def test_a_deleted_draft_leaves_every_list_and_reads_as_deleted_not_withdrawn(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    ines = web("ines")
    draft = new_draft(ines, good_descriptor | {"title": "A draft to throw away"})
    assert "A draft to throw away" in ines.get("/").text
    deleted = ines.post(f"/submissions/{draft}/withdraw", {"version": 1, "confirm": "yes"})
    assert deleted.status_code == 303 and world.stage(draft) == "withdrawn"
    assert "A draft to throw away" not in ines.get("/").text  # gone from the provider's list
    page = ines.get(f"/submissions/{draft}?done=deleted").text  # its own page names it
    assert "Deleted draft" in page and "Draft deleted" in page
    assert "Withdrawn" not in page
    officer = web("aoife")
    assert "A draft to throw away" not in officer.get("/").text
    assert "A draft to throw away" not in officer.get("/officer").text
    assert "A draft to throw away" not in officer.get("/officer?stage=withdrawn").text
    # a file withdrawn once under review keeps its name
    submitted = world.submit(good_descriptor | {"external_id": "WD-3", "title": "Cancelled"})
    world.route()
    version = world.submission(submitted).version
    reason = {"version": version, "reason": "Course cancelled", "confirm": "yes"}
    ines.post(f"/submissions/{submitted}/withdraw", reason)
    assert "Cancelled" in ines.get("/").text
    assert "Withdrawn" in ines.get(f"/submissions/{submitted}").text
    assert "Cancelled" in officer.get("/officer?stage=withdrawn").text


def test_save_draft_keeps_an_incomplete_descriptor_and_submit_names_what_is_missing(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    ines = web("ines")
    partial = {"intent": "save", "title": "Half-written course", "workload_ects": "5"}
    saved = ines.post("/submissions/new", partial)
    assert saved.status_code == 303, saved.text
    submission_id = int(saved.headers["location"].split("/")[2].split("?")[0])
    assert world.stage(submission_id) == "draft"
    data = descriptor_data(world.db, submission_id)
    assert (data["title"], data["workload_ects"]) == ("Half-written course", "5")
    assert "Half-written course" in ines.get("/").text
    form = ines.get(f"/submissions/{submission_id}/edit").text  # the values come back
    assert 'value="Half-written course"' in form and 'value="5"' in form
    assert "to fix before it can be submitted" in form and "Missing: Learning outcomes" in form

    # checking or submitting an incomplete draft leads to its form with each missing element
    version = world.submission(submission_id).version
    edit = f"/submissions/{submission_id}/edit"
    check = ines.post(edit, partial | {"intent": "review", "version": version})
    assert check.status_code == 303 and check.headers["location"] == f"{edit}?incomplete=1"
    step = ines.get(f"/submissions/{submission_id}/submit")
    assert step.status_code == 303 and step.headers["location"] == f"{edit}?incomplete=1"
    version = world.submission(submission_id).version
    refused = ines.post(f"/submissions/{submission_id}/submit", {"version": version})
    assert refused.status_code == 303 and world.stage(submission_id) == "draft"
    summary = ines.get(refused.headers["location"]).text
    assert "Your draft is saved, but it was not submitted" in summary
    for element in ("Learning outcomes", "Awarding body", "Date of issuing", "Level (EQF)"):
        assert f"Missing: {element}" in summary
    assert world.stage(submission_id) == "draft"

    # completed, it is checked and submitted as before
    version = world.submission(submission_id).version
    complete = form_of(good_descriptor, intent="review", version=version)
    assert ines.post(edit, complete).headers["location"] == f"/submissions/{submission_id}/submit"
    version = world.submission(submission_id).version
    sent = ines.post(f"/submissions/{submission_id}/submit", {"version": version})
    assert sent.headers["location"].endswith("?done=submitted")
    assert world.stage(submission_id) == "submitted"


def test_a_malformed_value_refuses_the_save_and_the_saved_draft_is_kept(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    ines = web("ines")
    saved = ines.post("/submissions/new", {"intent": "save", "title": "Kept title"})
    submission_id = int(saved.headers["location"].split("/")[2].split("?")[0])
    version = world.submission(submission_id).version
    bad = {
        "intent": "save",
        "version": version,
        "title": "A new title",
        "issue_date": "15/01/2027",
        "workload_ects": "five",
        "participation_form": "by_pigeon",
    }
    refused = ines.post(f"/submissions/{submission_id}/edit", bad)
    assert refused.status_code == 422
    page = refused.text
    assert "There are 3 problems; nothing was saved, and your last saved draft is unchanged" in (
        page
    )
    assert re.search(r'id="f-issue_date"[^>]*aria-invalid="true"', page)
    assert re.search(r'id="f-workload_ects"[^>]*aria-invalid="true"', page)
    assert "Missing:" not in page  # what is missing is not a reason to refuse a draft
    assert 'value="A new title"' in page and 'value="five"' in page  # typed values stay
    assert descriptor_data(world.db, submission_id)["title"] == "Kept title"  # nothing lost
    assert world.submission(submission_id).version == version


def test_an_incomplete_draft_cannot_be_submitted_by_any_path(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    ines = web("ines")
    direct = ines.post("/submissions/new", {"intent": "submit", "title": "Too early"})
    assert direct.status_code == 303 and direct.headers["location"].endswith("/edit?incomplete=1")
    submission_id = int(direct.headers["location"].split("/")[2])
    assert world.stage(submission_id) == "draft"
    version = world.submission(submission_id).version
    again = ines.post(
        f"/submissions/{submission_id}/edit",
        {"intent": "submit", "title": "Too early", "version": version},
    )
    assert again.headers["location"].endswith("/edit?incomplete=1")
    assert world.stage(submission_id) == "draft"
    with pytest.raises(InvalidInput):  # the service refuses it too
        submit_descriptor(
            world.db,
            world.provider,
            submission_id,
            expected_version=world.submission(submission_id).version,
            today=world.today,
        )


def test_the_qa_office_does_not_open_a_draft_until_it_is_submitted(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    ines = web("ines")
    draft = new_draft(ines, good_descriptor | {"title": "Not ready for the office"})
    status = ines.get(f"/submissions/{draft}").text
    assert "Only your institution sees a draft" in status
    assert "nothing is sent to the QA office until you submit it" in status
    officer = web("aoife")
    for path in ("", "/edit", "/submit"):
        assert officer.get(f"/submissions/{draft}{path}").status_code == 403
    assert officer.get(f"/officer/submissions/{draft}").status_code == 403
    assert "Not ready for the office" not in officer.get("/").text
    assert "Not ready for the office" not in officer.get("/officer").text
    version = world.submission(draft).version
    edited = officer.post(f"/submissions/{draft}/edit", form_of(good_descriptor, version=version))
    assert edited.status_code == 403 and world.submission(draft).version == version
    # submitted, the office sees it
    ines.post(f"/submissions/{draft}/submit", {"version": version})
    assert officer.get(f"/submissions/{draft}").status_code == 200
    assert officer.get(f"/officer/submissions/{draft}").status_code == 200
    assert "Not ready for the office" in officer.get("/officer").text
