"""Audit packs built for QA agencies: the request, its progress and the stored file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from qa.persistence.models.columns import json_field, json_nullable, now_field, timestamp


class AuditPack(SQLModel, table=True):
    """One pack: queued → building → ready (or failed); the file lives in the data folder."""

    __tablename__ = "audit_pack"

    id: int | None = Field(default=None, primary_key=True)
    requested_by: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    requested_at: datetime = now_field()
    #: The requester's organisation when they asked (an agency's packs are shared within it).
    organisation_id: int | None = Field(default=None, foreign_key="institution.id", index=True)
    #: The filter as plain data: date_from, date_to, provider, decision.
    filter: dict[str, Any] = json_field(dict)
    reveal_reviewers: bool = Field(default=False)
    #: Set for scheduled packs ("monthly:2026-10") so a schedule builds each period once.
    schedule_key: str | None = Field(default=None, max_length=64, unique=True)
    status: str = Field(default="queued", max_length=16, index=True)
    progress_done: int = Field(default=0)
    progress_total: int = Field(default=0)
    started_at: datetime | None = timestamp()
    finished_at: datetime | None = timestamp()
    file_name: str | None = Field(default=None, max_length=255)
    size_bytes: int | None = Field(default=None)
    sha256: str | None = Field(default=None, max_length=64)
    manifest_sha256: str | None = Field(default=None, max_length=64)
    chain_head: str | None = Field(default=None, max_length=64)
    row_counts: dict[str, Any] | None = json_nullable()
    error: str | None = Field(default=None, max_length=2000)
