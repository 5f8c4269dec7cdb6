"""Sign-in throttling, stored in the database so it holds across restarts and web replicas.

An attempt is written *before* its password is checked and deleted only when it succeeds, so
attempts in flight count too: a burst of concurrent guesses cannot slip past the limit.
Two limits within a sliding window: per account (the user name and the e-mail address of
one account share it) and per client address (one password sprayed across many accounts).
A refused attempt is not recorded (it was not checked), so the window still slides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, text
from sqlmodel import Session, col, select

from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.models import SignInAttempt

#: Serialises the count-then-insert across PostgreSQL connections (and so web replicas);
#: SQLite's write transactions are already serial (`BEGIN IMMEDIATE`).
_ADVISORY_LOCK = 0x51_6E_1E
MAX_ACCOUNT_KEY = 320
MAX_SOURCE = 64


@dataclass(frozen=True)
class ThrottleLimits:
    per_account: int = 5
    per_source: int = 10
    window: timedelta = timedelta(minutes=15)


def begin_attempt(db: Database, account: str, source: str, limits: ThrottleLimits) -> int | None:
    """Record an attempt about to be checked; its id, or None when too many are recent."""
    account, source = account[:MAX_ACCOUNT_KEY], source[:MAX_SOURCE]
    with db.write() as session:
        if not db.is_sqlite:
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
        since = clock.now(session) - limits.window
        session.execute(delete(SignInAttempt).where(col(SignInAttempt.at) < since))
        if (
            _recent(session, col(SignInAttempt.account) == account) >= limits.per_account
            or _recent(session, col(SignInAttempt.source) == source) >= limits.per_source
        ):
            session.commit()  # the pruning
            return None
        attempt = SignInAttempt(account=account, source=source, at=clock.now(session))
        session.add(attempt)
        session.commit()
        assert attempt.id is not None
        return attempt.id


def attempt_succeeded(db: Database, account: str) -> None:
    """Forget the account's failures (this attempt's row included).

    The address's failures at other accounts stay: signing in to one's own account must not
    reset a sprayer's count.
    """
    with db.write() as session:
        session.execute(
            delete(SignInAttempt).where(col(SignInAttempt.account) == account[:MAX_ACCOUNT_KEY])
        )
        session.commit()


def _recent(session: Session, condition: object) -> int:
    count = session.exec(
        select(func.count()).select_from(SignInAttempt).where(condition)  # type: ignore[arg-type]
    ).one()
    return int(count)
