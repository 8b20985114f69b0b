"""incidents: whether Slack hears of the incident (terminal declares do not until `vigil provision`)

Revision ID: b5e7a9c1d3f2
Revises: a4d6f8b0c2e1
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b5e7a9c1d3f2"
down_revision: str | None = "a4d6f8b0c2e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Incidents already written keep what they had: Slack hears of them.
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("in_slack", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("in_slack")
