"""The provider's journey in the web UI: describe, check, save, submit, self-assess, follow the
file, resubmit and withdraw; and what other people may (not) see of it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from qa.domain.actor import Actor
from qa.persistence.models import Condition, Submission, User
from qa.services.decisions.decisions import ConditionInput, sign_off
from qa.services.people.institutions import add_institution
from qa.services.people.users import add_user
from qa.services.submissions.submissions import descriptor_data
from tests.web.conftest import WebUser
from tests.world import World

Web = Callable[[str], WebUser]


def form_of(descriptor: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The descriptor as the form posts it (lists one per line, bodies in numbered slots)."""
    data: dict[str, Any] = {"intent": "save"}
    for key, value in descriptor.items():
        if key == "provider":
            continue
        if key == "awarding_bodies":
            for n, body in enumerate(value, start=1):
                data[f"awarding_bodies-{n}-name"] = body["name"]
                data[f"awarding_bodies-{n}-identifiers"] = "\n".join(
                    f"{i['scheme']}:{i['value']}" for i in body["identifiers"]
                )
        elif key == "assessment_type":
            data[key] = list(value)
        elif isinstance(value, bool):
            if value:
                data[key] = "yes"
        elif isinstance(value, list):
            data[key] = "\n".join(value)
        else:
            data[key] = str(value)
    return data | changes


def submissions_count(world: World) -> int:
    with world.db.session() as session:
        return session.exec(select(func.count()).select_from(Submission)).one()


def new_draft(provider: WebUser, descriptor: dict[str, Any]) -> int:
    response = provider.post("/submissions/new", form_of(descriptor))
    assert response.status_code == 303, response.text
    match = re.match(r"^/submissions/(\d+)\?done=saved$", response.headers["location"])
    assert match
    return int(match.group(1))


def decide(world: World, submission_id: int, decision: str, rationale: str | None) -> None:
    sign_off(
        world.db,
        world.officers[1],
        submission_id,
        expected_version=world.submission(submission_id).version,
        decision=decision,
        rationale=rationale,
        today=world.today,
    )
    world.route()


# -- the descriptor form -------------------------------------------------------------------------


def test_a_provider_saves_a_valid_draft_and_lands_on_its_status_page(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    ines = web("ines")
    form = ines.get("/submissions/new")
    assert form.status_code == 200
    assert 'hx-post="/submissions/validate/workload_ects"' in form.text
    assert '<label for="f-title">Title of the micro-credential' in form.text
    assert 'id="messages"' in form.text and "<script>" not in form.text

    submission_id = new_draft(ines, good_descriptor)
    assert world.stage(submission_id) == "draft"
    assert descriptor_data(world.db, submission_id)["provider"] == "PT-IPVN"
    page = ines.get(f"/submissions/{submission_id}?done=saved")
    assert page.status_code == 200
    assert "The draft is saved" in page.text and "Applied Data Analysis with Python" in page.text
    assert f'href="/submissions/{submission_id}/submit"' in page.text  # the review step
    assert f'href="/submissions/{submission_id}/edit"' in page.text
    check = ines.get(f"/submissions/{submission_id}/submit")
    assert check.status_code == 200 and "What happens when you submit" in check.text
    assert f'action="/submissions/{submission_id}/submit"' in check.text


def test_an_invalid_form_comes_back_with_every_problem_and_nothing_is_saved(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    ines = web("ines")
    data = form_of(good_descriptor, workload_ects="0,5", title="", qa_type="external")
    data["qa_evidence"] = ""
    response = ines.post("/submissions/new", data)
    assert response.status_code == 422
    assert submissions_count(world) == 0
    page = response.text
    # only the malformed number refuses the save; what is missing waits for submission
    assert "There is a problem; nothing was saved" in page
    assert "write it with a decimal point: 0.5" in page
    assert "Missing: Title" not in page and "needs evidence" not in page
    assert re.search(r'id="f-workload_ects"[^>]*aria-invalid="true"', page)
    assert 'aria-describedby="hint-workload_ects msg-workload_ects"' in page
    assert 'value="0,5"' in page  # the values are kept
    assert "Instituto Politécnico do Vale do Neiva" in page


def test_each_field_checks_itself_with_the_import_validator(
    web: Web, good_descriptor: dict[str, Any]
) -> None:
    ines = web("ines")
    comma = ines.post(
        "/submissions/validate/workload_ects",
        form_of(good_descriptor, workload_ects="0,5"),
        htmx=True,
    )
    assert comma.status_code == 200
    assert 'id="field-workload_ects"' in comma.text and 'aria-invalid="true"' in comma.text
    assert "uses a comma; write it with a decimal point: 0.5." in comma.text
    assert "<html" not in comma.text

    hours = ines.post(
        "/submissions/validate/workload_ects",
        form_of(good_descriptor, workload_ects="5", workload_hours="100"),
        htmx=True,
    )
    assert 'id="msg-workload_hours" hx-swap-oob="innerHTML"' in hours.text
    assert "100 hours for 5 ECTS is 20.0 hours per ECTS" in hours.text
    assert 'class="field-warning"' in hours.text and "aria-invalid" not in hours.text

    other = ines.post(
        "/submissions/validate/assessment_type",
        form_of(good_descriptor, assessment_type=["other"], assessment_description=""),
        htmx=True,
    )
    assert "<fieldset" not in other.text  # a group in use is not re-rendered, only its messages
    assert 'id="msg-assessment_description" hx-swap-oob="innerHTML"><p class="field-error">' in (
        other.text
    )
    attendance = ines.post(
        "/submissions/validate/eqf_level",
        form_of(good_descriptor, eqf_level="not_applicable", qf_ehea_cycle=""),
        htmx=True,
    )
    assert "Say why no EQF level applies" in attendance.text

    untouched = ines.post("/submissions/validate/title", {"title": "A title"}, htmx=True)
    assert "Missing" not in untouched.text  # other mandatory fields wait until saved
    unknown = ines.post("/submissions/validate/password", {}, htmx=True)
    assert unknown.status_code == 404


def test_awarding_bodies_are_entered_one_slot_each_and_slots_can_be_added(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    ines = web("ines")
    data = form_of(good_descriptor, intent="add_body")
    more = ines.post("/submissions/new", data)
    assert more.status_code == 200 and 'id="f-awarding_bodies-2-name"' in more.text
    assert submissions_count(world) == 0
    data |= {
        "intent": "save",
        "awarding_bodies-2-name": "Partner",
        "awarding_bodies-2-identifiers": "pic",
    }
    refused = ines.post("/submissions/new", data)
    assert refused.status_code == 422
    assert "each identifier needs a scheme and a value" in refused.text


def test_the_providers_own_code_must_be_unique_in_the_institution(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    ines = web("ines")
    new_draft(ines, good_descriptor)
    again = ines.post("/submissions/new", form_of(good_descriptor, title="Another one"))
    assert again.status_code == 422 and submissions_count(world) == 1
    assert "already uses the code IPVN-MC-2027-001 for “Applied Data Analysis" in again.text
    assert '<a href="#f-external_id">' in again.text


def test_a_stale_edit_is_refused_with_409_and_keeps_the_typed_values(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    ines = web("ines")
    submission_id = new_draft(ines, good_descriptor)
    edit = ines.get(f"/submissions/{submission_id}/edit")
    assert edit.status_code == 200 and 'value="Applied Data Analysis with Python"' in edit.text
    opened = world.submission(submission_id).version
    first = ines.post(
        f"/submissions/{submission_id}/edit",
        form_of(good_descriptor, title="Data Analysis, first edit", version=opened),
    )
    assert first.status_code == 303
    stale = ines.post(
        f"/submissions/{submission_id}/edit",
        form_of(good_descriptor, title="Data Analysis, stale edit", version=opened),
    )
    assert stale.status_code == 409
    assert "Someone else saved this micro-credential after you opened it" in stale.text
    assert 'value="Data Analysis, stale edit"' in stale.text
    assert world.submission(submission_id).title == "Data Analysis, first edit"
    current = re.search(r'name="version" value="(\d+)"', stale.text)
    assert current and int(current.group(1)) == world.submission(submission_id).version
    again = ines.post(
        f"/submissions/{submission_id}/edit",
        form_of(good_descriptor, title="Data Analysis, stale edit", version=current.group(1)),
    )
    assert again.status_code == 303  # saving from the 409 form replaces it, knowingly
    assert world.submission(submission_id).title == "Data Analysis, stale edit"


def test_save_and_submit_then_routing_opens_the_self_assessment(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    ines = web("ines")
    submission_id = new_draft(ines, good_descriptor)
    version = world.submission(submission_id).version
    response = ines.post(f"/submissions/{submission_id}/submit", {"version": version})
    assert response.status_code == 303
    assert response.headers["location"] == f"/submissions/{submission_id}?done=submitted"
    assert world.stage(submission_id) == "submitted"
    world.route()
    assert world.stage(submission_id) == "self_assessment"
    page = ines.get(f"/submissions/{submission_id}").text
    assert "Complete your self-assessment" in page and "0 of 43 criteria done" in page
    assert ines.get(f"/submissions/{submission_id}/edit").status_code == 409


# -- the self-assessment -----------------------------------------------------------------------


@pytest.fixture
def self_assessing(world: World, good_descriptor: dict[str, Any]) -> int:
    submission_id = world.submit(good_descriptor)
    world.route()
    assert world.stage(submission_id) == "self_assessment"
    return submission_id


def test_self_assessment_autosaves_per_criterion_and_survives_a_reload(
    web: Web, self_assessing: int
) -> None:
    ines = web("ines")
    path = f"/submissions/{self_assessing}/self-assessment"
    page = ines.get(path).text
    assert "0 of 43 criteria done" in page and "<legend>Your level for QUAL-1</legend>" in page
    scored_only = ines.post(f"{path}/scores/QUAL-1", {"level-QUAL-1": "2"}, htmx=True)
    assert scored_only.status_code == 200 and 'role="status"' in scored_only.text
    assert re.search(r"Saved \d\d:\d\d:\d\d", scored_only.text)
    assert "Add evidence, or say why there is none" in scored_only.text
    assert "0 of 43 criteria done" in scored_only.text
    done = ines.post(
        f"{path}/scores/QUAL-1",
        {
            "level-QUAL-1": "2",
            "evidence-QUAL-1": "QA manual p. 12\nApproval minutes 2024-03",
            "comment-QUAL-1": "Approved by the board",
        },
        htmx=True,
    )
    assert 'id="sa-progress" hx-swap-oob="true"' in done.text
    assert "1 of 43 criteria done" in done.text and "Add evidence" not in done.text
    ines.post(f"{path}/scores/TRAN-1", {"level-TRAN-1": "cj", "reason-TRAN-1": "n/a"}, htmx=True)
    reloaded = ines.get(path).text
    assert re.search(r'name="level-QUAL-1" value="2" checked', reloaded)
    assert re.search(r'name="level-TRAN-1" value="cj" checked', reloaded)
    assert "QA manual p. 12\nApproval minutes 2024-03</textarea>" in reloaded
    assert "Approved by the board" in reloaded and "2 of 43 criteria done" in reloaded
    bad = ines.post(f"{path}/scores/NOPE-1", {"level-NOPE-1": "2"}, htmx=True)
    assert bad.status_code == 422 and bad.headers["HX-Retarget"] == "#messages"


def test_an_incomplete_self_assessment_names_what_is_missing(
    web: Web, world: World, self_assessing: int
) -> None:
    ines = web("ines")
    path = f"/submissions/{self_assessing}/self-assessment"
    ines.post(f"{path}/scores/QUAL-1", {"level-QUAL-1": "3"}, htmx=True)
    version = world.submission(self_assessing).version
    refused = ines.post(f"{path}/submit", {"version": version})
    assert refused.status_code == 422
    assert "43 criteria still need an answer" in refused.text
    assert (
        '<a href="#c-QUAL-1">QUAL-1 Internal quality assurance covers the micro-credential: '
        "evidence, or a reason why there is none</a>"
    ) in refused.text
    assert '<a href="#c-QUAL-2">QUAL-2 Valid external' in refused.text
    assert ": a level, or cannot judge</a>" in refused.text
    assert world.stage(self_assessing) == "self_assessment"


def test_a_complete_self_assessment_is_submitted_and_locked(
    web: Web, world: World, self_assessing: int
) -> None:
    world.self_assess(self_assessing, submit=False)
    ines = web("ines")
    path = f"/submissions/{self_assessing}/self-assessment"
    assert "43 of 43 criteria done" in ines.get(path).text
    version = world.submission(self_assessing).version
    response = ines.post(f"{path}/submit", {"version": version})
    assert response.status_code == 303
    assert response.headers["location"] == f"/submissions/{self_assessing}?done=self_assessment"
    assert world.stage(self_assessing) == "screening"
    locked = ines.get(path).text
    assert "submitted and is locked" in locked and "disabled" in locked
    late = ines.post(f"{path}/scores/QUAL-1", {"level-QUAL-1": "0"}, htmx=True)
    assert late.status_code == 409


def test_a_reviewer_cannot_open_the_self_assessment(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    assignment = world.assignments(submission_id)[0]
    reviewer = web(next(n for n in ("agnieszka", "soren", "lucia") if _is(world, n, assignment)))
    assert reviewer.get(f"/submissions/{submission_id}/self-assessment").status_code == 403
    status = reviewer.get(f"/submissions/{submission_id}")
    assert status.status_code == 200 and f'href="/reviews/{assignment.id}"' in status.text
    assert reviewer.get("/submissions/new").status_code == 403


def _is(world: World, username: str, assignment: Any) -> bool:
    with world.db.session() as session:
        user = session.get(User, assignment.reviewer_id)
    return user is not None and user.username == username


# -- following the file ------------------------------------------------------------------------


def test_the_status_page_shows_the_history_and_what_happens_next(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.submit(good_descriptor)
    world.route()
    world.self_assess(submission_id)
    world.screen(submission_id, accept=False, reasons="Attach the approval minutes for QUAL-1.")
    page = web("ines").get(f"/submissions/{submission_id}").text
    assert '<ol class="timeline">' in page
    for event in (
        "Submitted for review",
        "Passed the automatic Annex I check",
        "Self-assessment submitted",
        "Returned at screening",
    ):
        assert f"<strong>{event}</strong>" in page
    assert "now: Screening by the QA office" in page
    assert "by Automatic check" in page and "by QA office" in page and "Aoife" not in page
    assert "The QA office returned it at screening" in page
    assert "Attach the approval minutes for QUAL-1." in page
    assert "Complete your self-assessment" in page
    aoife = web("aoife")
    officer = aoife.get(f"/submissions/{submission_id}").text
    assert "by Aoife" in officer
    assert f'href="/officer/submissions/{submission_id}"' in officer
    assert "View the self-assessment" in officer
    read_only = aoife.get(f"/submissions/{submission_id}/self-assessment").text
    assert "only the provider can change it" in read_only and "disabled" in read_only


def test_blind_review_the_provider_never_sees_who_reviewed(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_sign_off(good_descriptor)
    before = web("ines").get(f"/submissions/{submission_id}").text
    assert "A careful, well evidenced micro-credential." not in before  # not before the decision
    decide(world, submission_id, "approved", None)
    page = web("ines").get(f"/submissions/{submission_id}").text
    assert "Decision, round 1" in page and "Approved" in page
    assert "Reviewer A" in page and "Reviewer B" in page
    assert "A careful, well evidenced micro-credential." in page
    for name in ("agnieszka", "soren", "lucia", "lukas"):
        assert name not in page.lower()
    first = world.assignments(submission_id)[0]
    reviewer = web(next(n for n in ("agnieszka", "soren", "lucia") if _is(world, n, first)))
    own_view = reviewer.get(f"/submissions/{submission_id}").text
    assert "Reviews, round 1" not in own_view  # never the other reviews
    assert "A careful, well evidenced micro-credential." not in own_view
    officer = web("aoife").get(f"/submissions/{submission_id}").text
    assert "Reviewer A" not in officer
    assert any(name in officer for name in ("Agnieszka", "Soren", "Lucia"))
    add_user(
        world.db,
        Actor.cli("tests"),
        username="agency1",
        email="agency1@example.org",
        display_name="Agency One",
        roles=["agency"],
    )
    agency = web("agency1").get(f"/submissions/{submission_id}").text
    assert "Reviewer B" in agency and "What happens next" not in agency
    for name in ("agnieszka", "soren", "lucia", "lukas"):
        assert name not in agency.lower()


def test_another_institutions_provider_gets_403_everywhere(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    operator = Actor.cli("tests")
    add_institution(world.db, operator, code="ES-UV", name="Universidad del Valle", country="ES")
    add_user(
        world.db,
        operator,
        username="marta",
        email="marta@example.org",
        display_name="Marta",
        roles=["provider"],
        institution_code="ES-UV",
    )
    submission_id = new_draft(web("ines"), good_descriptor)
    marta = web("marta")
    base = f"/submissions/{submission_id}"
    for path in (
        base,
        f"{base}/edit",
        f"{base}/self-assessment",
        f"{base}/resubmit",
        f"{base}/withdraw",
    ):
        assert marta.get(path).status_code == 403, path
    posts: dict[str, dict[str, Any]] = {
        f"{base}/edit": form_of(good_descriptor, version=1),
        f"{base}/submit": {"version": 1},
        f"{base}/self-assessment/scores/QUAL-1": {"level-QUAL-1": "3"},
        f"{base}/self-assessment/submit": {"version": 1},
        f"{base}/resubmit": form_of(good_descriptor, version=1),
        f"{base}/withdraw": {"version": 1, "reason": "not mine", "confirm": "yes"},
    }
    for path, data in posts.items():
        assert marta.post(path, data).status_code == 403, path
    assert world.stage(submission_id) == "draft"


# -- revise and resubmit, withdraw ---------------------------------------------------------------


def test_revise_and_resubmit_opens_round_two_with_the_revised_descriptor(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_sign_off(good_descriptor)
    rationale = "Publish the assessment criteria before enrolment, then resubmit."
    decide(world, submission_id, "revise_and_resubmit", rationale)
    ines = web("ines")
    status = ines.get(f"/submissions/{submission_id}").text
    assert rationale in status and f'href="/submissions/{submission_id}/resubmit"' in status
    form = ines.get(f"/submissions/{submission_id}/resubmit")
    assert form.status_code == 200 and rationale in form.text
    assert "Resubmit for review" in form.text
    version = world.submission(submission_id).version
    invalid = ines.post(
        f"/submissions/{submission_id}/resubmit",
        form_of(good_descriptor, intent="resubmit", version=version, eqf_level=""),
    )
    assert invalid.status_code == 422 and world.submission(submission_id).current_round == 1
    revised = ines.post(
        f"/submissions/{submission_id}/resubmit",
        form_of(
            good_descriptor,
            intent="resubmit",
            version=version,
            further_information="https://example.org/mc/criteria",
            title="Applied Data Analysis with Python (revised)",
        ),
    )
    assert revised.status_code == 303
    submission = world.submission(submission_id)
    assert (submission.stage, submission.current_round) == ("submitted", 2)
    assert submission.title == "Applied Data Analysis with Python (revised)"  # lists follow
    data = descriptor_data(world.db, submission_id)
    assert data["further_information"] == "https://example.org/mc/criteria"
    world.route()
    assert world.stage(submission_id) == "self_assessment"
    page = ines.get(f"/submissions/{submission_id}").text
    assert "Decision, round 1" in page and "0 of 43 criteria done" in page


def test_withdraw_asks_for_a_reason_and_a_confirmation(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    ines = web("ines")
    draft = new_draft(ines, good_descriptor)  # a draft is deleted: a reason is optional
    deleted = ines.post(f"/submissions/{draft}/withdraw", {"version": 1, "confirm": "yes"})
    assert deleted.status_code == 303 and deleted.headers["location"].endswith("?done=deleted")
    assert world.stage(draft) == "withdrawn"
    submission_id = world.submit(good_descriptor | {"external_id": "WD-2"})
    world.route()
    path = f"/submissions/{submission_id}/withdraw"
    confirm = ines.get(path)
    assert confirm.status_code == 200 and "cannot be undone" in confirm.text
    version = world.submission(submission_id).version
    no_reason = ines.post(path, {"version": version, "confirm": "yes"})
    assert no_reason.status_code == 422 and "Give a reason" in no_reason.text
    unconfirmed = ines.post(path, {"version": version, "reason": "Course cancelled"})
    assert unconfirmed.status_code == 422 and world.stage(submission_id) == "self_assessment"
    done = ines.post(path, {"version": version, "reason": "Course cancelled", "confirm": "yes"})
    assert done.status_code == 303 and world.stage(submission_id) == "withdrawn"
    assert done.headers["location"].endswith("?done=withdrawn")
    page = ines.get(f"/submissions/{submission_id}?done=withdrawn").text
    assert "Withdrawn" in page and "Course cancelled" in page and "Withdraw…" not in page
    assert ines.get(path).status_code == 409


def test_a_provider_reports_a_condition_met_and_an_officer_confirms_it(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_sign_off(good_descriptor)
    sign_off(
        world.db,
        world.officers[1],
        submission_id,
        expected_version=world.submission(submission_id).version,
        decision="approved_with_conditions",
        rationale="Publish the exam regulations before the first cohort starts.",
        today=world.today,
        conditions=[
            ConditionInput(
                "Publish the exam regulations", "Exams office", world.today + timedelta(days=60)
            )
        ],
    )
    with world.db.session() as session:
        condition = session.exec(select(Condition)).one()
    ines = web("ines")
    path = f"/submissions/{submission_id}/conditions/{condition.id}/report"
    refused = ines.post(path, {"version": condition.version, "evidence": ""})
    assert refused.status_code == 422
    evidence = "Published on the course page, section Exams."
    done = ines.post(path, {"version": condition.version, "evidence": evidence})
    assert done.status_code == 303 and done.headers["location"].endswith("?done=reported")
    assert "reported met" in ines.get(f"/submissions/{submission_id}").text
    officer = web("aoife").get(f"/officer/submissions/{submission_id}").text
    assert "the provider reports it met" in officer and f'value="{evidence}"' in officer
    assert world.stage(submission_id) == "approved_with_conditions"  # until an officer confirms
    reviewer = web("agnieszka").post(path, {"version": condition.version + 1, "evidence": "x" * 9})
    assert reviewer.status_code == 403  # not the provider
