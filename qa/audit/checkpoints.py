"""Signed checkpoints: the chain head (position, entry hash, time) signed with the office's key.

The chain alone cannot show that its newest entries were deleted, or that its tail was
re-hashed consistently: whoever holds the database can do both. A checkpoint, signed with
the office's Ed25519 key and copied into every audit pack, can: the live chain must still
hold, at each checkpoint's position, the entry hash that was signed. The signed bytes are
the canonical JSON of `{"type": "qa-audit-checkpoint", "seq", "entry_hash", "at"}` (sorted
keys, no spaces, UTF-8; `at` in UTC as `YYYY-MM-DDTHH:MM:SSZ`), so anyone can check a
checkpoint with the public key alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, true
from sqlmodel import Session, col, select

from qa.audit.chain import ChainBroken, chain_head, check_sealed_part
from qa.audit.signing import PublicKey, SigningKey
from qa.domain.errors import InvalidInput
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.models import AuditCheckpoint, AuditEntry

KIND = "qa-audit-checkpoint"
#: The workers' cadence: a signed checkpoint at least this often while the chain grows
#: (sealing re-checks the chain from the newest checkpoint, so this also bounds that work).
CHECKPOINT_EVERY = timedelta(hours=6)
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint as a pack or an agency holds it (no database id needed)."""

    seq: int
    entry_hash: str
    at: str  # UTC, whole seconds: YYYY-MM-DDTHH:MM:SSZ
    key_fingerprint: str
    signature: str
    label: str = ""  # how a report names it: "checkpoint 7", "pack checkpoint 3", "--head"

    def signed_bytes(self) -> bytes:
        return signed_bytes(self.seq, self.entry_hash, self.at)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "entry_hash": self.entry_hash,
            "at": self.at,
            "key_fingerprint": self.key_fingerprint,
            "signature": self.signature,
        }

    @classmethod
    def of(cls, row: AuditCheckpoint) -> Checkpoint:
        return cls(
            row.seq,
            row.entry_hash,
            utc_text(row.at),
            row.key_fingerprint,
            row.signature,
            f"checkpoint {row.id}",
        )


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def signed_bytes(seq: int, head_hash: str, at: str) -> bytes:
    """The exact bytes a checkpoint's signature covers."""
    data = {"type": KIND, "seq": seq, "entry_hash": head_hash, "at": at}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def write_checkpoint(db: Database, key: SigningKey, *, reason: str) -> AuditCheckpoint:
    """Sign and store the current head. The sealed part since the previous checkpoint is
    checked first: a checkpoint never vouches for a broken chain (`ChainBroken`)."""
    with db.write() as session:
        check_sealed_part(session)
        seq, head = chain_head(session)
        at = clock.now(session).replace(microsecond=0)
        row = AuditCheckpoint(
            seq=seq,
            entry_hash=head,
            at=at,
            key_fingerprint=key.public.fingerprint,
            signature=key.sign(signed_bytes(seq, head, utc_text(at))),
            reason=reason[:64],
        )
        session.add(row)
        session.commit()
        session.refresh(row)
        return row


def checkpoint_if_due(
    db: Database, key: SigningKey, *, every: timedelta, reason: str = "worker"
) -> AuditCheckpoint | None:
    """A checkpoint when the head moved since the newest one and that one is `every` old."""
    with db.session() as session:
        seq, _ = chain_head(session)
        newest = _newest(session)
        now = clock.now(session)
    if seq == 0 or (newest is not None and (newest.seq >= seq or now - newest.at < every)):
        return None
    return write_checkpoint(db, key, reason=reason)


def list_checkpoints(db: Database) -> list[AuditCheckpoint]:
    with db.session() as session:
        return list(session.exec(select(AuditCheckpoint).order_by(col(AuditCheckpoint.id))))


def pack_checkpoints(
    session: Session, start: datetime, end: datetime, as_of: int | None = None
) -> list[Checkpoint]:
    """The checkpoints made in [start, end), and the newest one (made for the pack).

    With `as_of`, only checkpoints of chain positions up to it (a rebuild of an old pack).
    """
    upto = true() if as_of is None else col(AuditCheckpoint.seq) <= as_of
    rows = list(
        session.exec(
            select(AuditCheckpoint)
            .where(col(AuditCheckpoint.at) >= start, col(AuditCheckpoint.at) < end, upto)
            .order_by(col(AuditCheckpoint.id))
        )
    )
    newest = _newest(session, upto)
    if newest is not None and all(row.id != newest.id for row in rows):
        rows.append(newest)
    return [Checkpoint.of(row) for row in rows]


def pack_document(checkpoints: Sequence[Checkpoint]) -> str:
    """checkpoints.json: how to check them, and the checkpoints in the order they were made."""
    return (
        json.dumps(
            {
                "signed_bytes": (
                    'canonical JSON of {"type": "' + KIND + '", "seq", "entry_hash", "at"}: '
                    "sorted keys, separators ',' and ':', UTF-8; Ed25519, base64 signature"
                ),
                "checkpoints": [c.as_dict() for c in checkpoints],
            },
            indent=2,
            sort_keys=True,
            ensure_ascii=False,
        )
        + "\n"
    )


def parse_pack_document(text: bytes, source: str) -> list[Checkpoint]:
    """The checkpoints of a pack's checkpoints.json; InvalidInput naming what is wrong."""
    try:
        data = json.loads(text)
        items = data["checkpoints"]
        if not isinstance(items, list):
            raise TypeError("checkpoints is not a list")
        return [
            Checkpoint(
                int(item["seq"]),
                str(item["entry_hash"]),
                str(item["at"]),
                str(item["key_fingerprint"]),
                str(item["signature"]),
                f"{source} checkpoint {n} (position {item['seq']})",
            )
            for n, item in enumerate(items, start=1)
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"{source}: not a checkpoints document ({exc})") from exc


def parse_head(text: str) -> Checkpoint:
    """`SEQ:HASH` as an agency copies it from a pack or an earlier report."""
    seq_text, _, head = text.strip().partition(":")
    head = head.strip().lower()
    if not seq_text.strip().isdigit() or len(head) != 64 or not set(head) <= _HEX:
        raise InvalidInput(
            f"--head {text!r}: write the head as SEQ:HASH (a chain position, a colon and the "
            "64 hex digits of the entry hash)"
        )
    return Checkpoint(int(seq_text), head, "", "", "", f"head {seq_text.strip()}")


def chain_problems(db: Database, checkpoints: Iterable[Checkpoint]) -> list[str]:
    """Each checkpoint the live chain does not extend: its entry missing or re-hashed.

    One query per 500 checkpoints; the chain's own links are `verify`'s business."""
    wanted = list(checkpoints)
    found: dict[int, str | None] = {}
    with db.session() as session:
        positions = sorted({c.seq for c in wanted})
        for start in range(0, len(positions), 500):
            part = positions[start : start + 500]
            found.update(
                session.exec(
                    select(AuditEntry.seq, AuditEntry.entry_hash).where(
                        col(AuditEntry.seq).in_(part)
                    )
                ).all()  # type: ignore[arg-type]
            )
    problems = []
    for checkpoint in wanted:
        if checkpoint.seq == 0:
            continue
        stored = found.get(checkpoint.seq)
        if stored is None:
            problems.append(
                f"{checkpoint.label}: the chain has no entry at position {checkpoint.seq} "
                f"(signed {checkpoint.at or 'by the agency'}): entries were deleted from the end"
            )
        elif stored != checkpoint.entry_hash:
            problems.append(
                f"{checkpoint.label}: the entry at position {checkpoint.seq} has hash "
                f"{stored}, not {checkpoint.entry_hash}: the chain was rewritten after it"
            )
    return problems


def signature_problems(checkpoints: Iterable[Checkpoint], keys: Sequence[PublicKey]) -> list[str]:
    """Each checkpoint whose signature does not verify with the key it names."""
    by_fingerprint = {key.fingerprint: key for key in keys}
    problems = []
    for checkpoint in checkpoints:
        key = by_fingerprint.get(checkpoint.key_fingerprint)
        if key is None:
            problems.append(
                f"{checkpoint.label}: signed with key {checkpoint.key_fingerprint or '(none)'}, "
                "which is not a key known here (give its public key with --key)"
            )
        elif not key.verify(checkpoint.signed_bytes(), checkpoint.signature):
            problems.append(
                f"{checkpoint.label}: the signature is not valid (the checkpoint was forged "
                "or changed)"
            )
    return problems


def _newest(session: Session, upto: ColumnElement[bool] | None = None) -> AuditCheckpoint | None:
    """The newest checkpoint (among those `upto` admits)."""
    query = select(AuditCheckpoint).order_by(col(AuditCheckpoint.id).desc()).limit(1)
    return session.exec(query if upto is None else query.where(upto)).first()


__all__ = [
    "ChainBroken",
    "Checkpoint",
    "chain_problems",
    "checkpoint_if_due",
    "list_checkpoints",
    "pack_checkpoints",
    "pack_document",
    "parse_head",
    "parse_pack_document",
    "signature_problems",
    "write_checkpoint",
]
