"""parties to an incident

Revision ID: 8b2d4f6a0c32
Revises: 7a1c3e5f9b21
Create Date: 2026-12-03 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8b2d4f6a0c32"
down_revision: str | None = "7a1c3e5f9b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incident_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("role_in_case", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("handle", sa.String(length=200), nullable=True),
        sa.Column("contact", sa.String(length=320), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erased_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_parties_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_parties")),
        sa.UniqueConstraint("incident_id", "number", name=op.f("uq_incident_parties_incident_id_number")),
    )
    op.create_index(op.f("ix_incident_parties_incident_id"), "incident_parties", ["incident_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_incident_parties_incident_id"), table_name="incident_parties")
    op.drop_table("incident_parties")
