"""Revise and resubmit: the provider opens the next round with a revised descriptor."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlmodel import col, select

from qa.domain.actor import Actor
from qa.domain.enums import Stage
from qa.domain.errors import InvalidInput
from qa.domain.policy import require_provider_of
from qa.domain.stages import Action
from qa.domain.validation import validate_descriptor
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.models import DescriptorVersion, Submission, SubmissionRound
from qa.services.submissions.lifecycle import move, require_stage, submission_facts
from qa.services.submissions.submissions import warnings_json


def resubmit(
    db: Database,
    actor: Actor,
    submission_id: int,
    *,
    expected_version: int,
    today: date,
    revised_descriptor: object | None = None,
) -> Submission:
    """Open round n+1 with the revised descriptor (or the previous one); earlier rounds stay."""
    with db.write() as session:
        submission = require_stage(session, submission_id, Stage.REVISE_AND_RESUBMIT)
        require_provider_of(actor, submission_facts(session, submission))
        previous = session.exec(
            select(DescriptorVersion).where(
                DescriptorVersion.submission_id == submission_id,
                DescriptorVersion.round_number == submission.current_round,
            )
        ).one()
        report = validate_descriptor(
            previous.data if revised_descriptor is None else revised_descriptor, today=today
        )
        if report.descriptor is None:
            raise InvalidInput(
                "the revised descriptor is not complete", tuple(str(i) for i in report.errors)
            )
        new_round = submission.current_round + 1
        now = clock.now(session)
        session.add(SubmissionRound(submission_id=submission_id, number=new_round, opened_at=now))
        session.add(
            DescriptorVersion(
                submission_id=submission_id,
                round_number=new_round,
                data=report.descriptor.model_dump(mode="json"),
                content_hash=report.descriptor.content_hash(),
                warnings=warnings_json(report.warnings),
                updated_by=actor.user_id,
            )
        )
        moved = move(
            session,
            actor,
            submission,
            Action.RESUBMIT,
            expected_version=expected_version,
            new_round=new_round,
            details={"content_hash": report.descriptor.content_hash()},
        )
        # The list columns follow the round's descriptor (the title may have changed).
        session.execute(
            update(Submission)
            .where(col(Submission.id) == submission_id)
            .values(title=report.descriptor.title, eqf_level=report.descriptor.eqf_level)
        )
        session.commit()
        moved.title, moved.eqf_level = report.descriptor.title, report.descriptor.eqf_level
        return moved
