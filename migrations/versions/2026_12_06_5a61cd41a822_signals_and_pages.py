"""signals and pages

Revision ID: 5a61cd41a822
Revises: c9d1e3f5a7b2
Create Date: 2026-12-06 16:54:43.148491
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5a61cd41a822"
down_revision: str | None = "c9d1e3f5a7b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("dedup_key", sa.String(length=255), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "queued",
                "sent",
                "acknowledged",
                "escalated",
                "resolved",
                name="pagestate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("late_noted", sa.Boolean(), nullable=False),
        sa.Column("on_call", sa.JSON(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_pages_incident_id_incidents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pages")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_pages_dedup_key")),
        sa.UniqueConstraint("incident_id", "service", name=op.f("uq_pages_incident_id_service")),
    )
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pages_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "signal_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("open_key", sa.String(length=300), nullable=True),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=True),
        sa.Column(
            "state",
            sa.Enum("waiting", "attached", "dismissed", name="groupstate", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("declared", sa.Boolean(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("triage_post", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_signal_groups_incident_id_incidents"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal_groups")),
        sa.UniqueConstraint("open_key", name=op.f("uq_signal_groups_open_key")),
    )
    with op.batch_alter_table("signal_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signal_groups_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index("ix_signal_groups_state", ["state", "id"], unique=False)

    op.create_table(
        "signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("external_ref", sa.String(length=200), nullable=True),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("severity_hint", sa.String(length=32), nullable=True),
        sa.Column("region", sa.String(length=64), nullable=True),
        sa.Column("group_key", sa.String(length=200), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=True),
        sa.Column("reporter", sa.String(length=320), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.String(length=64), nullable=False),
        sa.Column("noted", sa.Boolean(), nullable=False),
        sa.Column("pii", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["signal_groups.id"], name=op.f("fk_signals_group_id_signal_groups"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signals")),
        sa.UniqueConstraint("source", "external_ref", name=op.f("uq_signals_source_external_ref")),
    )
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.create_index("ix_signals_group_received", ["group_id", "received_at"], unique=False)

    op.create_table(
        "signal_notes_due",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["signal_groups.id"],
            name=op.f("fk_signal_notes_due_group_id_signal_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_signal_notes_due")),
    )


def downgrade() -> None:
    op.drop_table("signal_notes_due")
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.drop_index("ix_signals_group_received")

    op.drop_table("signals")
    with op.batch_alter_table("signal_groups", schema=None) as batch_op:
        batch_op.drop_index("ix_signal_groups_state")
        batch_op.drop_index(batch_op.f("ix_signal_groups_incident_id"))

    op.drop_table("signal_groups")
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pages_incident_id"))

    op.drop_table("pages")
