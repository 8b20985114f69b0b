"""people: when Slack was last asked, and whether it said no such user

Revision ID: a4d6f8b0c2e1
Revises: 9c3e5a7b1d43
Create Date: 2026-12-03 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a4d6f8b0c2e1"
down_revision: str | None = "9c3e5a7b1d43"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("learned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("missing", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("missing")
        batch_op.drop_column("learned_at")
