"""The clock inside a session: timestamps written in a transaction come from it.

`Database` opens every session with its clock in `session.info`; `now(session)` reads it,
and rows whose "created"/"updated" columns were left empty get that instant when the
session flushes, so no column default reads the time on its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper
from sqlmodel import Session

from qa.domain.clock import Clock

CLOCK_KEY = "qa.clock"
#: Column `info` flag of the columns stamped on insert (see `qa.persistence.models.columns`).
STAMP_ON_INSERT = "qa.stamp_on_insert"
_stamped: dict[Mapper[Any], tuple[str, ...]] = {}


def session_clock(session: Session) -> Clock:
    """The clock of a session opened by `Database`."""
    try:
        clock: Clock = session.info[CLOCK_KEY]
    except KeyError:
        raise RuntimeError("this session was not opened by qa.persistence.db.Database") from None
    return clock


def now(session: Session) -> datetime:
    """The current instant by the session's clock."""
    return session_clock(session).now()


def _stamped_attributes(mapper: Mapper[Any]) -> tuple[str, ...]:
    if mapper not in _stamped:
        _stamped[mapper] = tuple(
            attribute.key
            for attribute in mapper.column_attrs
            if any(column.info.get(STAMP_ON_INSERT) for column in attribute.columns)
        )
    return _stamped[mapper]


@event.listens_for(Session, "before_flush")
def _stamp_new_rows(session: Session, _context: Any, _instances: Any) -> None:
    stamp: datetime | None = None
    for obj in session.new:
        for key in _stamped_attributes(inspect(obj).mapper):
            if getattr(obj, key) is None:
                stamp = stamp or now(session)
                setattr(obj, key, stamp)
