"""audit packs belong to their requester's organisation

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_pack") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch.create_index("ix_audit_pack_organisation_id", ["organisation_id"])
        batch.create_foreign_key(
            "fk_audit_pack_organisation_id", "institution", ["organisation_id"], ["id"]
        )
    # Packs asked for before this revision belong to their requester's organisation now.
    op.execute(
        "UPDATE audit_pack SET organisation_id = (SELECT institution_id FROM user_account "
        "WHERE user_account.id = audit_pack.requested_by) WHERE requested_by IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("audit_pack") as batch:
        batch.drop_constraint("fk_audit_pack_organisation_id", type_="foreignkey")
        batch.drop_index("ix_audit_pack_organisation_id")
        batch.drop_column("organisation_id")
