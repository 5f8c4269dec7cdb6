"""The officer's pipeline: counts, filters, search, overdue items, loads, few queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlmodel import col

from qa.domain.actor import Actor
from qa.domain.errors import NotAllowed
from qa.domain.review_settings import ReviewSettings
from qa.domain.validation import validate_descriptor
from qa.persistence.db import Database
from qa.persistence.models import Assignment, Condition, Submission
from qa.services.decisions.decisions import ConditionInput, sign_off
from qa.services.pages.dashboard import PAGE_SIZE, PipelineFilter, pipeline
from qa.services.people.institutions import add_institution
from qa.services.submissions.submissions import NewDraft, create_drafts
from tests.clock import START
from tests.world import World

SETTINGS = ReviewSettings()
NOW = START  # the session clock starts here and ticks on


def _file(world: World, descriptor: dict[str, Any], n: int, title: str) -> int:
    return world.submit(descriptor | {"external_id": f"IPVN-{n:03d}", "title": title})


def _drafts(world: World, descriptor: dict[str, Any], count: int, prefix: str) -> None:
    """Many drafts in one transaction (the catalogue-import path) for volume tests."""
    drafts = []
    for n in range(count):
        report = validate_descriptor(
            descriptor | {"external_id": f"{prefix}-{n:04d}", "title": f"{prefix} course {n:04d}"},
            today=world.today,
        )
        assert report.descriptor is not None
        drafts.append(NewDraft(world.provider.institution_id or 0, report.descriptor, ()))
    with world.db.write() as session:
        create_drafts(session, Actor.cli("tests"), drafts)
        session.commit()


def _submitted(world: World, descriptor: dict[str, Any], count: int, prefix: str) -> None:
    """Many files past the draft stage (the office's pipeline leaves drafts out)."""
    _drafts(world, descriptor, count, prefix)
    with world.db.write() as session:
        session.execute(
            update(Submission)
            .where(col(Submission.external_id).startswith(f"{prefix}-"))
            .values(stage="screening")
        )
        session.commit()


def _age(world: World, submission_id: int, days: int) -> None:
    with world.db.write() as session:
        session.execute(
            update(Submission)
            .where(col(Submission.id) == submission_id)
            .values(stage_entered_at=NOW - timedelta(days=days))
        )
        session.commit()


@contextmanager
def _counting(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_counts_per_stage_and_the_stage_filter(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    in_review = world.to_peer_review(_file_descriptor(good_descriptor, 1, "Data analysis"))
    screening = _file(world, good_descriptor, 2, "Welding safety")
    world.route()
    world.self_assess(screening)
    view = pipeline(world.db, world.officers[0], PipelineFilter(), now=NOW, settings=SETTINGS)
    assert {s.stage: s.count for s in view.stages} == {"screening": 1, "peer_review": 1}
    assert view.all_count == view.total == 2
    row = next(r for r in view.rows if r.id == in_review)
    assert (row.open_reviews, row.submitted_reviews, row.late_reviews) == (3, 0, 0)
    only = pipeline(
        world.db, world.officers[0], PipelineFilter(stage="screening"), now=NOW, settings=SETTINGS
    )
    assert [r.id for r in only.rows] == [screening] and only.total == 1 and only.all_count == 2
    assert next(s for s in only.stages if s.stage == "screening").current


def test_search_matches_title_provider_code_and_number_and_escapes_wildcards(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    first = _file(world, good_descriptor, 1, "Applied 100% Data")
    second = _file(world, good_descriptor, 2, "Welding safety")

    def found(q: str, **more: Any) -> list[int]:
        filters = PipelineFilter(q=q, **more)
        view = pipeline(world.db, world.officers[0], filters, now=NOW, settings=SETTINGS)
        return sorted(r.id for r in view.rows)

    assert found("welding") == [second]
    assert found("IPVN-001") == [first]
    assert found("politécnico") == sorted([first, second])
    assert found("100%") == [first]
    assert found("%") == [first]  # a literal percent sign, not "anything"
    assert found(str(second)) == [second]
    other = add_institution(world.db, Actor.cli("t"), code="XX", name="Other", country="PT")
    assert found("", provider=other.id) == []


def _file_descriptor(descriptor: dict[str, Any], n: int, title: str) -> dict[str, Any]:
    return descriptor | {"external_id": f"IPVN-{n:03d}", "title": title}


def test_overdue_reviews_conditions_and_files_waiting_too_long(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    late_file = world.to_peer_review(_file_descriptor(good_descriptor, 1, "Late reviews"))
    waiting = _file(world, good_descriptor, 2, "Waiting in self-assessment")
    world.route()
    fine = _file(world, good_descriptor, 3, "Fine")
    world.route()
    first = world.assignments(late_file)[0]
    with world.db.write() as session:
        session.execute(
            update(Assignment)
            .where(col(Assignment.id) == first.id)
            .values(respond_by=NOW.date() - timedelta(days=4))
        )
        session.commit()
    _age(world, waiting, 45)
    view = pipeline(world.db, world.officers[0], PipelineFilter(), now=NOW, settings=SETTINGS)
    assert view.late_review_count == 1
    (late,) = view.late_reviews
    assert (late.submission_id, late.deadline, late.days_late) == (late_file, "answer", 4)
    assert view.stale_count == 1
    rows = {r.id: r for r in view.rows}
    assert rows[waiting].stale and rows[waiting].stage_limit == 30
    assert not rows[fine].stale and rows[late_file].late_reviews == 1
    assert view.rows[0].id == waiting  # the longest in its stage comes first
    overdue = pipeline(
        world.db, world.officers[0], PipelineFilter(overdue=True), now=NOW, settings=SETTINGS
    )
    assert sorted(r.id for r in overdue.rows) == sorted([late_file, waiting])


def test_a_condition_past_its_due_date_is_overdue(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_sign_off(good_descriptor)
    due = world.today + timedelta(days=30)
    sign_off(
        world.db,
        world.officers[0],
        submission_id,
        expected_version=world.submission(submission_id).version,
        decision="approved_with_conditions",
        rationale="Publish the assessment criteria before the next intake.",
        today=world.today,
        conditions=[ConditionInput("Publish criteria", "Programme lead", due)],
    )
    later = datetime.combine(due + timedelta(days=10), time(12), tzinfo=UTC)
    view = pipeline(
        world.db, world.officers[0], PipelineFilter(overdue=True), now=later, settings=SETTINGS
    )
    assert view.late_condition_count == 1
    assert (
        view.late_conditions[0].days_late == 10
        and view.late_conditions[0].owner == "Programme lead"
    )
    assert [r.id for r in view.rows] == [submission_id] and view.rows[0].late_conditions == 1
    with world.db.write() as session:
        session.execute(update(Condition).values(status="met"))
        session.commit()
    again = pipeline(world.db, world.officers[0], PipelineFilter(), now=later, settings=SETTINGS)
    assert again.late_condition_count == 0


def test_reviewer_load_counts_each_state_against_the_maximum(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    first, second, _ = world.assignments(submission_id)
    world.review(first)
    loads = {
        load.user_id: load
        for load in pipeline(
            world.db,
            world.officers[0],
            PipelineFilter(),
            now=NOW,
            settings=ReviewSettings(max_load=1),
        ).loads
    }
    done, waiting = loads[first.reviewer_id], loads[second.reviewer_id]
    assert (done.invited, done.accepted, done.submitted, done.open) == (0, 0, 1, 0)
    assert (waiting.invited, waiting.open, waiting.at_cap) == (1, 1, True)
    assert not done.at_cap


def test_pages_of_fifty_and_a_fixed_number_of_queries(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    _submitted(world, good_descriptor, 5, "FEW")
    with _counting(world.db) as few:
        pipeline(world.db, world.officers[0], PipelineFilter(), now=NOW, settings=SETTINGS)
    _submitted(world, good_descriptor, 2 * PAGE_SIZE + 20, "MANY")
    with _counting(world.db) as many:
        view = pipeline(
            world.db, world.officers[0], PipelineFilter(page=3), now=NOW, settings=SETTINGS
        )
    assert len(many) == len(few) <= 10
    assert (view.total, view.pages, view.first, view.last) == (125, 3, 101, 125)
    beyond = pipeline(
        world.db, world.officers[0], PipelineFilter(page=9), now=NOW, settings=SETTINGS
    )
    assert beyond.filters.page == 3


def test_filters_round_trip_through_the_url() -> None:
    filters = PipelineFilter.from_query(
        {"stage": "peer_review", "provider": "4", "overdue": "1", "q": " data ", "page": "2"}
    )
    assert filters == PipelineFilter("peer_review", 4, True, "data", "oldest", 2)
    assert filters.url(page=2) == "/officer?stage=peer_review&provider=4&overdue=1&q=data&page=2"
    assert filters.url(stage=None) == "/officer?provider=4&overdue=1&q=data"
    assert PipelineFilter.from_query({"stage": "nonsense", "page": "x", "sort": "?"}) == (
        PipelineFilter()
    )


@pytest.mark.parametrize("who", ["provider", "reviewer"])
def test_only_officers_see_the_pipeline(world: World, who: str) -> None:
    actor = world.provider if who == "provider" else world.reviewers[0]
    with pytest.raises(NotAllowed):
        pipeline(world.db, actor, PipelineFilter(), now=NOW, settings=SETTINGS)
