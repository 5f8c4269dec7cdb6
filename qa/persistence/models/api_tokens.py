"""Personal API tokens: bearer credentials for `/api/v1`, one per script or integration.

Only the SHA-256 of the token is stored (as for sign-in links and web sessions); `prefix`,
the token's first characters, is kept so its owner can tell tokens apart in a list.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from qa.persistence.models.columns import now_field, timestamp


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    prefix: str = Field(max_length=16)
    name: str = Field(max_length=100)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    #: Who created it: the user on the account page, or None for the command line.
    created_by: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = now_field()
    last_used_at: datetime | None = timestamp()
    revoked_at: datetime | None = timestamp()
