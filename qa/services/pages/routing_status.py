"""Is routing keeping up? What the officer pipeline shows in both modes.

Read from the outbox itself, so it is the same whoever routes (the embedded runner or the
workers of a pool): when a message was last routed, how many wait, and how long the oldest
has waited. Routing is *behind* when a message has waited longer than `BEHIND_AFTER`
(the sweep runs every few seconds; a minute means no worker is routing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlmodel import col

from qa.domain.actor import Actor
from qa.domain.policy import require_officer
from qa.persistence.db import Database
from qa.persistence.models import OutboxMessage

#: A message waiting longer than this means routing has stopped or fallen behind.
BEHIND_AFTER = timedelta(minutes=1)


@dataclass(frozen=True)
class RoutingStatus:
    now: datetime
    last_routed_at: datetime | None
    waiting: int
    oldest_waiting_since: datetime | None

    @property
    def oldest_wait(self) -> timedelta | None:
        return None if self.oldest_waiting_since is None else self.now - self.oldest_waiting_since

    @property
    def behind(self) -> bool:
        wait = self.oldest_wait
        return wait is not None and wait > BEHIND_AFTER

    @property
    def last_routed_ago(self) -> timedelta | None:
        return None if self.last_routed_at is None else self.now - self.last_routed_at


def routing_status(db: Database, actor: Actor, *, now: datetime) -> RoutingStatus:
    require_officer(actor)
    with db.session() as session:
        last = session.execute(sql_select(func.max(col(OutboxMessage.processed_at)))).scalar()
        waiting, oldest = session.execute(
            sql_select(func.count(), func.min(col(OutboxMessage.created_at))).where(
                col(OutboxMessage.status) == "pending"
            )
        ).one()
    return RoutingStatus(
        now=now,
        last_routed_at=last,
        waiting=int(waiting),
        oldest_waiting_since=oldest,
    )
