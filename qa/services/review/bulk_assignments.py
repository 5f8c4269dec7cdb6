"""A bulk assignment file (file, reviewer, action invite/cancel): every error first, then
all rows in one transaction, or nothing.

`check_bulk` lists each row with its problems (unknown file or person, wrong stage,
conflict, over load, nothing to cancel, duplicates) without writing; `apply_bulk` checks
again inside the transaction and applies only a file with no problem at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from qa.domain.actor import Actor
from qa.domain.assignments import AssignmentEvent, CoiStatus, is_ended, is_open
from qa.domain.conflict_rules import awarding_body_names
from qa.domain.enums import Role, Stage
from qa.domain.errors import InvalidInput
from qa.domain.policy import require_officer
from qa.domain.review_settings import ReviewSettings
from qa.persistence.db import Database
from qa.persistence.models import Assignment, Submission, User, UserRole
from qa.services.people.reviewer_profiles import get_profile
from qa.services.review.assignment_moves import move_assignment
from qa.services.review.assignments import invite_one, open_loads
from qa.services.review.conflicts import (
    awarding_body_reviewers,
    blocking_conflicts,
    current_descriptor,
    reviewer_institutions,
)

ACTIONS = ("invite", "cancel")
BULK_REASON = "cancelled by the QA office's bulk assignment file"


@dataclass
class BulkLine:
    row: int
    file: str
    reviewer: str
    action: str
    problems: list[str] = field(default_factory=list)
    submission: Submission | None = None
    user: User | None = None
    assignment: Assignment | None = None


class BulkRefused(InvalidInput):
    def __init__(self, lines: Sequence[BulkLine]) -> None:
        self.lines = [line for line in lines if line.problems]
        super().__init__(f"{len(self.lines)} row(s) with errors; nothing was changed")


def check_bulk(
    db: Database,
    actor: Actor,
    rows: Sequence[tuple[int, Mapping[str, Any]]],
    *,
    settings: ReviewSettings,
) -> list[BulkLine]:
    require_officer(actor)
    with db.session() as session:
        return _check(session, rows, settings)


def apply_bulk(
    db: Database,
    actor: Actor,
    rows: Sequence[tuple[int, Mapping[str, Any]]],
    *,
    today: date,
    settings: ReviewSettings,
) -> list[BulkLine]:
    require_officer(actor)
    with db.write() as session:
        lines = _check(session, rows, settings)
        if not lines or any(line.problems for line in lines):
            raise BulkRefused(lines) if lines else InvalidInput("the file has no rows")
        loads = open_loads(session)
        generous = replace(settings, max_load=10**6)  # caps were checked per profile above
        for line in lines:
            assert line.submission is not None
            assert line.user is not None
            if line.action == "invite":
                assert line.user.id is not None
                invite_one(
                    session,
                    actor,
                    line.submission,
                    line.user.id,
                    loads=loads,
                    today=today,
                    settings=generous,
                )
            else:
                assert line.assignment is not None
                assert line.assignment.id is not None
                move_assignment(
                    session,
                    actor,
                    line.assignment,
                    AssignmentEvent.CANCEL,
                    expected_version=line.assignment.version,
                    values={"decline_reason": BULK_REASON},
                )
        session.commit()
        return lines


def _check(
    session: Session, rows: Sequence[tuple[int, Mapping[str, Any]]], settings: ReviewSettings
) -> list[BulkLine]:
    by_provider, by_file = blocking_conflicts(session)
    lines = [
        BulkLine(
            number,
            str(raw.get("file") or "").strip(),
            str(raw.get("reviewer") or "").strip(),
            str(raw.get("action") or "").strip().lower(),
        )
        for number, raw in rows
    ]
    counts = Counter((line.file, line.reviewer.lower()) for line in lines)
    loads = open_loads(session)
    for line in lines:
        if line.action not in ACTIONS:
            line.problems.append(f"action must be invite or cancel, not {line.action!r}")
        if counts[(line.file, line.reviewer.lower())] > 1:
            line.problems.append("the same file and reviewer appear on more than one row")
        line.submission = _submission(session, line)
        line.user = _reviewer(session, line)
        if line.submission is None or line.user is None:
            continue
        sub, user = line.submission, line.user
        if sub.stage != Stage.PEER_REVIEW:
            stage = sub.stage.replace("_", " ")
            line.problems.append(f"file {sub.id} is {stage}, not in peer review")
            continue
        line.assignment = session.exec(
            select(Assignment).where(
                Assignment.submission_id == sub.id,
                Assignment.round_number == sub.current_round,
                Assignment.reviewer_id == user.id,
            )
        ).first()
        if line.action == "invite":
            _check_invite(
                session,
                line,
                loads=loads,
                settings=settings,
                by_provider=by_provider,
                by_file=by_file,
            )
        elif line.action == "cancel":
            state = line.assignment.state if line.assignment else None
            if state is None or not is_open(state):
                line.problems.append(
                    f"{user.display_name} has no open assignment on file {sub.id} to cancel"
                    + (f" (it is {state})" if state else "")
                )
    return lines


def _check_invite(
    session: Session,
    line: BulkLine,
    *,
    loads: dict[int, int],
    settings: ReviewSettings,
    by_provider: set[tuple[int, int]],
    by_file: set[tuple[int, int]],
) -> None:
    sub, user = line.submission, line.user
    assert sub is not None
    assert user is not None
    assert user.id is not None
    assert sub.id is not None
    current = line.assignment
    if current is not None and not is_ended(current.state):
        line.problems.append(f"{user.display_name} is already {current.state} on file {sub.id}")
    if current is not None and current.coi_status == CoiStatus.DECLARED:
        line.problems.append(f"{user.display_name} declared a conflict of interest with this file")
    if (
        user.institution_id == sub.institution_id
        or (user.id, sub.institution_id) in by_provider
        or (user.id, sub.id) in by_file
    ):
        line.problems.append(f"{user.display_name} has a conflict of interest with this provider")
    bodies = awarding_body_names(current_descriptor(session, sub))
    if user.id in awarding_body_reviewers(reviewer_institutions(session, [user.id]), bodies):
        line.problems.append(
            f"{user.display_name} belongs to an awarding body of this credential "
            "(a conflict of interest)"
        )
    profile = get_profile(session, user.id)
    cap = (profile.max_load if profile else None) or settings.max_load
    loads[user.id] = loads.get(user.id, 0) + 1
    if loads[user.id] > cap:
        line.problems.append(
            f"{user.display_name} would have {loads[user.id]} open reviews; the maximum is {cap}"
        )


def _submission(session: Session, line: BulkLine) -> Submission | None:
    if line.file.isdigit():
        found = session.get(Submission, int(line.file))
    else:
        matches = session.exec(select(Submission).where(Submission.external_id == line.file)).all()
        found = matches[0] if len(matches) == 1 else None
        if len(matches) > 1:
            line.problems.append(f"{line.file!r} names several files: use the file number")
            return None
    if found is None:
        line.problems.append(f"there is no file {line.file!r}")
    return found


def _reviewer(session: Session, line: BulkLine) -> User | None:
    key = line.reviewer.lower()
    found = session.exec(
        select(User)
        .join(UserRole)
        .where(
            UserRole.role == Role.REVIEWER.value,
            col(User.is_active),
            (col(User.username) == key) | (col(User.email) == key),
        )
    ).first()
    if found is None:
        line.problems.append(f"there is no active reviewer {line.reviewer!r}")
    return found
