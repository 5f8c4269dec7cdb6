"""The SQL store on SQLite and PostgreSQL: schema, immutability, locking, time zones."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import StatementError
from sqlmodel import SQLModel, select

from qa.config import bundled_rubrics_dir
from qa.domain.actor import Actor
from qa.domain.errors import Conflict, IllegalTransition
from qa.persistence.db import Database
from qa.persistence.locking import update_versioned
from qa.persistence.migrate import current_revision, head_revision
from qa.persistence.models import (
    AuditEntry,
    Institution,
    OutboxMessage,
    RubricVersion,
    StageChange,
    Submission,
)
from qa.services.rubrics.rubric_files import load_rubric_file
from qa.services.rubrics.rubrics import current_rubric, load_rubrics_from, rubric_of, store_rubric
from qa.services.submissions.submissions import submit_descriptor


def test_migrations_build_exactly_the_schema_the_models_declare(db: Database) -> None:
    assert current_revision(db) == head_revision(db)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_a_rubric_version_is_stored_once_and_never_changes(db: Database, actor: Actor) -> None:
    first = load_rubrics_from(db, actor, bundled_rubrics_dir())
    again = load_rubrics_from(db, actor, bundled_rubrics_dir())
    assert [s.created for s in first] == [True] and [s.created for s in again] == [False]

    with db.session() as session:
        row = session.exec(select(RubricVersion)).one()
        row.title = "edited behind the product's back"
        session.add(row)
        with pytest.raises(Conflict, match="immutable"):
            session.commit()

    stored, rubric = current_rubric(db)
    assert stored.content_hash == rubric.content_hash() == first[0].row.content_hash
    assert rubric_of(stored).criteria == rubric.criteria


def test_a_changed_rubric_is_a_new_version(db: Database, actor: Actor, tmp_path: Any) -> None:
    source = next(bundled_rubrics_dir().glob("*.toml"))
    changed = tmp_path / "v2.toml"
    changed.write_text(
        source.read_text("utf-8").replace('version = "1.0.0"', 'version = "1.1.0"'), "utf-8"
    )
    store_rubric(db, actor, load_rubric_file(source), source.name)
    newer = store_rubric(db, actor, load_rubric_file(changed), changed.name)
    assert newer.created
    assert current_rubric(db)[0].version == "1.1.0"


def test_optimistic_locking_refuses_a_stale_update(db: Database, actor: Actor) -> None:
    with db.write() as session:
        session.add(Institution(code="X", name="X", country="PT"))
        session.flush()
        sub = Submission(institution_id=1, title="t")
        session.add(sub)
        session.commit()
    assert sub.id is not None
    with db.write() as session:
        update_versioned(session, Submission, sub.id, 1, {"title": "first"}, what="submission")
        session.commit()
    with db.write() as session, pytest.raises(Conflict, match="changed by someone else"):
        update_versioned(session, Submission, sub.id, 1, {"title": "second"}, what="submission")
    with db.session() as session:
        stored = session.get(Submission, sub.id)
        assert stored is not None and (stored.title, stored.version) == ("first", 2)


def test_times_are_stored_and_read_back_as_utc(db: Database) -> None:
    lisbon_summer = datetime(2027, 7, 1, 14, 30, tzinfo=timezone(timedelta(hours=1)))
    with db.write() as session:
        session.add(Institution(code="T", name="T", country="PT", created_at=lisbon_summer))
        session.commit()
    with db.session() as session:
        stored = session.exec(select(Institution)).one()
    assert stored.created_at == lisbon_summer
    assert stored.created_at.utcoffset() == timedelta(0)
    naive = datetime(2027, 1, 1)  # noqa: DTZ001 (the point of the test)
    with db.write() as session:
        session.add(Institution(code="N", name="N", country="PT", created_at=naive))
        with pytest.raises(StatementError, match="naive datetime"):
            session.commit()


def test_sqlite_connections_get_the_documented_pragmas(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as connection:
        pragma = {
            name: connection.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }
    assert pragma == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 10_000,
        "synchronous": 1,
    }


def test_submitting_a_draft_records_stage_audit_and_outbox(
    provider_db: Database,
    actor: Actor,
    today: date,
    draft: Submission,
) -> None:
    sub = draft
    assert sub.id is not None

    submitted = submit_descriptor(
        provider_db, actor, sub.id, expected_version=sub.version, today=today
    )

    assert (submitted.stage, submitted.version) == ("submitted", sub.version + 1)
    assert submitted.rubric_version_id == current_rubric(provider_db)[0].id
    with provider_db.session() as session:
        change = session.exec(select(StageChange)).one()
        audit = session.exec(
            select(AuditEntry).where(AuditEntry.action == "submission.submit")
        ).one()
        outbox = session.exec(select(OutboxMessage)).one()
    assert (change.from_stage, change.to_stage) == ("draft", "submitted")
    assert audit.before == {"stage": "draft", "round": 1} and audit.after is not None
    assert audit.after["stage"] == "submitted" and audit.actor_label == actor.label
    assert (outbox.topic, outbox.submission_id, outbox.status) == (
        "submission.stage_changed",
        sub.id,
        "pending",
    )
    with pytest.raises(IllegalTransition, match="cannot submit a submission that is submitted"):
        submit_descriptor(
            provider_db, actor, sub.id, expected_version=submitted.version, today=today
        )


def test_a_stale_submit_is_a_conflict_and_changes_nothing(
    provider_db: Database,
    actor: Actor,
    today: date,
    draft: Submission,
) -> None:
    sub = draft
    assert sub.id is not None
    with pytest.raises(Conflict):
        submit_descriptor(provider_db, actor, sub.id, expected_version=sub.version + 5, today=today)
    with provider_db.session() as session:
        assert session.exec(select(Submission)).one().stage == "draft"
        assert session.exec(select(OutboxMessage)).all() == []


def test_submit_revalidates_against_today(
    provider_db: Database,
    actor: Actor,
    draft: Submission,
) -> None:
    sub = draft
    assert sub.id is not None
    # Years later the planned issue date is long past; the descriptor is still valid
    # (a warning), so submission goes through.
    later = submit_descriptor(
        provider_db, actor, sub.id, expected_version=sub.version, today=date(2040, 1, 1)
    )
    assert later.stage == "submitted"
    assert datetime.now(UTC) - later.updated_at < timedelta(minutes=1)


def test_sqlite_write_sessions_take_the_write_lock_up_front(sqlite_db: Database) -> None:
    """Two writers queue on the lock instead of failing half-way through a transaction."""
    path = sqlite_db.url.database
    assert path is not None
    with sqlite_db.write():
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    with sqlite_db.session() as session:  # plain sessions read without locking writers out
        session.exec(select(Institution)).all()
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        other.close()
