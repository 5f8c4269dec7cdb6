"""The administrator's rubric page: stored versions, which is in use, what changed.

Rubric versions are immutable (identified by their content hash); each file pins the version
it was reviewed against, so a new version never changes a review in progress.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlmodel import col, select

from qa.domain.actor import Actor
from qa.domain.errors import NotFound
from qa.domain.policy import require_admin
from qa.domain.rubric_diff import CriterionChange, rubric_changes
from qa.persistence.db import Database
from qa.persistence.models import Assignment, RubricVersion, Submission
from qa.services.rubrics.rubrics import rubric_of


@dataclass(frozen=True)
class VersionRow:
    id: int
    key: str
    version: str
    title: str
    content_hash: str
    criteria: int
    source: str
    created_at: datetime
    active: bool  # the newest of its rubric: new files pin it
    files: int  # files pinned to it
    reviews: int  # reviewer assignments on those files


@dataclass(frozen=True)
class RubricDiff:
    old: VersionRow
    new: VersionRow
    changes: tuple[CriterionChange, ...]


def rubric_versions(db: Database, actor: Actor) -> list[VersionRow]:
    require_admin(actor)
    with db.session() as session:
        rows = session.exec(select(RubricVersion).order_by(col(RubricVersion.id).desc())).all()
        files = dict(
            session.execute(
                sql_select(col(Submission.rubric_version_id), func.count())
                .where(col(Submission.rubric_version_id).is_not(None))
                .group_by(col(Submission.rubric_version_id))
            ).all()
        )
        reviews = dict(
            session.execute(
                sql_select(col(Submission.rubric_version_id), func.count())
                .select_from(Assignment)
                .join(Submission, col(Submission.id) == col(Assignment.submission_id))
                .group_by(col(Submission.rubric_version_id))
            ).all()
        )
    newest: dict[str, int] = {}
    for row in rows:
        newest.setdefault(row.rubric_key, row.id or 0)
    return [
        VersionRow(
            id=row.id or 0,
            key=row.rubric_key,
            version=row.version,
            title=row.title,
            content_hash=row.content_hash,
            criteria=row.criteria_count,
            source=row.source,
            created_at=row.created_at,
            active=newest[row.rubric_key] == row.id,
            files=int(files.get(row.id, 0)),
            reviews=int(reviews.get(row.id, 0)),
        )
        for row in rows
    ]


def rubric_diff(db: Database, actor: Actor, old_id: int, new_id: int) -> RubricDiff:
    versions = {v.id: v for v in rubric_versions(db, actor)}
    if old_id not in versions or new_id not in versions:
        raise NotFound("there is no such rubric version")
    with db.session() as session:
        old, new = session.get(RubricVersion, old_id), session.get(RubricVersion, new_id)
    assert old is not None
    assert new is not None
    changes = rubric_changes(rubric_of(old), rubric_of(new))
    return RubricDiff(versions[old_id], versions[new_id], changes)
