"""Signed checkpoints of the audit chain: the head as it was, signed with the office's key."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from qa.persistence.models.columns import timestamp


class AuditCheckpoint(SQLModel, table=True):
    """The chain head (position and entry hash) at `at`, signed (see qa.audit.checkpoints).

    `at` is whole seconds, so the signed text survives every database's round trip.
    """

    __tablename__ = "audit_checkpoint"

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(index=True)
    entry_hash: str = Field(max_length=64)
    at: datetime = timestamp(nullable=False)
    key_fingerprint: str = Field(max_length=32)
    signature: str = Field(max_length=200)
    #: Why it was made: "worker" (daily), "pack <id>", "cli".
    reason: str = Field(default="", max_length=64)
