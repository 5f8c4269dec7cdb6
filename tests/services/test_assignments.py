"""An officer's actions on a review panel: invite several, cancel with a reason, invite again."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select

from qa.domain.actor import Actor
from qa.domain.errors import Conflict, InvalidInput, NotAllowed
from qa.domain.review_settings import ReviewSettings
from qa.persistence.models import Assignment, AuditEntry, Notification, OutboxMessage
from qa.services.pages.officer_panel import panel_candidates
from qa.services.people.users import add_user
from qa.services.review.assignments import cancel_assignment, invite_reviewers, open_loads, reinvite
from qa.services.review.reviews import declare_conflict, respond
from tests.world import World

SETTINGS = ReviewSettings()


def _audit(world: World, action: str, entity_id: int) -> list[AuditEntry]:
    with world.db.session() as session:
        return list(
            session.exec(
                select(AuditEntry)
                .where(AuditEntry.action == action, AuditEntry.entity_id == str(entity_id))
                .order_by(col(AuditEntry.id))
            )
        )


def _peer_review(world: World, descriptor: dict[str, Any]) -> tuple[int, list[Assignment]]:
    submission_id = world.to_peer_review(descriptor)
    return submission_id, world.assignments(submission_id)


def _colleague_of_provider(world: World) -> Actor:
    """A reviewer who works at the provider's institution (a hard conflict of interest)."""
    added = add_user(
        world.db,
        Actor.cli("tests"),
        username="pedro",
        email="pedro@example.org",
        display_name="Pedro",
        roles=["reviewer"],
        institution_code="PT-IPVN",
        expertise=["0542"],
        panel_role="subject_expert",
    )
    return Actor("user pedro", added.user.id)


def test_an_officer_invites_several_reviewers_at_once_with_an_audit_entry_each(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id, panel = _peer_review(world, good_descriptor)
    extra = [
        world.add_reviewer("marta", "subject_expert", ["0542"]),
        world.add_reviewer("jonas", "learner", []),
    ]
    invited = invite_reviewers(
        world.db,
        world.officers[0],
        submission_id,
        [r.user_id or 0 for r in extra],
        today=world.today,
        settings=SETTINGS,
    )
    assert [a.reviewer_id for a in invited] == [r.user_id for r in extra]
    assert all(a.state == "invited" and a.invited_by == world.officers[0].user_id for a in invited)
    assert len(world.assignments(submission_id)) == len(panel) + 2
    for assignment in invited:
        (entry,) = _audit(world, "assignment.invited", assignment.id or 0)
        assert entry.actor_id == world.officers[0].user_id


def test_a_reviewer_from_the_providers_institution_is_refused(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id, panel = _peer_review(world, good_descriptor)
    colleague = _colleague_of_provider(world)
    with pytest.raises(NotAllowed, match="belongs to the provider"):
        invite_reviewers(
            world.db,
            world.officers[0],
            submission_id,
            [colleague.user_id or 0],
            today=world.today,
            settings=SETTINGS,
        )
    assert len(world.assignments(submission_id)) == len(panel)


def test_inviting_beyond_the_maximum_load_is_refused_and_nothing_is_invited(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id, panel = _peer_review(world, good_descriptor)
    fresh = world.add_reviewer("marta", "subject_expert", ["0542"])
    busy = world.add_reviewer("jonas", "learner", [])
    other = world.submit(good_descriptor | {"external_id": "OTHER-1", "title": "Other file"})
    with world.db.write() as session:
        session.add(Assignment(submission_id=other, round_number=1, reviewer_id=busy.user_id or 0))
        session.commit()
    with pytest.raises(NotAllowed) as refused:
        invite_reviewers(
            world.db,
            world.officers[0],
            submission_id,
            [fresh.user_id or 0, busy.user_id or 0],
            today=world.today,
            settings=ReviewSettings(max_load=1),
        )
    assert "Jonas already has 1 open reviews and the maximum load is 1" in str(refused.value)
    assert len(world.assignments(submission_id)) == len(panel)  # all or nothing


def test_cancelling_needs_a_reason_and_is_audited_notified_and_routed(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id, panel = _peer_review(world, good_descriptor)
    target = panel[2]
    assert target.id is not None
    with pytest.raises(InvalidInput, match="say why"):
        cancel_assignment(
            world.db,
            world.officers[0],
            target.id,
            expected_version=target.version,
            reason=" ",
            today=world.today,
            settings=SETTINGS,
        )
    done = cancel_assignment(
        world.db,
        world.officers[0],
        target.id,
        expected_version=target.version,
        reason="Away until March",
        today=world.today,
        settings=SETTINGS,
    )
    assert done.assignment.state == "cancelled" and done.replacement is None
    assert done.assignment.decline_reason == "Away until March"
    (entry,) = _audit(world, "assignment.cancelled", target.id)
    assert entry.before == {"state": "invited", "decline_reason": None}
    assert entry.after == {"state": "cancelled", "decline_reason": "Away until March"}
    with world.db.session() as session:
        note = session.exec(
            select(Notification).where(Notification.key == f"cancelled:{target.id}:v1")
        ).one()
        assert "Away until March" in note.body and note.recipient_id == target.reviewer_id
        assert session.exec(
            select(OutboxMessage).where(OutboxMessage.topic == "assignment.cancelled")
        ).one()
    with pytest.raises(Conflict, match="already cancelled"):
        cancel_assignment(
            world.db,
            world.officers[0],
            target.id,
            expected_version=done.assignment.version,
            reason="Again",
            today=world.today,
            settings=SETTINGS,
        )
    replacement = world.add_reviewer("marta", "learner", [])
    world.route()  # routing fills the panel again
    active = [a for a in world.assignments(submission_id) if a.state == "invited"]
    assert replacement.user_id in {a.reviewer_id for a in active} and len(active) == 3


def test_cancel_and_replace_in_one_step(world: World, good_descriptor: dict[str, Any]) -> None:
    submission_id, panel = _peer_review(world, good_descriptor)
    marta = world.add_reviewer("marta", "learner", [])
    target = panel[2]
    done = cancel_assignment(
        world.db,
        world.officers[0],
        target.id or 0,
        expected_version=target.version,
        reason="Did not answer the phone",
        today=world.today,
        settings=SETTINGS,
        replacement_id=marta.user_id,
    )
    assert done.replacement is not None and done.replacement.reviewer_id == marta.user_id
    world.route()  # the panel is full: routing invites nobody else
    states = sorted(a.state for a in world.assignments(submission_id))
    assert states == ["cancelled", "invited", "invited", "invited"]


def test_a_submitted_review_cannot_be_cancelled_and_a_stale_version_is_refused(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    _, panel = _peer_review(world, good_descriptor)
    world.review(panel[0])
    submitted = world.assignment(panel[0].id or 0)
    with pytest.raises(Conflict, match="submitted review cannot be cancelled"):
        cancel_assignment(
            world.db,
            world.officers[0],
            submitted.id or 0,
            expected_version=submitted.version,
            reason="Changed my mind",
            today=world.today,
            settings=SETTINGS,
        )
    with pytest.raises(Conflict, match="changed by someone else"):
        cancel_assignment(
            world.db,
            world.officers[0],
            panel[1].id or 0,
            expected_version=panel[1].version + 5,
            reason="Stale page",
            today=world.today,
            settings=SETTINGS,
        )
    assert world.assignment(panel[1].id or 0).state == "invited"


def test_a_declined_reviewer_is_invited_again_on_the_same_assignment(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id, panel = _peer_review(world, good_descriptor)
    first = panel[0]
    declined = respond(
        world.db,
        world.reviewer_for(first),
        first.id or 0,
        expected_version=first.version,
        accept=False,
        reason="Too busy this week",
    )
    with pytest.raises(Conflict, match="only a declined"):
        reinvite(
            world.db,
            world.officers[0],
            panel[1].id or 0,
            expected_version=panel[1].version,
            today=world.today,
            settings=SETTINGS,
        )
    renewed = reinvite(
        world.db,
        world.officers[1],
        first.id or 0,
        expected_version=declined.version,
        today=world.today,
        settings=SETTINGS,
    )
    assert renewed.id == first.id and renewed.state == "invited"
    assert renewed.decline_reason is None and renewed.responded_at is None
    assert renewed.invited_by == world.officers[1].user_id
    (entry,) = _audit(world, "assignment.reinvited", first.id or 0)
    assert entry.before is not None and entry.before["state"] == "declined"
    assert entry.after is not None and entry.after["state"] == "invited"
    assert len(world.assignments(submission_id)) == len(panel)


def test_a_reviewer_who_declared_a_conflict_is_never_invited_again(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id, panel = _peer_review(world, good_descriptor)
    first = panel[0]
    conflicted = declare_conflict(
        world.db,
        world.reviewer_for(first),
        first.id or 0,
        expected_version=first.version,
        has_conflict=True,
        details="I taught on this course",
    )
    with pytest.raises(NotAllowed, match="declared a conflict of interest"):
        reinvite(
            world.db,
            world.officers[0],
            first.id or 0,
            expected_version=conflicted.version,
            today=world.today,
            settings=SETTINGS,
        )
    with pytest.raises(NotAllowed, match="declared a conflict of interest"):
        invite_reviewers(
            world.db,
            world.officers[0],
            submission_id,
            [first.reviewer_id],
            today=world.today,
            settings=SETTINGS,
        )


def test_only_officers_change_a_panel(world: World, good_descriptor: dict[str, Any]) -> None:
    submission_id, panel = _peer_review(world, good_descriptor)
    for who in (world.provider, world.reviewer_for(panel[0])):
        with pytest.raises(NotAllowed):
            invite_reviewers(
                world.db, who, submission_id, [1], today=world.today, settings=SETTINGS
            )
        with pytest.raises(NotAllowed):
            cancel_assignment(
                world.db,
                who,
                panel[0].id or 0,
                expected_version=1,
                reason="Not mine to cancel",
                today=world.today,
                settings=SETTINGS,
            )


def test_candidates_are_ranked_with_their_conflicts_and_load(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id, panel = _peer_review(world, good_descriptor)
    colleague = _colleague_of_provider(world)
    marta = world.add_reviewer("marta", "subject_expert", ["0542"])
    nina = world.add_reviewer("nina", "subject_expert", ["0533"])
    with world.db.session() as session:
        submission = world.submission(submission_id)
        candidates = panel_candidates(session, submission, ReviewSettings(), "0542")
        loads = open_loads(session)
    by_id = {c.user_id: c for c in candidates}
    assert [c.user_id for c in candidates[:2]] == [marta.user_id, nina.user_id]
    assert by_id[marta.user_id or 0].match == 3 and by_id[nina.user_id or 0].match == 1
    assert by_id[colleague.user_id or 0].blocked == "belongs to the provider (conflict of interest)"
    on_panel = by_id[panel[0].reviewer_id]
    assert on_panel.blocked == "already on the panel (invited)"
    assert on_panel.load == loads[panel[0].reviewer_id] == 1
