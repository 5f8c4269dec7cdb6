"""What a QA agency sees: decided micro-credentials, filtered, and the audit packs.

Agencies never see who reviewed a file; nothing here reads assignments or names people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, exists
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from qa.domain.actor import Actor
from qa.domain.bounds import DATE_RANGE, OutOfRange, calendar_day
from qa.domain.enums import Stage
from qa.domain.policy import require_agency_or_staff
from qa.domain.stages import DECIDED_STAGES
from qa.persistence.db import Database
from qa.persistence.models import Decision, Institution, Submission

LIST_LIMIT = 500
#: Label and tag tone (ok, warn, bad) of each final decision.
DECISIONS: dict[str, tuple[str, str]] = {
    Stage.APPROVED.value: ("Approved", "ok"),
    Stage.APPROVED_WITH_CONDITIONS.value: ("Approved with conditions", "warn"),
    Stage.REJECTED.value: ("Rejected", "bad"),
    Stage.REVISE_AND_RESUBMIT.value: ("Revise and resubmit", "warn"),
}


@dataclass(frozen=True)
class DecisionFilter:
    date_from: date | None = None
    date_to: date | None = None
    provider: str = ""  # institution code
    decision: str = ""

    @property
    def is_set(self) -> bool:
        return bool(self.date_from or self.date_to or self.provider or self.decision)


@dataclass(frozen=True)
class DecidedRow:
    submission_id: int
    round_number: int
    title: str
    provider: str
    eqf_level: int | None
    decided_on: date
    decision: str
    label: str
    tone: str
    valid_from: date | None
    valid_to: date | None
    #: The file itself is decided (an agency may open it); a revise-and-resubmit round's
    #: file may be under review again.
    viewable: bool


@dataclass(frozen=True)
class DecidedList:
    rows: list[DecidedRow]
    truncated: bool


def parse_filter(params: Mapping[str, str]) -> tuple[DecisionFilter, dict[str, str]]:
    """The filter from a query string, and a problem per field that could not be read."""
    problems: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for name in ("date_from", "date_to"):
        raw = (params.get(name) or "").strip()
        try:
            dates[name] = calendar_day(raw) if raw else None
        except OutOfRange:
            dates[name] = None
            problems[name] = f"Give a date {DATE_RANGE}."
        except ValueError:
            dates[name] = None
            problems[name] = "Choose a date in the calendar."
    first, last = dates["date_from"], dates["date_to"]
    if first and last and first > last:
        problems["date_to"] = "The end of the period is before its start."
    decision = (params.get("decision") or "").strip()
    if decision and decision not in DECISIONS:
        problems["decision"] = "Choose a decision from the list."
        decision = ""
    provider = (params.get("provider") or "").strip()
    return DecisionFilter(first, last, provider, decision), problems


def decided_submissions(
    db: Database, actor: Actor, wanted: DecisionFilter, limit: int = LIST_LIMIT
) -> DecidedList:
    """Every decided round, newest first, chosen as audit packs choose them.

    A round is listed when its decision was first signed in the period (revise-and-resubmit
    rounds included), with the decision it holds now (its newest revision), so this list
    and a pack of the same filter hold the same rounds.
    """
    require_agency_or_staff(actor)
    first = aliased(Decision)
    newer = aliased(Decision)
    newest_revision = ~exists().where(
        col(newer.submission_id) == col(Decision.submission_id),
        col(newer.round_number) == col(Decision.round_number),
        col(newer.revision) > col(Decision.revision),
    )
    query = (
        select(Submission, Institution.name, Decision, first.signed_at)
        .join(Institution, col(Institution.id) == col(Submission.institution_id))
        .join(first, and_(col(first.submission_id) == col(Submission.id), col(first.revision) == 1))
        .join(
            Decision,
            and_(
                col(Decision.submission_id) == col(first.submission_id),
                col(Decision.round_number) == col(first.round_number),
                newest_revision,
            ),
        )
        .where(col(first.decision).in_(DECISIONS))
        .order_by(col(first.signed_at).desc(), col(first.id).desc())
        .limit(limit + 1)
    )
    if wanted.date_from:
        query = query.where(col(first.signed_at) >= _start_of(wanted.date_from))
    if wanted.date_to:
        query = query.where(col(first.signed_at) < _start_of(wanted.date_to + timedelta(1)))
    if wanted.provider:
        query = query.where(Institution.code == wanted.provider)
    if wanted.decision:
        query = query.where(col(first.decision) == wanted.decision)
    with db.session() as session:
        found = session.exec(query).all()
    decided = {s.value for s in DECIDED_STAGES}
    rows = [
        DecidedRow(
            submission_id=submission.id or 0,
            round_number=decision.round_number,
            title=submission.title,
            provider=provider,
            eqf_level=submission.eqf_level,
            decided_on=db.clock.local(first_signed).date(),
            decision=decision.decision,
            label=DECISIONS[decision.decision][0],
            tone=DECISIONS[decision.decision][1],
            valid_from=decision.valid_from,
            valid_to=decision.valid_to,
            viewable=submission.stage in decided,
        )
        for submission, provider, decision, first_signed in found[:limit]
    ]
    return DecidedList(rows, truncated=len(found) > limit)


def provider_choices(db: Database, actor: Actor) -> list[tuple[str, str]]:
    """(code, name) of every provider with at least one decided file."""
    require_agency_or_staff(actor)
    query = (
        select(Institution.code, Institution.name)
        .join(Submission, col(Submission.institution_id) == col(Institution.id))
        .where(col(Submission.stage).in_([s.value for s in DECIDED_STAGES]))
        .distinct()
        .order_by(Institution.name)
    )
    with db.session() as session:
        return [(code, name) for code, name in session.exec(query)]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
