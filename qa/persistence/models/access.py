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
