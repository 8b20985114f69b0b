"""referrals filed in Jira: each referral's issue key, and what the sync last pushed to it

Revision ID: c9d1e3f5a7b2
Revises: b3c5d7e9f1a2
Create Date: 2026-12-03 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c9d1e3f5a7b2"
down_revision: str | None = "b3c5d7e9f1a2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tracker_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_referrals_tracker_key"), ["tracker_key"])
    op.create_table(
        "referral_tracker_links",
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ours", sa.JSON(), nullable=False),
        sa.Column("theirs", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_referral_tracker_links_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_referral_tracker_links")),
    )


def downgrade() -> None:
    op.drop_table("referral_tracker_links")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_referrals_tracker_key"), type_="unique")
        batch_op.drop_column("tracker_key")
