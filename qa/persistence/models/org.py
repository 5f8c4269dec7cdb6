"""Institutions, users and their roles."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from qa.persistence.models.columns import json_field, now_field, timestamp


class Institution(SQLModel, table=True):
    """A provider of micro-credentials, or a QA agency (`kind`)."""

    __tablename__ = "institution"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=255)
    country: str = Field(max_length=2)
    kind: str = Field(default="provider", max_length=16)  # provider | agency
    deqar_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = now_field()


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    email: str = Field(max_length=254, unique=True, index=True)
    display_name: str = Field(max_length=200)
    password_hash: str | None = Field(default=None, max_length=255)
    institution_id: int | None = Field(default=None, foreign_key="institution.id", index=True)
    is_active: bool = Field(default=True)
    #: Bumped to sign the user out everywhere (deactivation, password change).
    session_version: int = Field(default=1)
    #: Reviewer profile: ISCED-F codes of expertise and panel role.
    expertise: list[str] = json_field(list)
    panel_role: str | None = Field(default=None, max_length=32)
    created_at: datetime = now_field()
    last_login_at: datetime | None = timestamp()


class UserRole(SQLModel, table=True):
    """A user holds one or more roles (e.g. an officer who also reviews elsewhere)."""

    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    role: str = Field(max_length=16)
    granted_at: datetime = now_field()
