"""Sign-in links: single-use, expiring invitations and password resets.

Only the SHA-256 of the random token is stored, so a copy of the database cannot be used
to sign in; the token itself is shown once, to whoever issued the link.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from qa.persistence.models.columns import now_field, timestamp
from qa.persistence.types import UTCDateTime


class AccessToken(SQLModel, table=True):
    __tablename__ = "access_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    purpose: str = Field(max_length=16)  # invite | password_reset
    #: The administrator who issued it (None for the command line).
    created_by: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = now_field()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = timestamp()
    #: Set when a newer link for the same user replaced it, or the user was deactivated.
    revoked_at: datetime | None = timestamp()


class WebSession(SQLModel, table=True):
    """A signed-in browser session, held on the server so that signing out ends it.

    The cookie carries a random id; only its SHA-256 is stored (as for sign-in links). A
    session is valid while it is not ended, not past `expires_at` (the absolute lifetime),
    seen within the idle timeout, and its `session_version` still equals the user's.
    """

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    #: The user's session version when it began ("sign out everywhere" bumps the user's).
    session_version: int
    created_at: datetime = now_field()
    last_seen_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    ended_at: datetime | None = timestamp()


class SignInAttempt(SQLModel, table=True):
    """A sign-in attempt that has not succeeded (yet): what sign-in throttling counts.

    `account` is `user:<id>` for a known account (whichever identifier was typed) or
    `name:<login>` for an unknown one; `source` is the client's address. Rows older than the
    throttling window are pruned as new ones arrive.
    """

    __tablename__ = "sign_in_attempt"

    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=320, index=True)
    source: str = Field(max_length=64, index=True)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
