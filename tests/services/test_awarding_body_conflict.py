"""A reviewer from one of the credential's awarding bodies is a hard conflict (issue 12 §2):
never proposed by an assignment round, refused when invited by hand or in a bulk file."""

from __future__ import annotations

from typing import Any

import pytest

from qa.domain.errors import NotAllowed
from qa.domain.review_settings import ReviewSettings
from qa.services.people.reviewer_profiles import update_profile
from qa.services.review.assignment_round import apply_round, propose_round
from qa.services.review.bulk_assignments import check_bulk
from qa.services.review.conflicts import conflicted_reviewers
from tests.world import World

WIDER = ReviewSettings(reviewers_to_invite=5)
MINHO = {
    "name": "Universidade do Minho",
    "identifiers": [{"scheme": "pic", "value": "999867481"}],
}


def _joint(descriptor: dict[str, Any]) -> dict[str, Any]:
    return {**descriptor, "awarding_bodies": [*descriptor["awarding_bodies"], MINHO]}


def _from_minho(world: World, username: str, institution: str) -> int:
    reviewer = world.add_reviewer(username, "subject_expert", ["0542"])
    assert reviewer.user_id is not None
    update_profile(
        world.db,
        reviewer,
        reviewer.user_id,
        {"expertise": "0542", "panel_role": "subject_expert", "institution": institution},
        expected_version=None,
    )
    return reviewer.user_id


def test_an_awarding_body_reviewer_is_never_proposed_nor_invited(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    joint = world.to_peer_review(_joint(good_descriptor))
    # the same institution written differently: case, accents, filler words, punctuation
    marta = _from_minho(world, "marta", "UNIVERSIDADE MINHO.")
    with world.db.session() as session:
        assert marta in conflicted_reviewers(session, world.submission(joint))
    preview = propose_round(world.db, world.officers[0], today=world.today, settings=WIDER)
    assert marta not in {p.reviewer_id for p in preview.pairings if p.submission_id == joint}
    assert preview.shortfalls  # five seats, and Marta may not take one
    with pytest.raises(NotAllowed):
        apply_round(
            world.db, world.officers[0], [(joint, marta)], today=world.today, settings=WIDER
        )
    rows: list[tuple[int, dict[str, Any]]] = [
        (2, {"file": str(joint), "reviewer": "marta", "action": "invite"})
    ]
    (line,) = check_bulk(world.db, world.officers[0], rows, settings=WIDER)
    assert any("awarding body" in problem for problem in line.problems), line.problems


def test_a_reviewer_from_elsewhere_is_still_proposed_for_the_joint_file(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    """The control: the rule keys on the awarding bodies, not on being a joint credential."""
    joint = world.to_peer_review(_joint(good_descriptor))
    elsewhere = _from_minho(world, "marta", "Universidade de Lisboa")
    with world.db.session() as session:
        assert elsewhere not in conflicted_reviewers(session, world.submission(joint))
    preview = propose_round(world.db, world.officers[0], today=world.today, settings=WIDER)
    assert elsewhere in {p.reviewer_id for p in preview.pairings if p.submission_id == joint}
