"""Audit trail, outbox, notifications and import runs: the records around every change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from qa.persistence.models.columns import json_field, json_nullable, now_field, timestamp


class AuditEntry(SQLModel, table=True):
    """Who did what, when, with the state before and after.

    Entries are written unsealed; `qa.audit.chain.seal` later gives each its chain
    position `seq`, the previous entry's hash and its own (see docs/audit-pack.md).
    """

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = now_field()
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    actor_label: str = Field(max_length=200)  # "admin (cli)", "system: routing", ...
    action: str = Field(max_length=64, index=True)
    entity_type: str = Field(max_length=32)
    entity_id: str = Field(max_length=64)
    submission_id: int | None = Field(default=None, foreign_key="submission.id", index=True)
    before: dict[str, Any] | None = json_nullable()
    after: dict[str, Any] | None = json_nullable()
    seq: int | None = Field(default=None, unique=True, index=True)
    prev_hash: str | None = Field(default=None, max_length=64)
    entry_hash: str | None = Field(default=None, max_length=64)


class OutboxMessage(SQLModel, table=True):
    """Written in the same transaction as the change it announces; routing drains it."""

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = now_field()
    topic: str = Field(max_length=64, index=True)
    submission_id: int | None = Field(default=None, foreign_key="submission.id", index=True)
    payload: dict[str, Any] = json_field(dict)
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    status: str = Field(default="pending", max_length=16, index=True)  # pending|done|failed
    attempts: int = Field(default=0)
    claimed_at: datetime | None = timestamp()
    claimed_by: str | None = Field(default=None, max_length=100)
    processed_at: datetime | None = timestamp()
    last_error: str | None = Field(default=None)


class Notification(SQLModel, table=True):
    """A message to a person; `key` makes sending exactly-once."""

    __tablename__ = "notification"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    recipient_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    recipient_email: str = Field(max_length=254)
    subject: str = Field(max_length=255)
    body: str
    submission_id: int | None = Field(default=None, foreign_key="submission.id", index=True)
    created_at: datetime = now_field()
    sent_at: datetime | None = timestamp()
    channel: str = Field(default="log", max_length=16)  # smtp | log
    #: Delivery is a leased outbox of its own (qa.services.automation.delivery): who holds the
    #: message and until when, how often it was tried, why it last failed, when to try again, and
    #: when it was given up (a dead letter officers can retry).
    claimed_by: str | None = Field(default=None, max_length=120)
    claimed_until: datetime | None = timestamp(index=True)
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=2000)
    next_attempt_at: datetime | None = timestamp()
    dead_at: datetime | None = timestamp()


class ImportRun(SQLModel, table=True):
    """One catalogue import: the file's hash and what happened to its rows."""

    __tablename__ = "import_run"

    id: int | None = Field(default=None, primary_key=True)
    file_name: str = Field(max_length=255)
    file_sha256: str = Field(max_length=64)
    mode: str = Field(max_length=16)  # all_or_nothing | partial
    actor_label: str = Field(max_length=200)
    started_at: datetime = now_field()
    finished_at: datetime | None = timestamp()
    rows: int = Field(default=0)
    created: int = Field(default=0)
    updated: int = Field(default=0)
    unchanged: int = Field(default=0)
    rejected: int = Field(default=0)
    outcome: str = Field(default="running", max_length=16)  # applied | rejected
    problems: list[dict[str, Any]] = json_field(list)
