"""incidents: titles up to 150 characters, what Slack's header block shows

Revision ID: c6e8a0b2d4f3
Revises: b5e7a9c1d3f2
Create Date: 2026-12-03 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c6e8a0b2d4f3"
down_revision: str | None = "b5e7a9c1d3f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.alter_column("title", existing_type=sa.String(length=120), type_=sa.String(length=150))


def downgrade() -> None:
    # Titles longer than the old limit are cut, not refused: a downgrade must not fail on data it can keep.
    op.execute("UPDATE incidents SET title = substr(title, 1, 120) WHERE length(title) > 120")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.alter_column("title", existing_type=sa.String(length=150), type_=sa.String(length=120))
