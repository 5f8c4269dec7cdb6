"""Drafts and submission of descriptors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from qa.audit.log import entry_values, record, record_many
from qa.domain.actor import Actor
from qa.domain.descriptor import Descriptor
from qa.domain.enums import Stage
from qa.domain.errors import IllegalTransition, InvalidInput, NotFound
from qa.domain.partial_descriptor import PartialDescriptor
from qa.domain.policy import require_provider_of
from qa.domain.report import Issue
from qa.domain.stages import Action, plan_transition
from qa.domain.validation import validate_descriptor
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.locking import update_versioned
from qa.persistence.models import (
    DescriptorVersion,
    RubricVersion,
    Submission,
    SubmissionRound,
)
from qa.services.rubrics.rubrics import current_rubric
from qa.services.submissions.lifecycle import load_submission, move, submission_facts


class DraftOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ExistingDraft:
    submission: Submission
    descriptor: DescriptorVersion


def warnings_json(issues: tuple[Issue, ...]) -> list[dict[str, str]]:
    return [{"element": i.element, "code": i.code, "message": i.message} for i in issues]


@dataclass(frozen=True)
class NewDraft:
    institution_id: int
    descriptor: Descriptor | PartialDescriptor
    warnings: tuple[Issue, ...]


def create_draft(
    session: Session,
    actor: Actor,
    institution_id: int,
    descriptor: Descriptor | PartialDescriptor,
    warnings: tuple[Issue, ...],
) -> Submission:
    """Add a new draft submission with its descriptor to the caller's transaction."""
    return create_drafts(session, actor, [NewDraft(institution_id, descriptor, warnings)])[0]


def create_drafts(session: Session, actor: Actor, drafts: Sequence[NewDraft]) -> list[Submission]:
    """Add many drafts at once (one INSERT per table, not per row): the catalogue import path."""
    if not drafts:
        return []
    now = clock.now(session)
    submissions = [
        Submission(
            institution_id=draft.institution_id,
            external_id=draft.descriptor.external_id,
            title=draft.descriptor.title,
            eqf_level=draft.descriptor.eqf_level,
            stage=Stage.DRAFT.value,
            created_by=actor.user_id,
            created_at=now,
            updated_at=now,
            stage_entered_at=now,
        )
        for draft in drafts
    ]
    session.add_all(submissions)
    session.flush()
    rounds, descriptors, audits = [], [], []
    for submission, draft in zip(submissions, drafts, strict=True):
        digest = draft.descriptor.content_hash()
        rounds.append({"submission_id": submission.id, "number": 1, "opened_at": now})
        descriptors.append(
            {
                "submission_id": submission.id,
                "round_number": 1,
                "data": draft.descriptor.model_dump(mode="json"),
                "content_hash": digest,
                "warnings": warnings_json(draft.warnings),
                "created_at": now,
                "updated_at": now,
                "updated_by": actor.user_id,
            }
        )
        audits.append(
            entry_values(
                actor,
                "submission.draft_created",
                entity_type="submission",
                entity_id=submission.id,
                submission_id=submission.id,
                after={
                    "external_id": draft.descriptor.external_id,
                    "title": draft.descriptor.title,
                    "content_hash": digest,
                    "stage": Stage.DRAFT.value,
                },
                at=now,
            )
        )
    session.execute(insert(SubmissionRound), rounds)
    session.execute(insert(DescriptorVersion), descriptors)
    record_many(session, audits)
    return submissions


def update_draft(
    session: Session,
    actor: Actor,
    existing: ExistingDraft,
    descriptor: Descriptor | PartialDescriptor,
    warnings: tuple[Issue, ...],
) -> DraftOutcome:
    """Replace a draft's descriptor (in the caller's transaction); no-op when unchanged.

    A `PartialDescriptor` is a draft saved before it is complete (checked on submit)."""
    row = existing.descriptor
    digest = descriptor.content_hash()
    if row.content_hash == digest:
        return DraftOutcome.UNCHANGED
    submission = existing.submission
    if submission.stage != Stage.DRAFT.value:
        raise IllegalTransition(
            f"submission {submission.external_id or submission.id} is already "
            f"{submission.stage.replace('_', ' ')}; its descriptor can only change in a "
            "revision round"
        )
    new_data = descriptor.model_dump(mode="json")
    changed = sorted(k for k in set(row.data) | set(new_data) if row.data.get(k) != new_data.get(k))
    before = {"content_hash": row.content_hash, **{k: row.data.get(k) for k in changed}}
    after = {"content_hash": digest, **{k: new_data.get(k) for k in changed}}
    now = clock.now(session)
    row.data, row.content_hash = new_data, digest
    row.warnings, row.updated_at, row.updated_by = warnings_json(warnings), now, actor.user_id
    session.add(row)
    assert submission.id is not None
    update_versioned(
        session,
        Submission,
        submission.id,
        submission.version,
        {"title": descriptor.title, "eqf_level": descriptor.eqf_level, "updated_at": now},
        what=f"submission {submission.id}",
    )
    record(
        session,
        actor,
        "submission.draft_updated",
        entity_type="submission",
        entity_id=submission.id,
        submission_id=submission.id,
        before=before,
        after=after,
    )
    return DraftOutcome.UPDATED


def submit_descriptor(
    db: Database, actor: Actor, submission_id: int, *, expected_version: int, today: date
) -> Submission:
    """Leave draft: re-validate the descriptor, pin the current rubric, queue routing."""
    rubric_row, _ = current_rubric(db)
    with db.write() as session:
        _submit(
            session,
            actor,
            submission_id,
            expected_version=expected_version,
            rubric_row=rubric_row,
            today=today,
        )
        session.commit()
        refreshed = session.get(Submission, submission_id)
        assert refreshed is not None
        return refreshed


def intake(
    db: Database, actor: Actor, institution_id: int, raw: object, *, today: date
) -> Submission:
    """A provider submits a descriptor in one step: validate, save and submit atomically.

    Refused with every problem named (`InvalidInput`) when a mandatory element is missing or
    invalid; nothing is saved then.
    """
    report = validate_descriptor(raw, today=today)
    if report.descriptor is None:
        raise InvalidInput(
            "the descriptor is not complete", tuple(str(issue) for issue in report.errors)
        )
    rubric_row, _ = current_rubric(db)
    with db.write() as session:
        draft = create_draft(session, actor, institution_id, report.descriptor, report.warnings)
        assert draft.id is not None
        _submit(
            session,
            actor,
            draft.id,
            expected_version=draft.version,
            rubric_row=rubric_row,
            today=today,
        )
        session.commit()
        submitted = session.get(Submission, draft.id)
        assert submitted is not None
        return submitted


def _submit(
    session: Session,
    actor: Actor,
    submission_id: int,
    *,
    expected_version: int,
    rubric_row: RubricVersion,
    today: date,
) -> None:
    submission = load_submission(session, submission_id)
    require_provider_of(actor, submission_facts(session, submission))
    plan_transition(Stage(submission.stage), Action.SUBMIT, actor.role_names)
    descriptor_row = _current_descriptor(session, submission)
    report = validate_descriptor(descriptor_row.data, today=today)
    if not report.ok:
        raise InvalidInput(
            "the descriptor is not complete", tuple(str(issue) for issue in report.errors)
        )
    session.execute(
        update(Submission)
        .where(col(Submission.id) == submission_id)
        .values(rubric_version_id=rubric_row.id)
    )
    move(
        session,
        actor,
        submission,
        Action.SUBMIT,
        expected_version=expected_version,
        details={
            "rubric_version": rubric_row.content_hash,
            "warnings": warnings_json(report.warnings),
        },
    )


def _current_descriptor(session: Session, submission: Submission) -> DescriptorVersion:
    row = session.exec(
        select(DescriptorVersion).where(
            DescriptorVersion.submission_id == submission.id,
            DescriptorVersion.round_number == submission.current_round,
        )
    ).first()
    if row is None:
        raise NotFound(f"submission {submission.id} has no descriptor")
    return row


def descriptor_data(db: Database, submission_id: int) -> dict[str, Any]:
    with db.session() as session:
        submission = session.get(Submission, submission_id)
        if submission is None:
            raise NotFound(f"submission {submission_id} does not exist")
        return _current_descriptor(session, submission).data
