"""The tamper-evident audit trail: sealing, verification, and tampering behind our back."""

from __future__ import annotations

import itertools

from sqlalchemy import text
from sqlmodel import col, select

from qa.audit.chain import GENESIS, chain_head, seal, verify
from qa.audit.log import record
from qa.domain.actor import Actor
from qa.persistence.db import Database
from qa.persistence.models import AuditEntry

ACTOR = Actor.cli("auditor")


def _write(db: Database, n: int, start: int = 0) -> None:
    with db.write() as session:
        for i in range(start, start + n):
            record(
                session,
                ACTOR,
                "test.event",
                entity_type="thing",
                entity_id=i,
                before={"level": 1.5, "name": "Inês"} if i % 2 else None,
                after={"level": i, "note": "ünïcödé ✓", "list": [3, 1, 2]},
            )
        session.commit()


def _entries(db: Database) -> list[AuditEntry]:
    with db.session() as session:
        return list(session.exec(select(AuditEntry).order_by(col(AuditEntry.id))))


def test_sealing_chains_every_entry_and_verification_recomputes_it(db: Database) -> None:
    _write(db, 5)
    assert verify(db).unsealed == 5
    assert seal(db) == 5
    entries = _entries(db)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.entry_hash for a, b in itertools.pairwise(entries))
    report = verify(db)
    assert report.ok and report.checked == 5 and report.unsealed == 0
    with db.session() as session:
        assert chain_head(session) == (5, entries[-1].entry_hash)
    assert report.head_hash == entries[-1].entry_hash


def test_sealing_is_idempotent_and_later_entries_extend_the_chain(db: Database) -> None:
    _write(db, 3)
    seal(db)
    assert seal(db) == 0
    _write(db, 2, start=3)
    assert seal(db, batch=1) == 2  # several small batches continue the same chain
    assert verify(db).ok and verify(db).checked == 5


def test_an_edited_entry_breaks_the_chain_at_that_entry(db: Database) -> None:
    _write(db, 6)
    seal(db)
    victim = _entries(db)[3]
    with db.engine.begin() as connection:  # behind the product's back
        connection.execute(
            text("UPDATE audit_entry SET actor_label = 'someone else' WHERE id = :id"),
            {"id": victim.id},
        )
    report = verify(db)
    assert not report.ok
    assert report.broken_at == 4 and report.checked == 3
    assert report.problem is not None and "content was changed" in report.problem
    assert f"audit entry {victim.id}" in report.problem


def test_a_deleted_entry_is_reported_as_missing(db: Database) -> None:
    _write(db, 5)
    seal(db)
    victim = _entries(db)[1]
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": victim.id})
    report = verify(db)
    assert not report.ok and report.broken_at == 3
    assert report.problem is not None and "2..2 are missing" in report.problem


def test_a_rehashed_edit_is_still_caught_by_the_next_link(db: Database) -> None:
    """Recomputing the edited entry's own hash does not help: the next entry points back."""
    _write(db, 4)
    seal(db)
    victim = _entries(db)[1]
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_entry SET entry_hash = :h WHERE id = :id"),
            {"h": "f" * 64, "id": victim.id},
        )
    report = verify(db)
    assert not report.ok and report.broken_at == 2  # its own hash no longer matches


def test_an_empty_trail_verifies(db: Database) -> None:
    with db.session() as session:
        assert chain_head(session) == (0, GENESIS)
    report = verify(db)
    assert report.ok and report.checked == 0 and report.head_hash == GENESIS
