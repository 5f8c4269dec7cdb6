"""The QA officer's pages: pipeline, screening, panel, moderation, sign-off and follow-up."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from qa.domain.actor import Actor
from qa.domain.review_settings import ReviewSettings
from qa.persistence.models import Assignment, AuditEntry, Condition
from qa.services.decisions.decisions import ConditionInput, sign_off
from qa.services.people.users import add_user
from tests.clock import START
from tests.web.conftest import WebUser
from tests.world import World

Web = Callable[[str], WebUser]
TODAY = START.date()  # the web app decides with the travelled clock


def _descriptor(good: dict[str, Any], n: int, title: str, **more: Any) -> dict[str, Any]:
    return good | {"external_id": f"IPVN-{n:03d}", "title": title} | more


def _screening(world: World, descriptor: dict[str, Any]) -> int:
    submission_id = world.submit(descriptor)
    world.route()
    world.self_assess(submission_id)
    assert world.stage(submission_id) == "screening"
    return submission_id


def _moderation(world: World, descriptor: dict[str, Any]) -> int:
    submission_id = world.to_peer_review(descriptor)
    first, second, _ = world.assignments(submission_id)
    world.review(first, {"QUAL-1": 1})
    world.review(second, {"QUAL-1": 3})
    world.route()
    assert world.stage(submission_id) == "moderation"
    return submission_id


def _kicks(user: WebUser) -> list[int]:
    kicked: list[int] = []
    user.client.app.state.kick = lambda: kicked.append(1)  # type: ignore[attr-defined]
    return kicked


def _audit(world: World, action: str) -> list[AuditEntry]:
    with world.db.session() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


# -- the pipeline --------------------------------------------------------------------------------


def test_the_pipeline_counts_stages_and_filters_swap_only_the_results(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    in_review = world.to_peer_review(_descriptor(good_descriptor, 1, "Applied Data Analysis"))
    screening = _screening(world, _descriptor(good_descriptor, 2, "Welding Safety"))
    officer = web("aoife")
    page = officer.get("/officer")
    assert page.status_code == 200 and "HX-Request" in page.headers["Vary"]
    text = page.text
    assert "<h1>Pipeline</h1>" in text and 'id="pipeline"' in text and 'id="filters"' in text
    assert re.search(r"Peer review <span class=\"count\">1</span>", text)
    assert re.search(r"Screening by the QA office <span class=\"count\">1</span>", text)
    assert 'hx-trigger="input changed delay:300ms from:#q, change, submit"' in text
    assert f'href="/officer/submissions/{in_review}"' in text and "Reviewer load" in text

    fragment = officer.get("/officer?stage=screening", htmx=True)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert f'href="/officer/submissions/{screening}"' in fragment.text
    assert f'href="/officer/submissions/{in_review}"' not in fragment.text
    assert 'id="stage-filter" value="screening" hx-swap-oob="true"' in fragment.text
    assert (
        "Showing 1–1 of 1 file" in fragment.text
        and "in Screening by the QA office" in fragment.text
    )

    plain = officer.get("/officer?stage=screening")  # the same filter without JavaScript
    assert "<html" in plain.text and 'id="stage-filter" value="screening"' in plain.text

    searched = officer.get("/officer?q=welding", htmx=True).text
    assert "Welding Safety" in searched and "Applied Data Analysis" not in searched
    assert officer.get("/officer?q=IPVN-001", htmx=True).text.count("/officer/submissions/") == 1
    nothing = officer.get("/officer?q=nothing+like+this", htmx=True).text
    assert "No files" in nothing


def test_the_pipeline_shows_what_is_overdue_and_each_reviewers_load(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    late_file = world.to_peer_review(_descriptor(good_descriptor, 1, "Late File"))
    on_time = _screening(world, _descriptor(good_descriptor, 2, "On Time"))
    first = world.assignments(late_file)[0]
    with world.db.write() as session:
        session.execute(
            update(Assignment)
            .where(col(Assignment.id) == first.id)
            .values(respond_by=TODAY - timedelta(days=3))
        )
        session.commit()
    officer = web("lukas")
    page = officer.get("/officer").text
    assert "answer 3 days late" in page and "1</span> late review" in page
    assert re.search(r"Agnieszka.*?1 of 6", page, re.S)  # load against the maximum
    overdue = officer.get("/officer?overdue=1", htmx=True).text
    assert "Late File" in overdue and "On Time" not in overdue
    assert "1 late review" in overdue and on_time


# -- screening -----------------------------------------------------------------------------------


def test_screening_shows_the_self_assessment_and_passes_the_file_on(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = _screening(world, good_descriptor | {"workload_hours": 100})
    officer = web("aoife")
    kicked = _kicks(officer)
    page = officer.get(f"/officer/submissions/{submission_id}")
    assert page.status_code == 200
    text = page.text
    assert 'id="screening"' in text and "Self-assessment by principle" in text
    assert "20.0 hours per ECTS" in text  # the validation warning stored with the descriptor
    assert f'href="/submissions/{submission_id}"' in text and 'id="messages"' in text
    assert "Every criterion cites evidence." in text
    version = world.submission(submission_id).version
    done = officer.post(
        f"/officer/submissions/{submission_id}/screen", {"version": version, "outcome": "accept"}
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/officer/submissions/{submission_id}#screening"
    assert world.stage(submission_id) == "peer_review" and kicked == [1]


def test_returning_a_file_needs_reasons_the_provider_will_read(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = _screening(world, good_descriptor)
    officer = web("aoife")
    version = world.submission(submission_id).version
    path = f"/officer/submissions/{submission_id}/screen"
    refused = officer.post(path, {"version": version, "outcome": "return", "reasons": " "})
    assert refused.status_code == 422
    assert "Say what the provider must fix" in refused.text and 'id="screening"' in refused.text
    assert world.stage(submission_id) == "screening"
    returned = officer.post(
        path, {"version": version, "outcome": "return", "reasons": "Attach the approval record"}
    )
    assert returned.status_code == 303 and world.stage(submission_id) == "self_assessment"
    page = officer.get(f"/officer/submissions/{submission_id}").text
    assert "Attach the approval record" in page  # in the history
    stale = officer.post(path, {"version": version, "outcome": "accept"})
    assert stale.status_code == 409


# -- the review panel ----------------------------------------------------------------------------


def test_invite_cancel_and_invite_again_from_the_workspace(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    marta = world.add_reviewer("marta", "subject_expert", ["0542"])
    officer = web("aoife")
    kicked = _kicks(officer)
    page = officer.get(f"/officer/submissions/{submission_id}").text
    assert 'id="panel"' in page and "Invite reviewers" in page
    assert f'name="reviewer_id" value="{marta.user_id}"' in page
    assert "detailed field" in page and "0 of 6" in page and "not asked yet" in page
    assert "already on the panel (invited)" in page

    assert "Anyone you invite now goes beyond the panel size" in page
    path = f"/officer/submissions/{submission_id}/invite"
    warned = officer.post(path, {"reviewer_id": [marta.user_id]})  # a warning first
    assert warned.status_code == 200 and "Yes, invite beyond the panel size" in warned.text
    assert f'value="{marta.user_id}" aria-label="Invite Marta" checked' in warned.text
    assert not any(a.reviewer_id == marta.user_id for a in world.assignments(submission_id))
    invited = officer.post(path, {"reviewer_id": [marta.user_id], "beyond_panel": "1"})
    assert invited.status_code == 303
    assert any(a.reviewer_id == marta.user_id for a in world.assignments(submission_id))

    lucia = world.assignments(submission_id)[2]
    path = f"/officer/assignments/{lucia.id}/cancel"
    refused = officer.post(path, {"version": lucia.version, "reason": ""})
    assert (
        refused.status_code == 422 and "Reason: say why the assignment is cancelled" in refused.text
    )
    cancelled = officer.post(path, {"version": lucia.version, "reason": "Away all month"})
    assert cancelled.status_code == 303 and kicked
    lucia = world.assignment(lucia.id or 0)
    assert lucia.state == "cancelled" and lucia.decline_reason == "Away all month"
    page = officer.get(f"/officer/submissions/{submission_id}").text
    assert "Away all month" in page and f"/officer/assignments/{lucia.id}/reinvite" in page

    again = officer.post(f"/officer/assignments/{lucia.id}/reinvite", {"version": lucia.version})
    assert again.status_code == 303 and world.assignment(lucia.id or 0).state == "invited"
    assert len(_audit(world, "assignment.reinvited")) == 1


def test_remind_now_and_a_new_date_from_the_panel(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    first = world.assignments(submission_id)[0]  # an open invitation
    officer = web("aoife")
    page = officer.get(f"/officer/submissions/{submission_id}").text
    assert f'action="/officer/assignments/{first.id}/remind"' in page
    assert "Change the answer date" in page

    done = officer.post(f"/officer/assignments/{first.id}/remind", {})
    assert done.status_code == 303
    assert done.headers["location"].endswith(f"#assignment-{first.id}")
    again = officer.post(f"/officer/assignments/{first.id}/remind", {})
    assert again.status_code == 409 and "already reminded today" in again.text

    path = f"/officer/assignments/{first.id}/due-date"
    refused = officer.post(path, {"version": first.version, "due": "next week", "reason": "Away"})
    assert refused.status_code == 422
    assert "is not a date; choose one in the calendar" in refused.text
    new_date = TODAY + timedelta(days=10)
    form = {"version": first.version, "due": new_date.isoformat(), "reason": "Travelling this week"}
    assert officer.post(path, form).status_code == 303
    assert world.assignment(first.id or 0).respond_by == new_date
    assert len(_audit(world, "assignment.due_date")) == 1
    assert len(_audit(world, "assignment.reminded")) == 1


def test_the_panel_refuses_a_colleague_of_the_provider_and_an_overloaded_reviewer(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    colleague = add_user(
        world.db,
        Actor.cli("tests"),
        username="pedro",
        email="pedro@example.org",
        display_name="Pedro",
        roles=["reviewer"],
        institution_code="PT-IPVN",
    ).user
    busy = world.add_reviewer("jonas", "learner", [])
    other = world.submit(_descriptor(good_descriptor, 2, "Another file"))
    with world.db.write() as session:
        session.add(Assignment(submission_id=other, round_number=1, reviewer_id=busy.user_id or 0))
        session.commit()
    officer = web("aoife")
    app = officer.client.app
    app.state.settings = replace(app.state.settings, review=ReviewSettings(max_load=1))  # type: ignore[attr-defined]
    page = officer.get(f"/officer/submissions/{submission_id}").text
    assert "belongs to the provider (conflict of interest)" in page
    assert "at the maximum load (1 of 1)" in page
    assert f'name="reviewer_id" value="{colleague.id}"' not in page
    path = f"/officer/submissions/{submission_id}/invite"
    refused = officer.post(path, {"reviewer_id": [colleague.id], "beyond_panel": "1"})
    assert refused.status_code == 403 and "Pedro belongs to the provider" in refused.text
    overloaded = officer.post(path, {"reviewer_id": [busy.user_id], "beyond_panel": "1"})
    assert overloaded.status_code == 403
    assert "Jonas already has 1 open reviews and the maximum load is 1" in overloaded.text
    assert len(world.assignments(submission_id)) == 3
    assert officer.post(path, {}).status_code == 422


# -- moderation ----------------------------------------------------------------------------------


def test_moderation_side_by_side_with_consensus_autosave_then_complete(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = _moderation(world, good_descriptor)
    officer = web("aoife")
    page = officer.get(f"/officer/submissions/{submission_id}").text
    assert 'id="moderation"' in page and "Reviewers: Agnieszka, Soren" in page
    assert "QUAL-1 (must-pass): scores 1 and 3 differ by 2 points" in page
    assert "0 of 1 disputed criteria agreed" in page
    assert f'hx-post="/officer/submissions/{submission_id}/consensus/QUAL-1"' in page

    complete = f"/officer/submissions/{submission_id}/moderation"
    early = officer.post(complete, {"version": world.submission(submission_id).version})
    assert early.status_code == 422 and "disputed criteria still need a consensus" in early.text

    path = f"/officer/submissions/{submission_id}/consensus/QUAL-1"
    bare = officer.post(path, {"level-QUAL-1": "2"}, htmx=True)
    assert bare.status_code == 200 and "Not saved" in bare.text and 'role="alert"' in bare.text
    assert world.sheets(submission_id, "consensus") == [] or not any(
        world.scores(sheet) for sheet in world.sheets(submission_id, "consensus")
    )
    saved = officer.post(
        path,
        {"level-QUAL-1": "2", "rationale-QUAL-1": "Approval record seen in minutes"},
        htmx=True,
    )
    assert saved.status_code == 200 and 'role="status"' in saved.text and "Saved" in saved.text
    (sheet,) = world.sheets(submission_id, "consensus")
    assert world.scores(sheet)["QUAL-1"].level == 2
    assert (
        "1 of 1 disputed criteria agreed"
        in officer.get(f"/officer/submissions/{submission_id}").text
    )

    kicked = _kicks(officer)
    done = officer.post(complete, {"version": world.submission(submission_id).version})
    assert done.status_code == 303 and world.stage(submission_id) == "sign_off" and kicked
    late = officer.post(path, {"level-QUAL-1": "3", "rationale-QUAL-1": "Too late now"}, htmx=True)
    assert late.status_code == 200 and "Not saved: submission" in late.text  # shown in place
    assert world.scores(world.sheets(submission_id, "consensus")[0])["QUAL-1"].level == 2


def test_consensus_without_javascript_redirects_back_or_explains(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = _moderation(world, good_descriptor)
    officer = web("lukas")
    path = f"/officer/submissions/{submission_id}/consensus/QUAL-1"
    refused = officer.post(path, {"level-QUAL-1": "3"})
    assert refused.status_code == 422 and "give the rationale" in refused.text
    saved = officer.post(path, {"level-QUAL-1": "3", "rationale-QUAL-1": "Evidence is complete"})
    assert saved.status_code == 303 and saved.headers["location"].endswith("#c-QUAL-1")


# -- sign-off ------------------------------------------------------------------------------------


def _signing(world: World, good_descriptor: dict[str, Any]) -> tuple[int, int]:
    submission_id = world.to_sign_off(good_descriptor)
    return submission_id, world.submission(submission_id).version


def test_sign_off_shows_the_numbers_and_signs_with_several_conditions(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id, version = _signing(world, good_descriptor)
    officer = web("aoife")
    page = officer.get(f"/officer/submissions/{submission_id}").text
    assert 'id="sign-off"' in page and "Recommended decision" in page
    assert "Approve (recommended)" in page and "Must-pass criteria" in page
    assert "+0.00" in page  # the self vs peer gap (self 3, peers 3)
    assert re.search(r'id="decision-approved" name="decision" value="approved" checked', page)
    kicked = _kicks(officer)
    due1, due2 = TODAY + timedelta(days=60), TODAY + timedelta(days=120)
    done = officer.post(
        f"/officer/submissions/{submission_id}/sign-off",
        {
            "version": version,
            "decision": "approved_with_conditions",
            "rationale": "The published criteria must be completed first.",
            "condition_rows": "3",
            "condition-text-1": "Publish the assessment criteria",
            "condition-owner-1": "Programme lead",
            "condition-due-1": due1.isoformat(),
            "condition-text-3": "Add an appeals procedure",
            "condition-owner-3": "Quality office",
            "condition-due-3": due2.isoformat(),
            "valid_to": (TODAY + timedelta(days=3 * 365)).isoformat(),
        },
    )
    assert done.status_code == 303, done.text
    assert world.stage(submission_id) == "approved_with_conditions" and kicked
    (decision,) = world.decisions(submission_id)
    assert decision.recommended_decision == "approved"
    page = officer.get(f"/officer/submissions/{submission_id}").text
    assert "Publish the assessment criteria" in page and "Add an appeals procedure" in page
    assert "departed from" in page and page.count("Mark met") == 2


def test_departing_without_a_rationale_is_refused_next_to_the_field_and_nothing_is_saved(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id, version = _signing(world, good_descriptor)
    officer = web("aoife")
    path = f"/officer/submissions/{submission_id}/sign-off"
    refused = officer.post(path, {"version": version, "decision": "rejected", "rationale": ""})
    assert refused.status_code == 422
    text = refused.text
    assert re.search(
        r'<p class="field-error" id="rationale-error">the recommended decision is', text
    )
    assert "a rejection needs a rationale" in text and 'aria-invalid="true"' in text
    assert re.search(r'value="rejected" checked', text)  # what was entered is kept
    assert world.decisions(submission_id) == [] and world.stage(submission_id) == "sign_off"

    bad_date = officer.post(
        path,
        {
            "version": version,
            "decision": "approved_with_conditions",
            "rationale": "Conditions are needed for the appeals route.",
            "condition_rows": "3",
            "condition-text-2": "Publish an appeals route",
            "condition-owner-2": "Registrar",
            "condition-due-2": "next spring",
        },
    )
    assert bad_date.status_code == 422
    assert (
        'id="condition-2-error">condition 2: choose the due date in the calendar' in bad_date.text
    )
    past = officer.post(
        path,
        {
            "version": version,
            "decision": "approved_with_conditions",
            "rationale": "Conditions are needed for the appeals route.",
            "condition_rows": "3",
            "condition-text-2": "Publish an appeals route",
            "condition-owner-2": "Registrar",
            "condition-due-2": (TODAY - timedelta(days=1)).isoformat(),
        },
    )
    assert past.status_code == 422
    assert "condition 2: the due date must be in the future" in past.text
    more = officer.post(path, {"version": version, "decision": "approved", "more_rows": "1"})
    assert more.status_code == 200 and 'id="condition-text-4"' in more.text
    assert world.decisions(submission_id) == []


def test_a_reviewer_of_the_file_cannot_sign_it_and_is_told_in_advance(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id, version = _signing(world, good_descriptor)
    reviewer = world.reviewer_for(world.assignments(submission_id)[0])
    world.make_officer(reviewer)
    with world.db.session() as session:
        from qa.persistence.models import User

        username = session.get(User, reviewer.user_id).username  # type: ignore[union-attr]
    officer = web(username)
    page = officer.get(f"/officer/submissions/{submission_id}").text
    assert f"You reviewed submission {submission_id}, so someone else must sign it off" in page
    assert "<fieldset disabled>" in page
    refused = officer.post(
        f"/officer/submissions/{submission_id}/sign-off",
        {"version": version, "decision": "approved"},
    )
    assert refused.status_code == 403 and world.decisions(submission_id) == []


def test_marking_the_last_condition_met_upgrades_to_approved(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id, version = _signing(world, good_descriptor)
    sign_off(
        world.db,
        world.officers[1],
        submission_id,
        expected_version=version,
        decision="approved_with_conditions",
        rationale="One condition on the published criteria.",
        today=world.today,
        conditions=[
            ConditionInput("Publish criteria", "Programme lead", world.today + timedelta(days=90))
        ],
    )
    with world.db.session() as session:
        condition = session.exec(select(Condition)).one()
    officer = web("aoife")
    path = f"/officer/conditions/{condition.id}/met"
    refused = officer.post(path, {"version": condition.version, "evidence": ""})
    assert refused.status_code == 422 and "Say how the condition was met" in refused.text
    kicked = _kicks(officer)
    done = officer.post(path, {"version": condition.version, "evidence": "Criteria published"})
    assert done.status_code == 303 and kicked
    assert done.headers["location"] == f"/officer/submissions/{submission_id}#decisions"
    assert world.stage(submission_id) == "approved"
    page = officer.get(f"/officer/submissions/{submission_id}").text
    assert "Criteria published" in page and "Mark met" not in page


def test_an_admin_sees_the_workspace_without_the_officer_s_judgment_forms(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    """An admin may open the file and manage its panel; screening, consensus, decisions and
    conditions are an officer's, so the page does not offer forms that would be refused."""
    add_user(
        world.db,
        Actor.cli("tests"),
        username="ada",
        email="ada@example.org",
        display_name="Ada Admin",
        roles=["admin"],
    )
    admin = web("ada")
    screening = _screening(world, _descriptor(good_descriptor, 1, "Screening file"))
    moderation = _moderation(world, _descriptor(good_descriptor, 2, "Moderation file"))
    signing, version = _signing(world, _descriptor(good_descriptor, 3, "Signing file"))

    page = admin.get(f"/officer/submissions/{screening}").text
    assert 'id="screening"' in page and 'id="not-a-judge"' in page
    assert f'action="/officer/submissions/{screening}/screen"' not in page
    page = admin.get(f"/officer/submissions/{moderation}").text
    assert 'id="moderation"' in page and "hx-post" not in page
    assert "Complete moderation" not in page and "<fieldset disabled>" in page
    page = admin.get(f"/officer/submissions/{signing}").text
    assert "Only a QA officer can sign off a decision" in page and "<fieldset disabled>" in page
    assert 'id="panel"' in page  # the panel is still shown (and managed) by admins

    for path, data, message in (
        (
            f"/officer/submissions/{screening}/screen",
            {"version": "1", "outcome": "accept"},
            "Only a QA officer can screen a file",
        ),
        (
            f"/officer/submissions/{moderation}/consensus/QUAL-1",
            {"level-QUAL-1": "2", "rationale-QUAL-1": "Agreed in the panel call."},
            "Only a QA officer can record a consensus score",
        ),
        (
            f"/officer/submissions/{signing}/sign-off",
            {"version": version, "decision": "approved"},
            "Only a QA officer can sign off a decision",
        ),
        (
            f"/submissions/{signing}/withdraw",
            {"version": version, "reason": "No longer offered.", "confirm": "yes"},
            "Only a provider or an officer can withdraw here",
        ),
    ):
        refused = admin.post(path, data)
        assert refused.status_code == 403, (path, refused.status_code)
        assert message in refused.text, path
    assert admin.get(f"/submissions/{signing}/withdraw").status_code == 403
    assert [world.stage(s) for s in (screening, moderation, signing)] == [
        "screening",
        "moderation",
        "sign_off",
    ]


# -- who may see it ------------------------------------------------------------------------------


ENDPOINTS = [
    ("get", "/officer"),
    ("get", "/officer/submissions/{sid}"),
    ("post", "/officer/submissions/{sid}/screen"),
    ("post", "/officer/submissions/{sid}/invite"),
    ("post", "/officer/submissions/{sid}/consensus/QUAL-1"),
    ("post", "/officer/submissions/{sid}/moderation"),
    ("post", "/officer/submissions/{sid}/sign-off"),
    ("post", "/officer/assignments/{aid}/cancel"),
    ("post", "/officer/assignments/{aid}/reinvite"),
    ("post", "/officer/conditions/1/met"),
]


@pytest.mark.parametrize("username", ["ines", "agnieszka"])
def test_only_officers_reach_any_officer_endpoint(
    web: Web, world: World, good_descriptor: dict[str, Any], username: str
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    assignment = world.assignments(submission_id)[0]
    user = web(username)
    for method, template in ENDPOINTS:
        path = template.format(sid=submission_id, aid=assignment.id)
        response = user.get(path) if method == "get" else user.post(path, {"version": 1})
        assert response.status_code == 403, (path, response.status_code)
        assert "only a qa officer can do this" in response.text.lower()
    assert world.stage(submission_id) == "peer_review"


def test_unknown_files_assignments_and_conditions_are_404(web: Web, world: World) -> None:
    officer = web("aoife")
    assert officer.get("/officer/submissions/9999").status_code == 404
    for path in (
        "/officer/submissions/9999/screen",
        "/officer/assignments/9999/cancel",
        "/officer/assignments/9999/reinvite",
        "/officer/conditions/9999/met",
    ):
        assert officer.post(path, {"version": 1, "reason": "x" * 10}).status_code == 404, path


def test_signed_out_visitors_are_sent_to_sign_in(web: Web, world: World) -> None:
    officer = web("aoife")
    officer.client.post("/logout", data={"csrf_token": officer.token})
    response = officer.get("/officer")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/officer"


def test_an_officer_reopens_a_submitted_review_with_a_reason(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    first = world.round_assignments(submission_id)[0]
    world.review(first)
    officer = web("aoife")
    page = officer.get(f"/officer/submissions/{submission_id}").text
    assert f"/officer/assignments/{first.id}/reopen" in page and "Reopen the review" in page
    submitted = world.assignment(first.id or 0)
    path = f"/officer/assignments/{first.id}/reopen"
    refused = officer.post(path, {"version": submitted.version, "reason": ""})
    assert refused.status_code == 422
    reason = "QUAL-2 was scored against the wrong approval record."
    done = officer.post(path, {"version": submitted.version, "reason": reason})
    assert done.status_code == 303 and done.headers["location"].endswith("#panel")
    assert world.assignment(first.id or 0).state == "accepted"
    entries = _audit(world, "assignment.reopened")
    assert len(entries) == 1 and entries[0].entity_id == str(first.id)
