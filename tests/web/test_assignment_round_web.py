"""The officer's assignment-round and conflict pages; the reviewer's profile form."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from qa.services.review.conflicts import pending_conflicts
from tests.web.conftest import WebUser
from tests.world import World


def test_an_officer_previews_and_applies_a_round_on_the_page(
    world: World, web: Callable[[str], WebUser], good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    world.add_reviewer("marta", "subject_expert", ["0542"])
    officer = web("aoife")
    page = officer.get("/officer/assignment-round?panel=4").text
    assert "Marta" in page and "same detailed field" in page
    assert "(already on the panel)" in page
    pairs = re.findall(r'name="pair" value="([0-9:]+)"', page)
    assert pairs == [f"{submission_id}:{world.reviewers[-1].user_id}"]
    answer = officer.post("/officer/assignment-round", {"pair": pairs, "panel": "4"})
    assert answer.status_code == 303
    assert "1 invitation sent" in officer.get(answer.headers["location"]).text
    assert len(world.assignments(submission_id)) == 4
    assert web("ines").get("/officer/assignment-round").status_code == 403


def test_applying_a_stale_round_says_to_preview_again_and_invites_no_one(
    world: World, web: Callable[[str], WebUser], good_descriptor: dict[str, Any]
) -> None:
    """The page was previewed; then routing (or a colleague) filled the seat it proposes."""
    submission_id = world.to_peer_review(good_descriptor)
    world.add_reviewer("marta", "subject_expert", ["0542"])
    officer = web("aoife")
    pairs = re.findall(
        r'name="pair" value="([0-9:]+)"', officer.get("/officer/assignment-round?panel=4").text
    )
    assert len(pairs) == 1
    colleague = web("lukas")
    other = world.add_reviewer("teodora", "learner", [])
    filled = colleague.post(
        "/officer/assignment-round", {"pair": [f"{submission_id}:{other.user_id}"], "panel": "4"}
    )
    assert filled.status_code == 303
    before = world.assignments(submission_id)
    stale = officer.post("/officer/assignment-round", {"pair": pairs, "panel": "4"})
    assert stale.status_code == 409
    assert "preview the round again" in stale.text
    assert world.assignments(submission_id) == before


def test_the_conflict_queue_needs_a_reason_to_dismiss(
    world: World, web: Callable[[str], WebUser]
) -> None:
    officer = web("aoife")
    assert officer.post("/officer/conflicts/scan", {"scan": "yes"}).status_code == 303
    page = officer.get("/officer/conflicts").text
    assert "e-mail domain example.org" in page and "<td>Agnieszka</td>" in page
    first = pending_conflicts(world.db, world.officers[0])[0].row
    refused = officer.post(f"/officer/conflicts/{first.id}", {"version": "1", "outcome": "dismiss"})
    assert refused.status_code == 422
    done = officer.post(
        f"/officer/conflicts/{first.id}",
        {"version": "1", "outcome": "dismiss", "reason": "public mail host"},
    )
    assert done.status_code == 303


def test_a_reviewer_edits_their_profile_but_a_provider_has_none(
    web: Callable[[str], WebUser],
) -> None:
    reviewer = web("agnieszka")
    assert "Your panel role (subject expert)" in reviewer.get("/profile").text
    saved = reviewer.post(
        "/profile", {"expertise": "0542; 0613", "languages": "en; pl", "statement": "SQL"}
    )
    assert saved.status_code == 303
    page = reviewer.get("/profile?saved").text
    assert 'value="0542; 0613"' in page and "Saved." in page
    assert reviewer.post("/profile", {"max_load": "99"}).status_code == 422
    assert web("ines").get("/profile").status_code == 403


def test_the_review_quality_page_shows_agreement_gaps_and_severity(
    world: World, web: Callable[[str], WebUser], good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    first, second, *_ = world.assignments(submission_id)
    world.review(first, {c.id: 3 for c in world.rubric.criteria})
    world.review(second, {c.id: 2 for c in world.rubric.criteria[:10]})
    page = web("aoife").get("/officer/review-quality")
    assert page.status_code == 200
    text = page.text
    assert "<svg" in text and "Agreement per principle" in text
    assert "Agnieszka" in text and "Soren" in text
    stricter = -10 / len(world.rubric.criteria)  # 2 instead of 3 on 10 criteria
    assert f"{stricter:+.2f}" in text and f"{-stricter:+.2f}" in text
    assert web("ines").get("/officer/review-quality").status_code == 403


def test_a_reviewer_declares_a_standing_conflict_and_is_left_off_the_provider_s_files(
    world: World, web: Callable[[str], WebUser], good_descriptor: dict[str, Any]
) -> None:
    reviewer = web("agnieszka")
    provider = world.provider.institution_id
    assert f'<option value="{provider}">' in reviewer.get("/profile").text
    assert reviewer.post("/profile/conflicts", {"institution_id": str(provider)}).status_code == 422
    declared = reviewer.post(
        "/profile/conflicts",
        {"institution_id": str(provider), "reason": "I taught there until last year"},
    )
    assert declared.status_code == 303
    submission_id = world.to_peer_review(good_descriptor)
    assert world.reviewers[0].user_id not in {
        a.reviewer_id for a in world.assignments(submission_id)
    }
