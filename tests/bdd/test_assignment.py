"""Steps for features/assignment.feature (services; SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import select

from qa.domain.errors import QAError
from qa.domain.review_settings import ReviewSettings
from qa.persistence.models import AuditEntry, ReviewerConflict
from qa.services.review.assignment_round import RoundPreview, apply_round, propose_round
from qa.services.review.bulk_assignments import BulkRefused, apply_bulk
from qa.services.review.conflicts import (
    decide_conflict,
    pending_conflicts,
    record_conflict,
    scan_conflicts,
)
from tests.world import World

scenarios("assignment.feature")
pytestmark = pytest.mark.usefixtures("world")


@dataclass
class Intake:
    world: World
    files: list[int]
    names: dict[str, int] = field(default_factory=dict)
    settings: ReviewSettings = field(default_factory=ReviewSettings)
    preview: RoundPreview | None = None
    refusal: QAError | None = None
    before: int = 0

    def invited(self, submission_id: int) -> int:
        return sum(a.state == "invited" for a in self.world.assignments(submission_id))


@given("two micro-credentials in peer review", target_fixture="intake")
def _two_files(world: World, good_descriptor: dict[str, Any]) -> Intake:
    first = world.to_peer_review(good_descriptor)
    second = world.to_peer_review(good_descriptor | {"external_id": "IPVN-MC-2027-002"})
    return Intake(world, [first, second])


@given("two more reviewers: Marta, a subject expert in ISCED-F 0542, and Jonas, a learner")
def _more_reviewers(intake: Intake) -> None:
    for name, role, expertise in (("marta", "subject_expert", ["0542"]), ("jonas", "learner", [])):
        added = intake.world.add_reviewer(name, role, expertise)
        assert added.user_id is not None
        intake.names[name] = added.user_id


@given("officer Aoife recorded that Marta co-designed both files with the provider")
def _conflict(intake: Intake) -> None:
    record_conflict(
        intake.world.db,
        intake.world.officers[0],
        intake.names["marta"],
        institution_id=intake.world.provider.institution_id,
        conflict_type="co_designed",
        reason="co-designed both programmes with the provider in 2025",
    )


@given("the conflict scan found potential conflicts")
def _scan(intake: Intake) -> None:
    assert scan_conflicts(intake.world.db, intake.world.officers[0])


@when(parsers.parse("officer Aoife previews an assignment round with panels of {size:d}"))
def _preview(intake: Intake, size: int) -> None:
    intake.settings = ReviewSettings(reviewers_to_invite=size)
    world = intake.world
    intake.preview = propose_round(
        world.db, world.officers[0], today=world.today, settings=intake.settings
    )


@when("officer Aoife applies the round")
def _apply(intake: Intake) -> None:
    assert intake.preview is not None
    pairs = [(p.submission_id, p.reviewer_id) for p in intake.preview.new_pairings]
    world = intake.world
    apply_round(world.db, world.officers[0], pairs, today=world.today, settings=intake.settings)


@when("officer Aoife uploads a bulk assignment file:")
def _bulk(intake: Intake, datatable: list[list[str]]) -> None:
    heading, *body = datatable
    files = {"first": intake.files[0], "second": intake.files[1]}
    rows = []
    for number, cells in enumerate(body, start=2):
        raw = dict(zip(heading, cells, strict=True))
        raw["file"] = str(files.get(raw["file"], raw["file"]))
        rows.append((number, raw))
    world = intake.world
    intake.before = sum(intake.invited(f) for f in intake.files)
    intake.refusal = None
    settings = ReviewSettings(reviewers_to_invite=4)
    try:
        apply_bulk(world.db, world.officers[0], rows, today=world.today, settings=settings)
    except QAError as refusal:
        intake.refusal = refusal


@when("officer Aoife dismisses one without a reason")
@when(parsers.parse('officer Aoife dismisses one because "{reason}"'))
def _dismiss(intake: Intake, reason: str = "") -> None:
    world = intake.world
    first = pending_conflicts(world.db, world.officers[0])[0].row
    assert first.id is not None
    intake.refusal = None
    try:
        decide_conflict(
            world.db, world.officers[0], first.id, confirm=False, reason=reason, expected_version=1
        )
    except QAError as refusal:
        intake.refusal = refusal


@then("each file keeps its panel and gets one new reviewer")
def _one_new_each(intake: Intake) -> None:
    assert intake.preview is not None
    for submission_id in intake.files:
        panel = [p for p in intake.preview.pairings if p.submission_id == submission_id]
        assert sum(p.existing for p in panel) == 3
        assert sum(not p.existing for p in panel) == 1


@then("each new reviewer comes with the reason for the choice")
def _reasons(intake: Intake) -> None:
    assert intake.preview is not None
    assert all(p.reason.startswith("affinity ") for p in intake.preview.new_pairings)


@then("no reviewer is proposed more reviews than their maximum")
def _caps(intake: Intake) -> None:
    assert intake.preview is not None
    assert all(load <= maximum for _, load, maximum in intake.preview.loads)


@then(parsers.parse("each file has {count:d} invited reviewers"))
def _each_has(intake: Intake, count: int) -> None:
    assert [intake.invited(f) for f in intake.files] == [count, count]


@then(parsers.parse("the first file has {count:d} invited reviewers"))
def _first_has(intake: Intake, count: int) -> None:
    assert intake.refusal is None, intake.refusal
    assert intake.invited(intake.files[0]) == count


@then("Marta is not proposed for any file")
def _not_marta(intake: Intake) -> None:
    assert intake.preview is not None
    assert intake.names["marta"] not in {p.reviewer_id for p in intake.preview.pairings}


@then(parsers.parse("the upload is refused, naming rows {first:d} and {second:d}"))
def _bulk_refused(intake: Intake, first: int, second: int) -> None:
    assert isinstance(intake.refusal, BulkRefused)
    assert [line.row for line in intake.refusal.lines] == [first, second]


@then("no invitation was sent")
def _nothing_sent(intake: Intake) -> None:
    assert sum(intake.invited(f) for f in intake.files) == intake.before


@then(parsers.parse('it is refused with "{text}"'))
def _refused_with(intake: Intake, text: str) -> None:
    assert intake.refusal is not None and text in str(intake.refusal)


@then("the dismissal is in the audit trail with its reason")
def _audited(intake: Intake) -> None:
    assert intake.refusal is None, intake.refusal
    with intake.world.db.session() as session:
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.action == "conflict.dismissed")
        ).one()
        row = session.exec(
            select(ReviewerConflict).where(ReviewerConflict.status == "dismissed")
        ).one()
    assert row.decision_reason == "a shared mail host, not an employer"
    assert entry.after is not None and entry.after["reason"] == row.decision_reason
