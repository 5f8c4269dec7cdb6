"""Storing rubric versions: immutable rows identified by their content hash."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.errors import NotFound
from qa.domain.rubric import Rubric, parse_rubric
from qa.persistence.db import Database
from qa.persistence.models import RubricVersion
from qa.services.rubrics.rubric_files import load_rubric_file, rubric_files


@dataclass(frozen=True)
class StoredRubric:
    row: RubricVersion
    created: bool


def store_rubric(db: Database, actor: Actor, rubric: Rubric, source: str) -> StoredRubric:
    """Store a rubric version unless the same content is already stored (idempotent)."""
    digest = rubric.content_hash()
    with db.write() as session:
        existing = session.exec(
            select(RubricVersion).where(RubricVersion.content_hash == digest)
        ).first()
        if existing is not None:
            return StoredRubric(existing, created=False)
        row = RubricVersion(
            rubric_key=rubric.key,
            version=rubric.version,
            title=rubric.title,
            content_hash=digest,
            content=rubric.content(),
            criteria_count=len(rubric.criteria),
            source=source[-255:],
        )
        session.add(row)
        session.flush()
        record(
            session,
            actor,
            "rubric.stored",
            entity_type="rubric_version",
            entity_id=row.id,
            after={
                "key": rubric.key,
                "version": rubric.version,
                "content_hash": digest,
                "criteria": len(rubric.criteria),
            },
        )
        session.commit()
        return StoredRubric(row, created=True)


def load_rubrics_from(db: Database, actor: Actor, path: Path) -> list[StoredRubric]:
    return [
        store_rubric(db, actor, load_rubric_file(file), file.name) for file in rubric_files(path)
    ]


def current_rubric(db: Database, key: str | None = None) -> tuple[RubricVersion, Rubric]:
    """The newest stored version (of `key`, or of any rubric)."""
    with db.session() as session:
        query = select(RubricVersion).order_by(col(RubricVersion.id).desc())
        if key:
            query = query.where(RubricVersion.rubric_key == key)
        row = session.exec(query).first()
    if row is None:
        raise NotFound("no rubric is stored yet; run `qa init`")
    return row, rubric_of(row)


def rubric_of(row: RubricVersion) -> Rubric:
    """The stored rubric version as a `Rubric` (parsed once per content hash, then cached)."""
    cached = _PARSED.get(row.content_hash)
    if cached is None:
        cached = _from_content(dict(row.content), f"rubric_version {row.id}")
        _PARSED[row.content_hash] = cached
    return cached


def cached_rubric(content_hash: str) -> Rubric | None:
    """The parsed rubric with this content hash, if this process has parsed it already."""
    return _PARSED.get(content_hash)


#: Stored versions never change, so a parsed rubric can be kept for the process's lifetime.
_PARSED: dict[str, Rubric] = {}


def _from_content(content: dict[str, object], source: str) -> Rubric:
    """Rebuild a `Rubric` from stored canonical content (same shape as a rubric file)."""
    data = {
        "schema": content["schema"],
        "rubric": {
            k: content[k] for k in ("key", "version", "title", "language", "description", "source")
        },
        "scale": {
            "cannot_judge_label": content["cannot_judge_label"],
            "cannot_judge_help": content["cannot_judge_help"],
            "levels": content["scale"],
        },
        "principles": content["principles"],
        "criteria": [
            {k: v for k, v in c.items() if not (k == "prescored_by" and v is None)}
            | {"levels": {str(n): text for n, text in enumerate(c["levels"])}}
            for c in content["criteria"]  # type: ignore[attr-defined]
        ],
    }
    return parse_rubric(data, source)
