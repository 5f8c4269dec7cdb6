"""Everything `qa audit verify` checks: the chain, the checkpoints, and the state.

1. the hash chain recomputes from the start (`chain.verify`);
2. every stored checkpoint is signed by a known key and still extended by the live chain,
   and so is every head the caller holds (`--head`, or a pack's checkpoints);
3. the current state equals the replayed trail (`reconcile`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qa.audit.chain import ChainReport, verify
from qa.audit.checkpoints import (
    Checkpoint,
    chain_problems,
    list_checkpoints,
    signature_problems,
)
from qa.audit.reconcile import ReconcileReport, reconcile
from qa.audit.signing import PublicKey
from qa.persistence.db import Database


@dataclass(frozen=True)
class AuditVerdict:
    chain: ChainReport
    checkpoints: int
    checkpoint_problems: list[str]
    reconciliation: ReconcileReport

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.checkpoint_problems and self.reconciliation.ok


def verify_everything(
    db: Database, keys: Sequence[PublicKey], held: Sequence[Checkpoint] = ()
) -> AuditVerdict:
    """`held` are heads from outside (an agency's, a pack's): checked like stored ones;
    those without a signature (a bare `SEQ:HASH`) are checked against the chain only."""
    stored = [Checkpoint.of(row) for row in list_checkpoints(db)]
    signed = [*stored, *(c for c in held if c.signature)]
    problems = signature_problems(signed, keys) + chain_problems(db, [*stored, *held])
    return AuditVerdict(verify(db), len(stored) + len(held), problems, reconcile(db))
