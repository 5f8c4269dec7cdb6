"""The provider's descriptor form: start a draft, edit it, resubmit a revision.

Each use case validates the whole raw descriptor with `validate_descriptor` (the catalogue
import's validator). A draft is saved when nothing in it is malformed, complete or not
(`partial_descriptor`); submitting, and a resubmission, need the complete descriptor. When a
save is refused nothing is saved: the result carries the report so the form can show every
message next to its field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from qa.domain.actor import Actor
from qa.domain.descriptor import Descriptor
from qa.domain.enums import Role, Stage
from qa.domain.errors import Conflict, IllegalTransition, NotAllowed
from qa.domain.partial_descriptor import PartialDescriptor, draft_report, format_errors
from qa.domain.policy import require_draft_author, require_provider_of
from qa.domain.report import Issue, Severity, ValidationReport
from qa.domain.validation import validate_descriptor
from qa.persistence.db import Database
from qa.persistence.models import DescriptorVersion, Institution, Submission
from qa.services.submissions.lifecycle import load_submission, submission_facts
from qa.services.submissions.resubmission import resubmit
from qa.services.submissions.submissions import (
    ExistingDraft,
    create_draft,
    intake,
    submit_descriptor,
    update_draft,
)


@dataclass(frozen=True)
class Saved:
    """The outcome of a save: the report, and the submission when something was saved."""

    report: ValidationReport
    submission_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.submission_id is not None

    @property
    def complete(self) -> bool:
        """Whether what was saved is the complete descriptor (an incomplete draft waits)."""
        return self.ok and self.report.descriptor is not None


@dataclass(frozen=True)
class Editable:
    """A submission's current descriptor, as the form opens it."""

    submission_id: int
    title: str
    stage: str
    round: int
    version: int
    data: dict[str, Any]
    report: ValidationReport


def require_author(actor: Actor) -> int:
    """Only a provider (belonging to an institution) starts a micro-credential; its id."""
    if Role.PROVIDER not in actor.roles or actor.institution_id is None:
        raise NotAllowed("only a provider can describe a new micro-credential")
    return actor.institution_id


def check(actor: Actor, raw: dict[str, Any], *, today: date) -> ValidationReport:
    """The inline check of the form: the full validation, nothing saved."""
    if not actor.roles & {Role.PROVIDER, Role.OFFICER, Role.ADMIN}:
        raise NotAllowed("only a provider or a QA officer can check a descriptor")
    return validate_descriptor(raw, today=today)


def start(
    db: Database,
    actor: Actor,
    raw: dict[str, Any],
    *,
    today: date,
    submit: bool,
    incomplete: bool = False,
) -> Saved:
    """A new draft (or, with `submit`, a draft submitted at once) for the actor's institution.

    With `incomplete` (the web form's "Save draft"), a draft is saved incomplete when nothing
    in it is malformed; it is submitted only complete. Without it (the API) a draft must be
    complete to be saved.
    """
    institution_id = require_author(actor)
    with db.session() as session:
        raw, report = _validated(session, raw, institution_id, None, today)
    content = _content(report, raw, incomplete)
    if content is None:
        return Saved(draft_report(report) if incomplete else report)
    try:
        if submit and report.descriptor is not None:
            return Saved(report, intake(db, actor, institution_id, raw, today=today).id)
        with db.write() as session:
            draft = create_draft(session, actor, institution_id, content, report.warnings)
            session.commit()
            return Saved(report, draft.id)
    except IntegrityError:  # the same code saved a moment ago by someone else
        return _code_taken(content.external_id)


def _content(
    report: ValidationReport, raw: dict[str, Any], incomplete: bool
) -> Descriptor | PartialDescriptor | None:
    """What a draft save stores: the descriptor, the well-formed part of it, or nothing."""
    if report.descriptor is not None:
        return report.descriptor
    return None if format_errors(report) or not incomplete else PartialDescriptor(raw)


def editable(db: Database, actor: Actor, submission_id: int, stage: Stage) -> Editable:
    """The descriptor of a submission in `stage` (draft, or revise and resubmit) to edit."""
    with db.session() as session:
        submission = load_submission(session, submission_id)
        facts = submission_facts(session, submission)
        require_provider_of(actor, facts)
        if submission.stage == Stage.DRAFT:
            require_draft_author(actor, facts)  # the QA office does not open drafts
        _require_stage(submission, stage)
        data = _descriptor(session, submission).data
    return Editable(
        submission_id,
        submission.title,
        submission.stage,
        submission.current_round,
        submission.version,
        data,
        validate_descriptor(data, today=db.clock.today()),
    )


def edit(
    db: Database,
    actor: Actor,
    submission_id: int,
    raw: dict[str, Any],
    *,
    expected_version: int,
    today: date,
    submit: bool,
    incomplete: bool = False,
) -> Saved:
    """Replace a draft's descriptor; with `submit`, then send it for review if it is complete.
    `incomplete` saves a well-formed but incomplete draft (as `start`)."""
    try:
        saved = _edit(
            db,
            actor,
            submission_id,
            raw,
            expected_version=expected_version,
            today=today,
            incomplete=incomplete,
        )
    except IntegrityError:  # the same code saved a moment ago by someone else
        return _code_taken(raw.get("external_id"))
    if submit and saved.complete:
        version = _version(db, submission_id)
        submit_descriptor(db, actor, submission_id, expected_version=version, today=today)
    return saved


def _edit(
    db: Database,
    actor: Actor,
    submission_id: int,
    raw: dict[str, Any],
    *,
    expected_version: int,
    today: date,
    incomplete: bool,
) -> Saved:
    with db.write() as session:
        submission = load_submission(session, submission_id)
        require_draft_author(actor, submission_facts(session, submission))
        _require_stage(submission, Stage.DRAFT)
        _require_version(submission, expected_version)
        raw, report = _validated(session, raw, submission.institution_id, submission_id, today)
        content = _content(report, raw, incomplete)
        if content is None:
            return Saved(draft_report(report) if incomplete else report)
        existing = ExistingDraft(submission, _descriptor(session, submission))
        code = content.external_id
        update_draft(session, actor, existing, content, report.warnings)
        session.execute(  # update_draft keeps the title in step, not the provider's code
            update(Submission).where(col(Submission.id) == submission_id).values(external_id=code)
        )
        session.commit()
    return Saved(report, submission_id)


def _version(db: Database, submission_id: int) -> int:
    with db.session() as session:
        return load_submission(session, submission_id).version


def resubmit_revised(
    db: Database,
    actor: Actor,
    submission_id: int,
    raw: dict[str, Any],
    *,
    expected_version: int,
    today: date,
) -> Saved:
    """Open the next round with the revised descriptor (refused with messages when invalid)."""
    with db.session() as session:
        submission = load_submission(session, submission_id)
        require_provider_of(actor, submission_facts(session, submission))
        _require_stage(submission, Stage.REVISE_AND_RESUBMIT)
        _require_version(submission, expected_version)
        raw, report = _validated(session, raw, submission.institution_id, submission_id, today)
    if report.descriptor is None:
        return Saved(report)
    resubmit(
        db,
        actor,
        submission_id,
        expected_version=expected_version,
        today=today,
        revised_descriptor=raw,
    )
    return Saved(report, submission_id)


def _require_stage(submission: Submission, stage: Stage) -> None:
    if submission.stage != stage:
        where = "a draft" if stage is Stage.DRAFT else "asked to revise and resubmit"
        raise IllegalTransition(
            f"this micro-credential is {submission.stage.replace('_', ' ')}; its descriptor "
            f"can be changed only while it is {where}"
        )


def _require_version(submission: Submission, expected_version: int) -> None:
    if submission.version != expected_version:
        raise Conflict(
            "someone else saved this micro-credential after you opened it, so nothing was "
            "saved. Your changes are still in the form: open the current version in a new "
            "tab to compare, then save again to replace it with yours"
        )


def _institution_code(session: Session, institution_id: int) -> str:
    institution = session.get(Institution, institution_id)
    if institution is None:
        raise NotAllowed("your account does not belong to a registered institution")
    return institution.code


def _descriptor(session: Session, submission: Submission) -> DescriptorVersion:
    return session.exec(
        select(DescriptorVersion).where(
            DescriptorVersion.submission_id == submission.id,
            DescriptorVersion.round_number == submission.current_round,
        )
    ).one()


def _validated(
    session: Session, raw: dict[str, Any], institution_id: int, own_id: int | None, today: date
) -> tuple[dict[str, Any], ValidationReport]:
    """The form's values with the institution's code as provider, and their validation
    report including the check that the provider's own code is not taken."""
    raw = raw | {"provider": _institution_code(session, institution_id)}
    report = validate_descriptor(raw, today=today)
    return raw, _with_duplicate_check(session, report, institution_id, own_id, raw)


def _with_duplicate_check(
    session: Session,
    report: ValidationReport,
    institution_id: int,
    own_id: int | None,
    raw: dict[str, Any],
) -> ValidationReport:
    """The provider's own code must be unique within the institution (it keys re-imports)."""
    content = report.descriptor or PartialDescriptor(raw)
    code = content.external_id
    if not code:
        return report
    query = select(Submission.title).where(
        Submission.institution_id == institution_id, Submission.external_id == code
    )
    if own_id is not None:
        query = query.where(col(Submission.id) != own_id)
    other = session.exec(query).first()
    if other is None:
        return report
    issue = Issue(
        "external_id",
        Severity.ERROR,
        "duplicate",
        f"Your institution already uses the code {code} for “{other}”; give this one another code.",
    )
    return ValidationReport((*report.issues, issue), None)


def _code_taken(code: object) -> Saved:
    issue = Issue(
        "external_id",
        Severity.ERROR,
        "duplicate",
        f"Another micro-credential of your institution was saved with the code {code} a "
        "moment ago; give this one another code.",
    )
    return Saved(ValidationReport((issue,), None))
