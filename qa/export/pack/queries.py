"""Streaming reads for a pack: every query is ordered, and large ones are read in chunks.

The packed set is "decided rounds": (submission, round) pairs whose decision was first signed
(revision 1) in the filter's period, optionally of one provider and one decision. Every other
query joins that set, so nothing outside it is read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeAlias

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Subquery,
    Text,
    and_,
    cast,
    exists,
    func,
    select,
    true,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session, col
from sqlmodel import select as select_model

from qa.export.pack.options import PackFilter
from qa.persistence.models import (
    Assignment,
    AuditEntry,
    Condition,
    Decision,
    DescriptorVersion,
    Institution,
    RubricVersion,
    Score,
    Scoresheet,
    Submission,
)

AnySelect: TypeAlias = Select[*tuple[Any, ...]]
CHUNK = 2000  # rows fetched at a time
ROUNDS_PER_BATCH = 100  # packed rounds whose score sheets are read together


def packed(wanted: PackFilter) -> Subquery:
    """submission_id, round_number, decided_at of every packed round."""
    query: AnySelect = (
        select(
            col(Decision.submission_id).label("submission_id"),
            col(Decision.round_number).label("round_number"),
            col(Decision.signed_at).label("decided_at"),
        )
        .join(Submission, col(Submission.id) == col(Decision.submission_id))
        .join(Institution, col(Institution.id) == col(Submission.institution_id))
        .where(
            col(Decision.revision) == 1,
            col(Decision.signed_at) >= wanted.start,
            col(Decision.signed_at) < wanted.end,
        )
    )
    if wanted.provider_code:
        query = query.where(col(Institution.code) == wanted.provider_code)
    if wanted.decision:
        query = query.where(col(Decision.decision) == wanted.decision)
    return query.subquery("packed")


def _newest_decision() -> Any:
    """No later revision of the same round's decision (found through the submission index)."""
    newer = aliased(Decision)
    return ~exists().where(
        col(newer.submission_id) == col(Decision.submission_id),
        col(newer.round_number) == col(Decision.round_number),
        col(newer.revision) > col(Decision.revision),
    )


def _on_packed(p: Subquery, submission: Any, round_number: Any) -> Any:
    return and_(p.c.submission_id == submission, p.c.round_number == round_number)


def _rows(session: Session, query: AnySelect) -> Iterator[Row[Any]]:
    """Plain column rows, fetched CHUNK at a time without the ORM's per-row work."""
    yield from session.connection().execute(query.execution_options(yield_per=CHUNK))


def count_rounds(session: Session, p: Subquery) -> int:
    return int(session.execute(select(func.count()).select_from(p)).scalar_one())


def up_to(as_of: int | None) -> ColumnElement[bool]:
    """Audit entries up to chain position `as_of` (all of them when None)."""
    if as_of is None:
        return true()
    return and_(col(AuditEntry.seq).is_not(None), col(AuditEntry.seq) <= as_of)


def latest_timestamp(session: Session, p: Subquery, as_of: int | None = None) -> datetime | None:
    """The newest decision signature or audit entry of the packed data."""
    signed = session.execute(
        select(func.max(Decision.signed_at)).join(
            p, _on_packed(p, col(Decision.submission_id), col(Decision.round_number))
        )
    ).scalar_one()
    audited = session.execute(
        select(func.max(AuditEntry.at)).where(
            col(AuditEntry.submission_id).in_(select(p.c.submission_id)), up_to(as_of)
        )
    ).scalar_one()
    found = [_aware(t) for t in (signed, audited) if t is not None]
    return max(found) if found else None


def _aware(value: datetime | str) -> datetime:
    """MAX() over a timestamp comes back as text on SQLite."""
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def rubric_versions(session: Session, p: Subquery) -> list[RubricVersion]:
    from_submissions = select(col(Submission.rubric_version_id)).join(
        p, p.c.submission_id == col(Submission.id)
    )
    from_sheets = select(col(Scoresheet.rubric_version_id)).join(
        p, _on_packed(p, col(Scoresheet.submission_id), col(Scoresheet.round_number))
    )
    return list(
        session.exec(
            select_model(RubricVersion)
            .where(
                col(RubricVersion.id).in_(from_submissions) | col(RubricVersion.id).in_(from_sheets)
            )
            .order_by(col(RubricVersion.id))
        )
    )


def credentials(session: Session, p: Subquery) -> Iterator[Row[Any]]:
    query = (
        select(
            p.c.submission_id,
            p.c.round_number,
            p.c.decided_at,
            col(Submission.external_id),
            col(Submission.stage),
            col(Submission.rubric_version_id),
            col(Institution.code).label("provider"),
            col(Institution.name).label("provider_name"),
            col(Institution.country).label("provider_country"),
            col(Institution.deqar_id).label("provider_deqar_id"),
            col(DescriptorVersion.data),
            col(DescriptorVersion.content_hash),
            col(DescriptorVersion.warnings),
            col(Decision.decision),
            col(Decision.recommended_decision),
            col(Decision.rationale),
            col(Decision.aggregates),
            col(Decision.valid_from),
            col(Decision.valid_to),
            col(Decision.id).label("decision_id"),
        )
        .join(Submission, col(Submission.id) == p.c.submission_id)
        .join(Institution, col(Institution.id) == col(Submission.institution_id))
        .join(
            Decision,
            and_(
                col(Decision.submission_id) == p.c.submission_id,
                col(Decision.round_number) == p.c.round_number,
                _newest_decision(),
            ),
        )
        .outerjoin(
            DescriptorVersion,
            and_(
                col(DescriptorVersion.submission_id) == p.c.submission_id,
                col(DescriptorVersion.round_number) == p.c.round_number,
            ),
        )
        .order_by(p.c.submission_id, p.c.round_number)
    )
    return _rows(session, query)


def decisions(session: Session, p: Subquery) -> Iterator[Row[Any]]:
    """Every revision of the packed rounds' decisions (plain columns: nothing is kept)."""
    conditions = (
        select(func.count())
        .where(col(Condition.decision_id) == col(Decision.id))
        .correlate(Decision)
        .scalar_subquery()
    )
    query = (
        select(
            col(Decision.id),
            col(Decision.submission_id),
            col(Decision.round_number),
            col(Decision.decision),
            col(Decision.recommended_decision),
            col(Decision.rationale),
            col(Decision.aggregates),
            col(Decision.signed_by),
            col(Decision.signed_at),
            col(Decision.valid_from),
            col(Decision.valid_to),
            col(Decision.revision),
            col(Decision.supersedes_id),
            col(Decision.correction_reason),
            p.c.decided_at,
            col(Submission.title),
            col(Submission.external_id),
            col(Institution.code).label("provider"),
            conditions.label("condition_count"),
            _newest_decision().label("current"),
        )
        .join(p, _on_packed(p, col(Decision.submission_id), col(Decision.round_number)))
        .join(Submission, col(Submission.id) == col(Decision.submission_id))
        .join(Institution, col(Institution.id) == col(Submission.institution_id))
        .order_by(col(Decision.submission_id), col(Decision.round_number), col(Decision.revision))
    )
    return _rows(session, query)


def conditions(session: Session, p: Subquery) -> Iterator[Row[Any]]:
    query = (
        select(
            col(Condition.id),
            col(Condition.decision_id),
            col(Condition.text),
            col(Condition.owner),
            col(Condition.due_date),
            col(Condition.status),
            col(Condition.met_at),
            col(Condition.met_by),
            col(Condition.evidence),
            col(Decision.submission_id),
            col(Decision.round_number),
        )
        .join(Decision, col(Decision.id) == col(Condition.decision_id))
        .join(p, _on_packed(p, col(Decision.submission_id), col(Decision.round_number)))
        .order_by(col(Decision.submission_id), col(Decision.round_number), col(Condition.id))
    )
    return _rows(session, query)


def trail(session: Session, p: Subquery, as_of: int | None = None) -> Iterator[Row[Any]]:
    """Audit entries of the packed submissions, in (submission, entry) order (index order)."""
    query = (
        select(
            col(AuditEntry.id),
            col(AuditEntry.at),
            col(AuditEntry.submission_id),
            col(AuditEntry.actor_id),
            col(AuditEntry.actor_label),
            col(AuditEntry.action),
            col(AuditEntry.entity_type),
            col(AuditEntry.entity_id),
            cast(col(AuditEntry.before), Text).label("before"),  # the stored JSON text
            cast(col(AuditEntry.after), Text).label("after"),
            col(AuditEntry.prev_hash),
            col(AuditEntry.entry_hash),
        )
        .where(
            col(AuditEntry.submission_id).in_(select(p.c.submission_id).distinct()),
            up_to(as_of),
        )
        .order_by(col(AuditEntry.submission_id), col(AuditEntry.id))
    )
    return _rows(session, query)


def count_trail(session: Session, p: Subquery, as_of: int | None = None) -> int:
    return int(
        session.execute(
            select(func.count()).where(
                col(AuditEntry.submission_id).in_(select(p.c.submission_id).distinct()),
                up_to(as_of),
            )
        ).scalar_one()
    )


# -- score sheets, a batch of rounds at a time --------------------------------------------------


@dataclass
class Sheet:
    row: Any  # scoresheet columns + reviewer_id, panel_role, coi_status, coi_text
    scores: list[Any]


@dataclass
class RoundSheets:
    head: Row[Any]  # submission_id, round_number, provider, external_id, aggregates
    sheets: list[Sheet]


def round_sheets(session: Session, p: Subquery) -> Iterator[RoundSheets]:
    """Each packed round with the newest revision of each of its score sheets and their scores."""
    heads = (
        select(
            p.c.submission_id,
            p.c.round_number,
            col(Institution.code).label("provider"),
            col(Submission.external_id),
            col(Submission.rubric_version_id),
            col(Decision.aggregates),
        )
        .join(Submission, col(Submission.id) == p.c.submission_id)
        .join(Institution, col(Institution.id) == col(Submission.institution_id))
        .join(
            Decision,
            and_(
                col(Decision.submission_id) == p.c.submission_id,
                col(Decision.round_number) == p.c.round_number,
                _newest_decision(),
            ),
        )
        .order_by(p.c.submission_id, p.c.round_number)
    )
    batch: list[Row[Any]] = []
    for head in _rows(session, heads):
        batch.append(head)
        if len(batch) >= ROUNDS_PER_BATCH:
            yield from _batch(session, batch)
            batch = []
    if batch:
        yield from _batch(session, batch)


_KIND_ORDER = {"self": 0, "peer": 1, "consensus": 2}


def _batch(session: Session, heads: Sequence[Row[Any]]) -> Iterator[RoundSheets]:
    keys = {(h.submission_id, h.round_number) for h in heads}
    ids = sorted({h.submission_id for h in heads})
    connection = session.connection()
    rows = connection.execute(
        select(
            col(Scoresheet.id),
            col(Scoresheet.submission_id),
            col(Scoresheet.round_number),
            col(Scoresheet.kind),
            col(Scoresheet.rater_key),
            col(Scoresheet.assignment_id),
            col(Scoresheet.rubric_version_id),
            col(Scoresheet.status),
            col(Scoresheet.recommendation),
            col(Scoresheet.summary),
            col(Scoresheet.revision),
            col(Scoresheet.correction_reason),
            col(Scoresheet.submitted_at),
            col(Scoresheet.submitted_by),
            col(Assignment.reviewer_id),
            col(Assignment.panel_role),
            col(Assignment.coi_status),
            col(Assignment.coi_text),
        )
        .outerjoin(Assignment, col(Assignment.id) == col(Scoresheet.assignment_id))
        .where(col(Scoresheet.submission_id).in_(ids))
    ).all()
    newest: dict[tuple[int, int, str], Any] = {}
    for row in rows:
        key = (row.submission_id, row.round_number, row.rater_key)
        if (row.submission_id, row.round_number) in keys and (
            key not in newest or newest[key].revision < row.revision
        ):
            newest[key] = row
    sheets = {row.id: Sheet(row, []) for row in newest.values()}
    if sheets:
        for score in connection.execute(
            select(
                col(Score.scoresheet_id),
                col(Score.criterion_id),
                col(Score.level),
                col(Score.cannot_judge),
                col(Score.comment),
                cast(col(Score.evidence_refs), Text).label("evidence_refs"),  # parsed if needed
                col(Score.no_evidence_reason),
                col(Score.updated_at),
                col(Score.updated_by),
            )
            .where(col(Score.scoresheet_id).in_(sorted(sheets)))
            .order_by(col(Score.scoresheet_id), col(Score.id))
        ):
            sheets[score.scoresheet_id].scores.append(score)
    by_round: dict[tuple[int, int], list[Sheet]] = {}
    for sheet in sheets.values():
        by_round.setdefault((sheet.row.submission_id, sheet.row.round_number), []).append(sheet)
    for head in heads:
        found = by_round.get((head.submission_id, head.round_number), [])
        found.sort(
            key=lambda s: (_KIND_ORDER.get(s.row.kind, 3), s.row.assignment_id or 0, s.row.id)
        )
        yield RoundSheets(head, found)
