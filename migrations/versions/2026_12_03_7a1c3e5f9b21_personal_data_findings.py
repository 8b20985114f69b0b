"""personal data findings stored with free text

Revision ID: 7a1c3e5f9b21
Revises: e4be81e1d146
Create Date: 2026-12-03 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7a1c3e5f9b21"
down_revision: str | None = "e4be81e1d146"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_TABLES = ("incidents", "timeline_entries", "actions", "reviews")


def upgrade() -> None:
    # Rows written before this revision have no scan; reviews detect their personal data when they are read
    # until `vigil redaction rescan` stores it.
    for table in _TABLES:
        op.add_column(table, sa.Column("pii", sa.JSON(), nullable=True))
    op.add_column("reviews", sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("reviews", sa.Column("cleared_by", sa.String(length=64), nullable=True))
    op.add_column("reviews", sa.Column("not_personal", sa.JSON(), nullable=True))
    op.execute("UPDATE reviews SET not_personal = '[]'")
    with op.batch_alter_table("reviews") as batch:
        batch.alter_column("not_personal", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    for column in ("not_personal", "cleared_by", "cleared_at"):
        op.drop_column("reviews", column)
    for table in _TABLES:
        op.drop_column(table, "pii")
