"""An officer's assignment round and bulk assignment file, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select

from qa.domain.actor import Actor
from qa.domain.assignments import AssignmentEvent
from qa.domain.errors import Conflict, IllegalTransition, NotAllowed, NotFound
from qa.domain.review_settings import ReviewSettings
from qa.persistence.models import Assignment, AuditEntry, OutboxMessage, User
from qa.services.people.reviewer_profiles import update_profile
from qa.services.people.users import add_user
from qa.services.review.assignment_moves import move_assignment
from qa.services.review.assignment_round import apply_round, propose_round
from qa.services.review.bulk_assignments import BulkRefused, apply_bulk, check_bulk
from qa.services.review.conflicts import record_conflict
from tests.world import World

WIDER = ReviewSettings(reviewers_to_invite=5)


def _round_world(world: World, descriptor: dict[str, Any]) -> tuple[int, Actor, Actor]:
    submission_id = world.to_peer_review(descriptor)
    marta = world.add_reviewer("marta", "subject_expert", ["0542"])
    jonas = world.add_reviewer("jonas", "learner", [])
    assert marta.user_id is not None
    update_profile(
        world.db,
        marta,
        marta.user_id,
        {"expertise": "0542", "panel_role": "subject_expert", "statement": "pandas data models"},
        expected_version=None,
    )
    return submission_id, marta, jonas


def _open(world: World, submission_id: int) -> set[int]:
    return {a.reviewer_id for a in world.assignments(submission_id) if a.state == "invited"}


def test_a_round_keeps_the_panel_and_fills_the_new_seats_with_reasons(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id, marta, jonas = _round_world(world, good_descriptor)
    before = _open(world, submission_id)
    officer = world.officers[0]
    preview = propose_round(world.db, officer, today=world.today, settings=WIDER)
    new = preview.new_pairings
    assert {p.reviewer_id for p in new} == {marta.user_id, jonas.user_id}
    assert {p.reviewer_id for p in preview.pairings if p.existing} == before
    reason = next(p.reason for p in new if p.reviewer_id == marta.user_id)
    assert "ISCED-F 0542: same detailed field" in reason
    assert ("Marta", 1, 6) in preview.loads
    invited = apply_round(
        world.db,
        officer,
        [(p.submission_id, p.reviewer_id) for p in new],
        today=world.today,
        settings=WIDER,
    )
    assert len(invited) == 2
    assert _open(world, submission_id) == before | {marta.user_id, jonas.user_id}


def test_a_conflict_on_record_keeps_a_reviewer_out_of_the_round(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id, marta, _ = _round_world(world, good_descriptor)
    provider_id = world.submission(submission_id).institution_id
    assert marta.user_id is not None
    record_conflict(
        world.db,
        world.officers[0],
        marta.user_id,
        institution_id=provider_id,
        conflict_type="co_designed",
        reason="co-designed the programme in 2025",
    )
    preview = propose_round(world.db, world.officers[0], today=world.today, settings=WIDER)
    assert marta.user_id not in {p.reviewer_id for p in preview.pairings}
    assert preview.shortfalls  # five seats, four eligible reviewers: reported
    with pytest.raises(NotAllowed):
        apply_round(
            world.db,
            world.officers[0],
            [(submission_id, marta.user_id)],
            today=world.today,
            settings=WIDER,
        )


def test_applying_a_round_is_all_or_nothing(world: World, good_descriptor: dict[str, Any]) -> None:
    submission_id, marta, _ = _round_world(world, good_descriptor)
    colleague = add_user(
        world.db,
        Actor.cli("tests"),
        username="pedro",
        email="pedro@ipvn.example",
        display_name="Pedro",
        roles=["reviewer"],
        institution_code="PT-IPVN",
    ).user.id
    assert colleague is not None
    before = world.assignments(submission_id)
    with pytest.raises(NotAllowed):
        apply_round(
            world.db,
            world.officers[0],
            [(submission_id, marta.user_id or 0), (submission_id, colleague)],
            today=world.today,
            settings=WIDER,
        )
    assert world.assignments(submission_id) == before
    with pytest.raises(NotFound):
        apply_round(
            world.db, world.officers[0], [(999, colleague)], today=world.today, settings=WIDER
        )


def test_a_round_previewed_before_the_panel_filled_is_refused_not_over_filled(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    """Between preview and apply someone else filled a seat (here another officer; routing
    takes the same lock): applying the stale proposal would exceed the panel size, so it
    is refused as a whole, with the file's title, and nothing is invited."""
    submission_id, marta, jonas = _round_world(world, good_descriptor)
    officer = world.officers[0]
    preview = propose_round(world.db, officer, today=world.today, settings=WIDER)
    pairs = [(p.submission_id, p.reviewer_id) for p in preview.new_pairings]
    assert len(pairs) == 2
    room = WIDER.reviewers_to_invite - len(_open(world, submission_id))
    assert room == 2  # the preview filled the panel exactly
    third = world.add_reviewer("teodora", "labour_market", ["0542"])
    assert third.user_id is not None
    apply_round(
        world.db,
        world.officers[1],
        [(submission_id, third.user_id)],
        today=world.today,
        settings=WIDER,
    )
    before = world.assignments(submission_id)
    with pytest.raises(Conflict, match=r"changed since the preview.*preview the round again"):
        apply_round(world.db, officer, pairs, today=world.today, settings=WIDER)
    assert world.assignments(submission_id) == before
    assert {marta.user_id, jonas.user_id}.isdisjoint(_open(world, submission_id))


def test_a_round_for_a_file_that_left_peer_review_is_refused(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id, _, _ = _round_world(world, good_descriptor)
    preview = propose_round(world.db, world.officers[0], today=world.today, settings=WIDER)
    pairs = [(p.submission_id, p.reviewer_id) for p in preview.new_pairings]
    for assignment in world.assignments(submission_id)[:2]:
        world.review(assignment)
    world.route()
    assert world.stage(submission_id) == "sign_off"
    before = world.assignments(submission_id)
    with pytest.raises(Conflict, match="no longer in peer review"):
        apply_round(world.db, world.officers[0], pairs, today=world.today, settings=WIDER)
    assert world.assignments(submission_id) == before


def test_a_bulk_file_with_one_error_changes_nothing_and_lists_every_error(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id, _, _ = _round_world(world, good_descriptor)
    first = world.assignments(submission_id)[0]
    rows: list[tuple[int, dict[str, Any]]] = [
        (2, {"file": str(submission_id), "reviewer": "marta", "action": "invite"}),
        (3, {"file": str(submission_id), "reviewer": "nobody", "action": "invite"}),
        (4, {"file": "999", "reviewer": "jonas", "action": "invite"}),
        (5, {"file": str(submission_id), "reviewer": "jonas", "action": "remove"}),
    ]
    lines = check_bulk(world.db, world.officers[0], rows, settings=WIDER)
    assert [line.row for line in lines if line.problems] == [3, 4, 5]
    assert not lines[0].problems
    with world.db.session() as session:
        outbox_before = len(session.exec(select(OutboxMessage)).all())
    with pytest.raises(BulkRefused) as refused:
        apply_bulk(world.db, world.officers[0], rows, today=world.today, settings=WIDER)
    assert len(refused.value.lines) == 3
    assert len(world.assignments(submission_id)) == 3
    with world.db.session() as session:
        assert len(session.exec(select(OutboxMessage)).all()) == outbox_before

    good: list[tuple[int, dict[str, Any]]] = [
        (2, {"file": str(submission_id), "reviewer": "marta", "action": "invite"}),
        (3, {"file": str(submission_id), "reviewer": "JONAS", "action": "Invite"}),
        (
            4,
            {
                "file": str(submission_id),
                "reviewer": _username(world, first.reviewer_id),
                "action": "cancel",
            },
        ),
    ]
    apply_bulk(world.db, world.officers[0], good, today=world.today, settings=WIDER)
    states = {a.reviewer_id: a.state for a in world.assignments(submission_id)}
    assert states[first.reviewer_id] == "cancelled"
    assert sum(state == "invited" for state in states.values()) == 4
    with world.db.session() as session:
        audit = session.exec(
            select(AuditEntry.action).where(col(AuditEntry.submission_id) == submission_id)
        ).all()
    assert "assignment.cancelled" in audit


def _username(world: World, user_id: int) -> str:
    with world.db.session() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.username


def test_a_bulk_invite_over_the_reviewers_maximum_is_an_error(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id, marta, _ = _round_world(world, good_descriptor)
    assert marta.user_id is not None
    update_profile(
        world.db,
        Actor.cli("tests"),
        marta.user_id,
        {"expertise": "0542", "panel_role": "subject_expert", "max_load": "1"},
        expected_version=None,
    )
    world.add_reviewer("kai", "learner", [])
    rows: list[tuple[int, dict[str, Any]]] = [
        (2, {"file": str(submission_id), "reviewer": "marta", "action": "invite"}),
    ]
    with world.db.write() as session:
        session.add(
            Assignment(submission_id=submission_id, round_number=9, reviewer_id=marta.user_id)
        )
        session.commit()
    lines = check_bulk(world.db, world.officers[0], rows, settings=WIDER)
    assert lines[0].problems == ["Marta would have 2 open reviews; the maximum is 1"]


def test_routing_leaves_out_a_reviewer_with_a_conflict_on_record(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    agnieszka = world.reviewers[0].user_id
    assert agnieszka is not None
    record_conflict(
        world.db,
        world.officers[0],
        agnieszka,
        institution_id=world.provider.institution_id,
        reason="examined the provider's programmes last year",
    )
    submission_id = world.to_peer_review(good_descriptor)
    invited = {a.reviewer_id for a in world.assignments(submission_id)}
    assert agnieszka not in invited
    assert len(invited) == 2


def test_move_assignment_checks_the_table_and_the_version_and_leaves_a_trace(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    first = world.assignments(submission_id)[0]
    officer = world.officers[0]
    with world.db.write() as session, pytest.raises(IllegalTransition):
        move_assignment(session, officer, first, AssignmentEvent.SUBMIT, expected_version=1)
    with world.db.write() as session, pytest.raises(Conflict):
        move_assignment(session, officer, first, AssignmentEvent.ACCEPT, expected_version=7)
    with world.db.write() as session:
        row = session.get(Assignment, first.id)
        assert row is not None
        version = move_assignment(
            session,
            officer,
            row,
            AssignmentEvent.CANCEL,
            expected_version=row.version,
            values={"decline_reason": "replaced by the office"},
        )
        session.commit()
    moved = world.assignment(first.id or 0)
    assert (moved.state, moved.version) == ("cancelled", version)
    with world.db.session() as session:
        entry = session.exec(
            select(AuditEntry).where(
                AuditEntry.action == "assignment.cancelled",
                AuditEntry.entity_id == str(first.id),
            )
        ).one()
        message = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.dedupe_key == f"assignment.cancelled:{first.id}:v{version}"
            )
        ).one()
    assert entry.before == {"decline_reason": None, "state": "invited"}
    assert message.topic == "assignment.cancelled"
