"""Field helpers so every table declares timestamps and JSON the same way."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column
from sqlmodel import Field

from qa.persistence.clock import STAMP_ON_INSERT
from qa.persistence.types import JSONType, UTCDateTime


def now_field() -> Any:
    """A required timestamp that, left empty, gets the session clock's "now" on insert."""
    return Field(
        default=None,
        sa_type=UTCDateTime,
        nullable=False,
        sa_column_kwargs={"info": {STAMP_ON_INSERT: True}},
    )


def timestamp(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def json_field(default_factory: Any = dict) -> Any:
    return Field(default_factory=default_factory, sa_column=Column(JSONType, nullable=False))


def json_nullable() -> Any:
    return Field(default=None, sa_column=Column(JSONType, nullable=True))


def version_field() -> Any:
    """Optimistic-lock counter; bumped by `qa.persistence.locking.update_versioned`."""
    return Field(default=1, nullable=False)


__all__ = ["json_field", "json_nullable", "timestamp", "version_field"]
