"""notifications: a leased delivery outbox with attempts and dead letters

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import qa.persistence.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))
        batch.add_column(
            sa.Column(
                "claimed_until", qa.persistence.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True))
        batch.add_column(
            sa.Column(
                "next_attempt_at", qa.persistence.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch.add_column(
            sa.Column("dead_at", qa.persistence.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch.create_index("ix_notification_claimed_until", ["claimed_until"])
    with op.batch_alter_table("notification") as batch:
        batch.alter_column("attempts", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.drop_index("ix_notification_claimed_until")
        for column in (
            "dead_at",
            "next_attempt_at",
            "last_error",
            "attempts",
            "claimed_until",
            "claimed_by",
        ):
            batch.drop_column(column)
