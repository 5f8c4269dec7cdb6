"""The tamper-evident audit trail: every entry is chained to the one before it.

Entries are written without a hash, in the transaction of the change they describe, so
audited writes never queue on a shared chain head. `seal` then gives every unsealed
entry, in id order, the next chain position (`seq`), the previous entry's hash and its
own hash: SHA-256 of its canonical JSON, which includes the previous hash. The worker
seals after every poll and before every audit pack, so an entry is normally sealed
within a second of its commit. `verify` recomputes the chain from the start and reports
the first link that does not hold: an edited, deleted or re-ordered entry breaks it.

Sealing never re-seals: it only writes entries that have no position and no hash (the
UPDATE says so, so two sealers cannot both write one), and it first checks the sealed part
it extends: from the newest signed checkpoint (whose entry must still carry the signed
hash) to the head (`full=True`: from the start). A broken chain is refused with the entry
named, never extended, so sealing cannot paper over an edit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, text, update
from sqlmodel import Session, col, select

from qa.domain.errors import QAError
from qa.persistence.db import Database
from qa.persistence.models import AuditCheckpoint, AuditEntry

GENESIS = "0" * 64
#: Arbitrary key of the PostgreSQL advisory lock that makes sealing single-file.
_SEAL_LOCK = 7_305_114_233


def canonical(entry: AuditEntry, seq: int, prev_hash: str) -> bytes:
    """The bytes an entry's hash covers: every column except the hash itself."""
    data: dict[str, Any] = {
        "seq": seq,
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "submission_id": entry.submission_id,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": prev_hash,
    }
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode("utf-8")


def entry_hash(entry: AuditEntry, seq: int, prev_hash: str) -> str:
    return hashlib.sha256(canonical(entry, seq, prev_hash)).hexdigest()


def chain_head(session: Session) -> tuple[int, str]:
    """The last sealed position and its hash (0 and the genesis hash when empty)."""
    row = session.exec(
        select(AuditEntry.seq, AuditEntry.entry_hash)
        .where(col(AuditEntry.seq).is_not(None))
        .order_by(col(AuditEntry.seq).desc())
        .limit(1)
    ).first()
    if row is None or row[0] is None or row[1] is None:
        return 0, GENESIS
    return row[0], row[1]


def has_unsealed(db: Database) -> bool:
    """A cheap read (the `seq` index) so a poller takes the write lock only when needed."""
    with db.session() as session:
        return (
            session.exec(
                select(AuditEntry.id).where(col(AuditEntry.seq).is_(None)).limit(1)
            ).first()
            is not None
        )


#: Only an entry without a hash is ever given one: never re-seal.
_SEAL_ONE = (
    update(AuditEntry)
    .where(col(AuditEntry.id) == bindparam("eid"), col(AuditEntry.entry_hash).is_(None))
    .values(seq=bindparam("s"), prev_hash=bindparam("p"), entry_hash=bindparam("h"))
)


class ChainBroken(QAError):
    """The sealed part of the chain does not verify: sealing refuses to extend it."""


def seal(db: Database, *, batch: int = 2_000, full: bool = False) -> int:
    """Chain every unsealed entry; returns how many were sealed.

    Raises `ChainBroken` (sealing nothing) when the sealed part does not verify: from the
    newest checkpoint on, or from the start with `full`.
    """
    total, checked = 0, False
    while True:
        with db.write() as session:
            if not db.is_sqlite:  # SQLite's BEGIN IMMEDIATE already makes this single-file
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SEAL_LOCK})
            rows = session.exec(
                select(AuditEntry)
                .where(col(AuditEntry.seq).is_(None))
                .order_by(col(AuditEntry.id))
                .limit(batch)
            ).all()
            if not rows:
                return total
            if not checked:  # later batches extend what this call has just written
                check_sealed_part(session, full=full)
                checked = True
            seq, prev = chain_head(session)
            values = []
            for entry in rows:
                if entry.entry_hash is not None or entry.prev_hash is not None:
                    raise ChainBroken(
                        f"audit entry {entry.id} has a hash but no chain position: it was "
                        "sealed before and its position removed; it is not sealed again"
                    )
                seq += 1
                new_hash = entry_hash(entry, seq, prev)
                values.append({"eid": entry.id, "s": seq, "p": prev, "h": new_hash})
                prev = new_hash
            written = session.connection().execute(_SEAL_ONE, values)
            if written.rowcount not in (-1, len(values)):
                raise ChainBroken("audit entries were sealed by someone else meanwhile")
            session.commit()
        total += len(rows)
        if len(rows) < batch:
            return total


def check_sealed_part(session: Session, *, full: bool = False, chunk: int = 5_000) -> None:
    """Raise `ChainBroken` unless the sealed chain verifies from its newest checkpoint (the
    checkpoint's entry must still carry the signed hash) or, with `full`, from the start."""
    start_seq, prev = 0, GENESIS
    if not full:
        anchor = session.exec(
            select(AuditCheckpoint).order_by(col(AuditCheckpoint.seq).desc()).limit(1)
        ).first()
        if anchor is not None and anchor.seq > 0:
            stored = session.exec(
                select(AuditEntry.entry_hash).where(AuditEntry.seq == anchor.seq)
            ).first()
            if stored != anchor.entry_hash:
                what = "is missing" if stored is None else "has another hash"
                raise ChainBroken(
                    f"checkpoint {anchor.id}: the entry at chain position {anchor.seq} {what} "
                    "(the chain was cut or re-sealed after the checkpoint was signed)"
                )
            start_seq, prev = anchor.seq, anchor.entry_hash
    rows = session.exec(
        select(AuditEntry)
        .where(col(AuditEntry.seq) > start_seq)
        .order_by(col(AuditEntry.seq))
        .execution_options(yield_per=chunk)
    )
    expected = start_seq
    try:
        for entry in rows:
            expected += 1
            problem = _link_problem(entry, expected, prev)
            if problem:
                raise ChainBroken(f"{problem}; nothing was sealed")
            prev = entry.entry_hash or ""
    finally:
        rows.close()


@dataclass(frozen=True)
class ChainReport:
    checked: int
    unsealed: int
    head_seq: int
    head_hash: str
    broken_at: int | None = None  # the chain position (seq) of the first bad link
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(db: Database, *, chunk: int = 5_000) -> ChainReport:
    """Recompute the whole chain; the report names the first link that does not hold."""
    expected_seq, prev, checked = 0, GENESIS, 0
    with db.session() as session:
        unsealed = session.exec(
            select(func.count()).select_from(AuditEntry).where(col(AuditEntry.seq).is_(None))
        ).one()
        rows = session.exec(
            select(AuditEntry)
            .where(col(AuditEntry.seq).is_not(None))
            .order_by(col(AuditEntry.seq))
            .execution_options(yield_per=chunk)
        )
        try:
            for entry in rows:
                expected_seq += 1
                assert entry.seq is not None
                problem = _link_problem(entry, expected_seq, prev)
                if problem:
                    return ChainReport(
                        checked, unsealed, expected_seq - 1, prev, entry.seq, problem
                    )
                prev = entry.entry_hash or ""
                checked += 1
                session.expunge(entry)
        finally:
            rows.close()  # a server-side cursor on PostgreSQL when we stop early
    return ChainReport(checked, unsealed, expected_seq, prev)


def _link_problem(entry: AuditEntry, expected_seq: int, prev: str) -> str | None:
    assert entry.seq is not None
    where = f"audit entry {entry.id} (chain position {entry.seq})"
    if entry.seq != expected_seq:
        return (
            f"{where}: expected chain position {expected_seq}; entries "
            f"{expected_seq}..{entry.seq - 1} are missing"
        )
    if entry.prev_hash != prev:
        return f"{where}: it does not point to the entry before it (previous hash differs)"
    if entry.entry_hash != entry_hash(entry, entry.seq, prev):
        return f"{where}: its content was changed after it was sealed (hash differs)"
    return None
