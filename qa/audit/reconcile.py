"""Reconciliation: the current state must equal the replay of the audit trail.

The chain proves the trail was not changed; this proves the state was not changed behind
the trail's back. The trail is read once, in id order, a range of submissions at a time
(bounded memory; every entry of a submission carries its id), and the latest audited value
of each field is compared with the stored rows of that range, read set-wise:

* a score (table `score`): `level`, `cannot_judge`, `comment`, from `score.saved`
  (`scoresheet.reopened` copies a sheet's audited scores to its new revision, as the
  service copies the rows); consensus scores are scores on the consensus sheet;
* an assignment: `state`; a submission: `stage` and `current_round` (entries' `round`);
* a decision: `decision`, `rationale`, `valid_to`.

A field no entry of a row carries (entries written before the field was added to the
payload) is not compared, so old trails raise no false alarm; a row no entry mentions at
all, and an audited row that is gone, are differences. Id order is the order of changes to
one row: every change takes the row's lock before it inserts its entry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Row, func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from qa.persistence.db import Database
from qa.persistence.models import (
    Assignment,
    AuditEntry,
    Decision,
    Score,
    Scoresheet,
    Submission,
)

NO_ENTRY = "(no audit entry)"
ROW_GONE = "(row missing)"
SCORE_FIELDS = ("level", "cannot_judge", "comment")
DECISION_FIELDS = ("decision", "rationale", "valid_to")
_ENTITIES = ("scoresheet", "assignment", "submission", "decision")

Audited = dict[str, Any]


@dataclass(frozen=True)
class Difference:
    table: str
    row_id: int
    field: str
    stored: object
    audited: object

    def __str__(self) -> str:
        return (
            f"{self.table} {self.row_id} {self.field}: stored {_show(self.stored)}, "
            f"audited {_show(self.audited)}"
        )


@dataclass
class ReconcileReport:
    entries: int = 0
    rows: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


@dataclass
class _Replay:
    """The latest audited values of one range of submissions."""

    scores: dict[int, dict[str, Audited]] = field(default_factory=dict)  # sheet -> criterion
    assignments: dict[int, Audited] = field(default_factory=dict)
    submissions: dict[int, Audited] = field(default_factory=dict)
    decisions: dict[int, Audited] = field(default_factory=dict)

    def apply(self, entity: str, entity_id: int, action: str, before: Any, after: Any) -> None:
        values: Mapping[str, Any] = after if isinstance(after, dict) else {}
        if entity == "scoresheet":
            self._sheet(entity_id, action, before, values)
        elif entity == "assignment":
            _take(self.assignments.setdefault(entity_id, {}), values, ("state",))
        elif entity == "submission":
            audited = self.submissions.setdefault(entity_id, {})
            _take(audited, values, ("stage",))
            if "round" in values:
                audited["current_round"] = values["round"]
        elif entity == "decision":
            _take(self.decisions.setdefault(entity_id, {}), values, DECISION_FIELDS)

    def _sheet(self, sheet_id: int, action: str, before: Any, values: Mapping[str, Any]) -> None:
        if action == "score.saved" and isinstance(values.get("criterion"), str):
            audited = self.scores.setdefault(sheet_id, {}).setdefault(values["criterion"], {})
            _take(audited, values, SCORE_FIELDS)
        elif action == "scoresheet.reopened" and isinstance(before, dict):
            old = self.scores.get(_int(before.get("sheet")) or -1, {})
            self.scores[sheet_id] = {cid: dict(audited) for cid, audited in old.items()}


def reconcile(db: Database, *, submissions_per_pass: int = 500) -> ReconcileReport:
    """Compare every reconciled row with the trail; the report lists each difference."""
    report = ReconcileReport()
    with db.session() as session:
        low, high = session.exec(select(func.min(Submission.id), func.max(Submission.id))).one()
        if low is None or high is None:
            return report
        for first in range(low, high + 1, submissions_per_pass):
            last = first + submissions_per_pass - 1
            replay = _replay(session, first, last, report)
            _compare(session, first, last, replay, report)
    return report


def _replay(session: Session, first: int, last: int, report: ReconcileReport) -> _Replay:
    replay = _Replay()
    rows = session.execute(
        select_columns(
            *_columns(AuditEntry, ("entity_type", "entity_id", "action", "before", "after"))
        )
        .where(
            col(AuditEntry.submission_id).between(first, last),
            col(AuditEntry.entity_type).in_(_ENTITIES),
        )
        .order_by(col(AuditEntry.id))
        .execution_options(yield_per=5_000)
    )
    try:
        for entity, entity_id, action, before, after in rows:
            report.entries += 1
            number = _int(entity_id)
            if number is not None:
                replay.apply(entity, number, action, before, after)
    finally:
        rows.close()
    return replay


def _compare(
    session: Session, first: int, last: int, replay: _Replay, report: ReconcileReport
) -> None:
    differences = report.differences
    in_range = col(Scoresheet.submission_id).between(first, last)
    seen: set[tuple[int, str]] = set()
    score_rows = session.execute(
        select_columns(*_columns(Score, ("id", "scoresheet_id", "criterion_id", *SCORE_FIELDS)))
        .join(Scoresheet, col(Scoresheet.id) == col(Score.scoresheet_id))
        .where(in_range)
        .order_by(col(Score.id))
    )
    for row in score_rows:
        report.rows += 1
        seen.add((row.scoresheet_id, row.criterion_id))
        audited = replay.scores.get(row.scoresheet_id, {}).get(row.criterion_id)
        differences += _row_differences("score", row, SCORE_FIELDS, audited)
    differences += [
        Difference("scoresheet", sheet_id, f"score {criterion}", ROW_GONE, "saved")
        for sheet_id, criteria in replay.scores.items()
        for criterion in criteria
        if (sheet_id, criterion) not in seen
    ]
    for table, model, fields, audited_rows, owner in (
        ("assignment", Assignment, ("state",), replay.assignments, Assignment.submission_id),
        ("submission", Submission, ("stage", "current_round"), replay.submissions, Submission.id),
        ("decision", Decision, DECISION_FIELDS, replay.decisions, Decision.submission_id),
    ):
        stored_ids: set[int] = set()
        for row in session.execute(
            select_columns(*_columns(model, ("id", *fields)))
            .where(col(owner).between(first, last))
            .order_by(*_columns(model, ("id",)))
        ):
            report.rows += 1
            stored_ids.add(row.id)
            differences += _row_differences(table, row, fields, audited_rows.get(row.id))
        differences += [
            Difference(table, row_id, "row", ROW_GONE, "audited")
            for row_id in audited_rows
            if row_id not in stored_ids
        ]


def _row_differences(
    table: str, row: Row[Any], fields: tuple[str, ...], audited: Audited | None
) -> Iterator[Difference]:
    if audited is None:
        yield Difference(table, row.id, "row", "present", NO_ENTRY)
        return
    for name in fields:
        if name in audited and _plain(getattr(row, name)) != _plain(audited[name]):
            yield Difference(table, row.id, name, getattr(row, name), audited[name])


def _columns(model: Any, names: tuple[str, ...]) -> list[Any]:
    return [getattr(model, name) for name in names]


def _take(audited: Audited, values: Mapping[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if name in values:
            audited[name] = values[name]


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _show(value: object) -> str:
    return value if isinstance(value, str) and value.startswith("(") else repr(value)
