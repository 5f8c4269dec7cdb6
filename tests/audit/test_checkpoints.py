"""Signed checkpoints: truncation, re-sealing, forged signatures and foreign heads are caught."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from qa.audit.chain import ChainBroken, seal, verify
from qa.audit.checkpoints import (
    Checkpoint,
    chain_problems,
    checkpoint_if_due,
    list_checkpoints,
    pack_document,
    parse_head,
    parse_pack_document,
    signature_problems,
    write_checkpoint,
)
from qa.audit.signing import SigningKey
from qa.audit.verification import verify_everything
from qa.domain.errors import InvalidInput
from qa.persistence.db import Database
from qa.persistence.models import AuditEntry
from tests.audit.test_chain import _write
from tests.clock import now

KEY = SigningKey.generate()


def _sql(db: Database, statement: str, **params: object) -> None:
    with db.engine.begin() as connection:  # behind the product's back
        connection.execute(text(statement), params)


def _sealed_with_checkpoint(db: Database, entries: int = 8) -> Checkpoint:
    _write(db, entries)
    seal(db)
    return Checkpoint.of(write_checkpoint(db, KEY, reason="test"))


def _problems(db: Database, *held: Checkpoint) -> list[str]:
    verdict = verify_everything(db, [KEY.public], held)
    assert verdict.chain.ok == (not verdict.chain.problem)
    return verdict.checkpoint_problems


def test_a_checkpoint_signs_the_head_and_verifies_offline_with_the_public_key(
    db: Database,
) -> None:
    checkpoint = _sealed_with_checkpoint(db)
    assert (checkpoint.seq, checkpoint.entry_hash) == (8, verify(db).head_hash)
    assert checkpoint.key_fingerprint == KEY.public.fingerprint
    assert checkpoint.at == now().replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert KEY.public.verify(checkpoint.signed_bytes(), checkpoint.signature)
    assert (
        checkpoint.signed_bytes()
        == (
            '{"at":"' + checkpoint.at + '","entry_hash":"' + checkpoint.entry_hash + '",'
            '"seq":8,"type":"qa-audit-checkpoint"}'
        ).encode()
    )
    assert _problems(db) == []


def test_deleting_the_newest_entries_fails_verify_because_of_the_checkpoint(
    db: Database,
) -> None:
    _sealed_with_checkpoint(db)
    (row,) = list_checkpoints(db)
    _sql(db, "DELETE FROM audit_entry WHERE seq > 5")
    assert verify(db).ok  # the chain alone cannot see a cut tail
    problems = _problems(db)
    assert len(problems) == 1
    assert f"checkpoint {row.id}" in problems[0] and "no entry at position 8" in problems[0]
    _write(db, 1, start=8)
    with pytest.raises(ChainBroken, match=f"checkpoint {row.id}"):
        seal(db)  # and sealing will not grow a new tail over the cut
    assert verify(db).unsealed == 1


def test_a_tail_edited_and_re_sealed_fails_verify_and_seal_refuses(db: Database) -> None:
    _sealed_with_checkpoint(db)
    # The forger edits entry 6, strips the seals of 6..8 and lets the product re-seal them.
    _sql(db, "UPDATE audit_entry SET actor_label = 'nobody' WHERE seq = 6")
    _sql(db, "UPDATE audit_entry SET seq = NULL, prev_hash = NULL, entry_hash = NULL WHERE seq > 5")
    with pytest.raises(ChainBroken, match="chain position 8 is missing"):
        seal(db)
    assert verify(db).unsealed == 3  # nothing was re-sealed
    # Even a forger who re-hashes the tail by hand is caught by the signed checkpoint.
    _write_hashes_by_hand(db)
    assert verify(db).ok
    problems = _problems(db)
    assert len(problems) == 1 and "the chain was rewritten" in problems[0]


def _write_hashes_by_hand(db: Database) -> None:
    from qa.audit.chain import entry_hash

    with db.session() as session:
        prev = session.exec(select(AuditEntry.entry_hash).where(AuditEntry.seq == 5)).one()
        unsealed = session.exec(
            select(AuditEntry).where(col(AuditEntry.seq).is_(None)).order_by(col(AuditEntry.id))
        ).all()
        for seq, entry in enumerate(unsealed, start=6):
            digest = entry_hash(entry, seq, prev or "")
            _sql(
                db,
                "UPDATE audit_entry SET seq = :seq, prev_hash = :prev, entry_hash = :hash "
                "WHERE id = :id",
                seq=seq,
                prev=prev,
                hash=digest,
                id=entry.id,
            )
            prev = digest


def test_an_edit_after_the_checkpoint_is_refused_by_seal_and_stays_visible(
    db: Database,
) -> None:
    _sealed_with_checkpoint(db, entries=4)
    _write(db, 4, start=4)
    seal(db)
    victim = _entry_at(db, 6)
    _sql(db, "UPDATE audit_entry SET action = 'nothing' WHERE seq = 6")
    _write(db, 1, start=8)
    with pytest.raises(ChainBroken, match=f"audit entry {victim}"):
        seal(db)
    report = verify(db)
    assert not report.ok and report.broken_at == 6 and report.unsealed == 1


def test_an_edit_before_the_checkpoint_is_refused_by_a_full_seal(db: Database) -> None:
    _sealed_with_checkpoint(db, entries=4)
    victim = _entry_at(db, 2)
    _sql(db, "UPDATE audit_entry SET action = 'nothing' WHERE seq = 2")
    _write(db, 1, start=4)
    with pytest.raises(ChainBroken, match=f"audit entry {victim}"):
        seal(db, full=True)
    assert not verify(db).ok and verify(db).broken_at == 2


def test_an_entry_with_a_hash_but_no_position_is_never_sealed_again(db: Database) -> None:
    _write(db, 3)
    seal(db)
    _sql(db, "UPDATE audit_entry SET seq = NULL WHERE seq = 3")
    with pytest.raises(ChainBroken, match="sealed before"):
        seal(db)


def test_a_checkpoint_is_refused_over_a_broken_chain(db: Database) -> None:
    _sealed_with_checkpoint(db, entries=3)
    _write(db, 3, start=3)
    seal(db)
    _sql(db, "UPDATE audit_entry SET actor_label = 'x' WHERE seq = 5")
    with pytest.raises(ChainBroken, match="chain position 5"):
        write_checkpoint(db, KEY, reason="test")
    assert len(list_checkpoints(db)) == 1


def test_a_forged_or_changed_checkpoint_fails_its_signature(db: Database) -> None:
    _sealed_with_checkpoint(db, entries=3)
    (row,) = list_checkpoints(db)
    _sql(db, "UPDATE audit_checkpoint SET at = :at", at=now() + timedelta(days=1))
    problems = _problems(db)
    assert problems == [
        f"checkpoint {row.id}: the signature is not valid (the checkpoint was forged or changed)"
    ]
    stranger = SigningKey.generate()
    forged = Checkpoint(3, row.entry_hash, "2026-01-01T00:00:00Z", KEY.public.fingerprint, "")
    forged = Checkpoint(
        3, row.entry_hash, forged.at, KEY.public.fingerprint, stranger.sign(forged.signed_bytes())
    )
    assert "not valid" in signature_problems([forged], [KEY.public])[0]
    assert "not a key known here" in signature_problems([forged], [stranger.public])[0]


def test_a_head_the_chain_does_not_contain_fails(db: Database) -> None:
    checkpoint = _sealed_with_checkpoint(db, entries=3)
    assert chain_problems(db, [parse_head(f"3:{checkpoint.entry_hash}")]) == []
    problems = chain_problems(db, [parse_head("3:" + "ab" * 32)])
    assert problems and "head 3" in problems[0] and "rewritten" in problems[0]
    assert "no entry at position 9" in chain_problems(db, [parse_head(f"9:{'0' * 64}")])[0]
    for garbage in ("3", "x:" + "a" * 64, "3:abc", "3:" + "g" * 64):
        with pytest.raises(InvalidInput, match="SEQ:HASH"):
            parse_head(garbage)


def test_pack_checkpoints_round_trip_and_garbage_is_refused(db: Database) -> None:
    checkpoint = _sealed_with_checkpoint(db, entries=2)
    parsed = parse_pack_document(pack_document([checkpoint]).encode(), "pack.zip")
    assert [c.as_dict() for c in parsed] == [checkpoint.as_dict()]
    assert signature_problems(parsed, [KEY.public]) == []
    for garbage in (b"", b"[]", b'{"checkpoints": {}}', b'{"checkpoints": [{"seq": 1}]}'):
        with pytest.raises(InvalidInput, match="not a checkpoints document"):
            parse_pack_document(garbage, "pack.zip")


def test_checkpoints_are_due_only_when_the_head_moved_and_the_newest_is_old(
    db: Database,
) -> None:
    assert checkpoint_if_due(db, KEY, every=timedelta(0)) is None  # an empty chain
    _write(db, 2)
    seal(db)
    assert checkpoint_if_due(db, KEY, every=timedelta(days=1)) is not None  # the first one
    _write(db, 1, start=2)
    seal(db)
    assert checkpoint_if_due(db, KEY, every=timedelta(days=1)) is None  # too recent
    assert checkpoint_if_due(db, KEY, every=timedelta(0)) is not None  # the head moved
    assert checkpoint_if_due(db, KEY, every=timedelta(0)) is None  # it did not move since
    assert [c.seq for c in list_checkpoints(db)] == [2, 3]


def _entry_at(db: Database, seq: int) -> int:
    with db.session() as session:
        found = session.exec(select(AuditEntry.id).where(AuditEntry.seq == seq)).one()
    assert found is not None
    return found
