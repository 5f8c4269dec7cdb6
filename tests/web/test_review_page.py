"""The reviewer's scoring page over HTTP: what it shows, autosave, progress, submit, states."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from qa.domain.score_input import ScoreInput
from qa.persistence.models import Assignment, User
from qa.services.decisions.corrections import reopen_review
from qa.services.decisions.decisions import sign_off
from qa.services.review.deadlines import apply_deadlines
from qa.services.review.reviews import declare_conflict, respond, save_review_score
from qa.services.submissions.resubmission import resubmit
from tests.clock import TODAY
from tests.web.conftest import WebUser
from tests.world import World

#: Due dates of an invitation sent today (5 days to answer, 21 to review by default).
RESPOND_BY, REVIEW_BY = TODAY + timedelta(days=5), TODAY + timedelta(days=21)
SUMMARY = "Well designed; the assessment covers every learning outcome."


@dataclass
class Review:
    world: World
    assignment_id: int
    user: WebUser

    @property
    def path(self) -> str:
        return f"/reviews/{self.assignment_id}"

    @property
    def row(self) -> Assignment:
        return self.world.assignment(self.assignment_id)

    def page(self) -> str:
        response = self.user.get(self.path)
        assert response.status_code == 200, response.text
        return response.text

    def answer(self, **data: str) -> None:
        response = self.user.post(f"{self.path}/answer", {"version": self.row.version, **data})
        assert response.status_code == 303, response.text

    def ready(self) -> None:
        self.answer(accept="1")
        self.answer(conflict="none")

    def save(self, criterion: str, level: str, comment: str = "") -> Any:
        data = {f"level-{criterion}": level, f"comment-{criterion}": comment}
        return self.user.post(f"{self.path}/scores/{criterion}", data, htmx=True)

    def submit(self, *, htmx: bool = True) -> Any:
        data = {"version": self.row.version, "recommendation": "approved", "summary": SUMMARY}
        return self.user.post(f"{self.path}/submit", data, htmx=htmx)


def username(world: World, user_id: int) -> str:
    with world.db.session() as session:
        user = session.exec(select(User).where(User.id == user_id)).one()
        return user.username


@pytest.fixture
def review(world: World, web: Callable[[str], WebUser], good_descriptor: dict[str, Any]) -> Review:
    """The subject expert's invitation to a file in peer review, and their signed-in client."""
    submission_id = world.to_peer_review(good_descriptor)
    assignment = world.panel_member(submission_id, "subject_expert")
    assert assignment.id is not None
    return Review(world, assignment.id, web(username(world, assignment.reviewer_id)))


def test_the_invitation_shows_the_descriptor_and_the_rubric_read_only(review: Review) -> None:
    page = review.page()
    assert "Will you review it?" in page and f"accept or decline by {RESPOND_BY}" in page
    assert "You are invited to review this micro-credential" in page
    assert "The learner can clean, join and reshape tabular data with pandas" in page
    assert "5 ECTS (135 hours)" in page and "EQF 6; NQF 6 (PT); QF-EHEA first cycle" in page
    assert "Conflict of interest" in page
    assert "hx-post" not in page and re.search(r'<fieldset class="levels"[^>]* disabled', page)
    assert 'id="progress"' not in page  # nothing to count before scoring starts


def test_a_reviewer_scores_with_autosave_and_the_scores_survive_a_reload(review: Review) -> None:
    review.answer(accept="1")
    early = review.save("QUAL-1", "2")
    assert early.status_code == 409 and "conflict-of-interest question" in early.text
    assert early.headers["HX-Retarget"] == "#messages"
    assert 'id="status-QUAL-1"' in early.text and "Not saved" in early.text  # inline state
    review.answer(conflict="none")
    page = review.page()
    assert "0 of 43" in page and '<progress class="progress" max="43" value="0"' in page
    assert 'hx-trigger="change, input from:find textarea delay:2s"' in page
    assert 'hx-sync="#scoring:queue all"' in page
    saved = review.save("QUAL-1", "2", "Approval record seen")
    assert saved.status_code == 200
    assert re.search(r"Saved <time datetime=\"[^\"]+\">\d\d:\d\d:\d\d UTC</time>", saved.text)
    assert '<div id="progress" hx-swap-oob="true">' in saved.text and "1 of 43" in saved.text
    assert 'value="1"' in saved.text and "Still to score: 42" in saved.text
    assert 'href="#c-QUAL-1"' not in saved.text and 'href="#c-QUAL-2"' in saved.text
    reloaded = review.page()
    assert re.search(r'name="level-QUAL-1" value="2" checked', reloaded)
    assert "Approval record seen" in reloaded and "1 of 43" in reloaded
    assert re.search(r'id="status-QUAL-1" role="status"><span class="saved">Saved', reloaded)


def test_cannot_judge_counts_as_an_answer_and_a_comment_alone_does_not(review: Review) -> None:
    review.ready()
    assert "1 of 43" in review.save("QUAL-1", "cj", "No approval record in the file").text
    comment_only = review.save("QUAL-2", "", "Still reading the handbook").text
    assert "Saved" in comment_only and 'id="progress"' not in comment_only  # progress unchanged
    page = review.page()
    assert "1 of 43" in page
    assert re.search(r'name="level-QUAL-1" value="cj" checked', page)
    assert "Still reading the handbook" in page


def test_the_provider_evidence_is_shown_but_never_another_reviewer_s_scores(
    review: Review,
) -> None:
    world = review.world
    submission_id = review.row.submission_id
    other = world.panel_member(submission_id, "labour_market")
    reviewer = world.reviewer_for(other)
    assert other.id is not None
    done = respond(world.db, reviewer, other.id, expected_version=other.version, accept=True)
    declare_conflict(
        world.db, reviewer, other.id, expected_version=done.version, has_conflict=False
    )
    secret = ScoreInput("QUAL-1", level=0, comment="Soren thinks the approval is missing")
    save_review_score(world.db, reviewer, other.id, secret)
    review.ready()
    page = review.page()
    assert "evidence/QUAL-1.pdf" in page and "evidence/AUTH-4.pdf" in page
    assert "Soren thinks" not in page
    assert not re.search(r'name="level-QUAL-1" value="0" checked', page)


def test_an_incomplete_review_is_refused_naming_what_is_missing(review: Review) -> None:
    review.ready()
    review.save("QUAL-1", "3")
    refused = review.submit()
    assert refused.status_code == 422 and refused.headers["HX-Retarget"] == "#messages"
    assert "42 criteria still need an answer" in refused.text
    assert "<li>QUAL-2 Valid external quality assurance" in refused.text  # with its title
    assert "<li>QUAL-1 " not in refused.text
    assert review.row.state == "accepted"
    without_js = review.submit(htmx=False)  # a plain form post gets the error page
    assert without_js.status_code == 422 and "<li>INFO-1 " in without_js.text


def test_a_complete_review_is_submitted_and_the_page_becomes_read_only(review: Review) -> None:
    review.ready()
    last = None
    for criterion in review.world.rubric.criteria:
        last = review.save(criterion.id, "3", f"seen {criterion.id}")
        assert last.status_code == 200
    assert last is not None and "All 43 criteria are scored" in last.text
    changed_level = review.save("QUAL-1", "2", "seen").text  # still answered: no progress swap
    assert "Saved" in changed_level and "All 43" not in changed_level
    submitted = review.submit()
    assert submitted.status_code == 204 and submitted.headers["HX-Redirect"] == review.path
    page = review.page()
    assert "It is locked" in page and "43 of 43" in page
    assert "hx-post" not in page and "Submit the review" not in page
    assert "Approve</dd>" in page and SUMMARY in page
    assert "2 — Largely met" in page and "seen AUTH-4" in page
    late = review.save("QUAL-1", "0")
    assert late.status_code == 409 and "Not saved: this review is submitted" in late.text


def test_autosave_is_for_htmx_only(review: Review) -> None:
    review.ready()
    plain = review.user.post(f"{review.path}/scores/QUAL-1", {"level-QUAL-1": "2"})
    assert plain.status_code == 303 and plain.headers["location"] == review.path
    assert "0 of 43" in review.page()


def test_a_reviewer_cannot_open_or_score_another_reviewer_s_assignment(review: Review) -> None:
    other = review.world.panel_member(review.row.submission_id, "learner")
    response = review.user.get(f"/reviews/{other.id}")
    assert response.status_code == 403 and "assigned to someone else" in response.text
    saved = review.user.post(f"/reviews/{other.id}/scores/QUAL-1", {}, htmx=True)
    assert saved.status_code == 403
    assert review.user.get("/reviews/9999").status_code == 404


@pytest.mark.parametrize(
    ("story", "sentence"),
    [
        ("declined", "You declined this invitation (“On leave until March”)"),
        ("conflict", "You declared a conflict of interest, so this assignment ended"),
        ("expired", f"This invitation expired: it was not answered by {RESPOND_BY}"),
        ("overdue", f"Your review was due on {REVIEW_BY}. You can still score and submit it"),
        ("no longer needed", "no longer needed: the required number of reviews is in"),
    ],
)
def test_every_assignment_state_is_explained_in_one_sentence(
    review: Review, story: str, sentence: str
) -> None:
    world, row = review.world, review.row
    if story == "declined":
        review.answer(decline="1", reason="On leave until March")
    elif story == "conflict":
        review.answer(conflict="declared", details="I taught module 2")
    elif story == "expired":
        apply_deadlines(world.db, today=world.today + timedelta(days=60))
    elif story == "overdue":
        review.ready()
        apply_deadlines(world.db, today=world.today + timedelta(days=60))
    else:
        for phrase in ("labour_market", "learner"):
            world.review(world.panel_member(row.submission_id, phrase))
        world.route()
    page = review.page()
    assert sentence in page
    if story == "overdue":
        assert review.row.state == "overdue" and "hx-post" in page
    else:
        assert "hx-post" not in page and "Will you review it?" not in page
        assert "Score against the rubric" not in page  # nothing to score any more


def test_a_review_reopened_for_correction_says_why_and_can_be_scored_again(
    review: Review,
) -> None:
    world = review.world
    world.review(review.row, 3)
    reopen_review(
        world.db,
        world.officers[0],
        review.assignment_id,
        expected_version=review.row.version,
        reason="QUAL-1 contradicts your comment",
    )
    page = review.page()
    assert "reopened it for a correction: “QUAL-1 contradicts your comment”" in page
    assert "43 of 43" in page and re.search(r'name="level-QUAL-1" value="3" checked', page)
    assert review.save("QUAL-1", "2", "Approval undated").status_code == 200


def test_an_earlier_round_s_review_still_shows_what_was_scored(review: Review) -> None:
    world = review.world
    submission_id = review.row.submission_id
    world.review(review.row, 2, "revise_and_resubmit")
    world.review(world.panel_member(submission_id, "labour_market"), 2, "revise_and_resubmit")
    world.route()
    sign_off(
        world.db,
        world.officers[0],
        submission_id,
        expected_version=world.submission(submission_id).version,
        decision="revise_and_resubmit",
        rationale="Both reviewers ask for a revised assessment.",
        today=world.today,
    )
    version = world.submission(submission_id).version
    resubmit(world.db, world.provider, submission_id, expected_version=version, today=world.today)
    assert world.submission(submission_id).current_round == 2
    page = review.page()
    assert "You submitted this review" in page and "43 of 43" in page
    assert "2 — Largely met" in page and "Revise and resubmit" in page


def test_a_reviewer_asks_for_more_time_and_the_officer_grants_it_on_the_panel(
    review: Review, web: Callable[[str], WebUser]
) -> None:
    review.ready()
    assert "Ask the QA office for a later review date" in review.page()
    due = review.row.review_by
    assert due is not None
    wanted = due + timedelta(days=14)
    path = f"{review.path}/extension"
    refused = review.user.post(path, {"due": "soon", "reason": "Marking season."})
    assert refused.status_code == 422 and "choose the date you need" in refused.text.lower()
    asked = review.user.post(path, {"due": wanted.isoformat(), "reason": "Marking season."})
    assert asked.status_code == 303 and asked.headers["location"].endswith("#more-time")
    page = review.page()
    assert f"to submit by <strong>{wanted}</strong>" in page and "has not answered yet" in page

    officer = web("aoife")
    workspace = f"/officer/submissions/{review.row.submission_id}"
    panel = officer.get(workspace).text
    assert "asks for more time" in panel and "Marking season." in panel
    request_id = re.search(r'action="/officer/extensions/(\d+)"', panel)
    assert request_id is not None
    granted = officer.post(f"/officer/extensions/{request_id.group(1)}", {"decision": "approve"})
    assert granted.status_code == 303
    assert review.row.review_by == wanted
    assert "asks for more time" not in officer.get(workspace).text
    assert f"Your review date moved to {wanted}" in review.page()
