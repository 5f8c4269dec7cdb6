"""Handing queued notifications to a transport (SMTP or the notification log)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import col, select

from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.models import Notification

Send = Callable[[Notification], None]


def deliver_pending(db: Database, send: Send, channel: str, *, limit: int = 500) -> int:
    """Send unsent notifications oldest first; each is marked sent right after it went out.

    A crash between sending and marking can repeat one message (at-least-once); a message
    is never lost, because the row stays unsent until the transport accepted it.
    """
    with db.session() as session:
        pending = list(
            session.exec(
                select(Notification)
                .where(col(Notification.sent_at).is_(None))
                .order_by(col(Notification.id))
                .limit(limit)
            )
        )
    sent = 0
    for note in pending:
        send(note)
        with db.write() as session:
            row = session.get(Notification, note.id)
            assert row is not None
            row.sent_at, row.channel = clock.now(session), channel
            session.add(row)
            session.commit()
        sent += 1
    return sent
