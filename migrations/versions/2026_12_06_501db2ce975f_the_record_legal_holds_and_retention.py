"""The record (incidents.record): leaves, log heads, signed checkpoints and their heads; legal holds; retention's
purges

- ``record_logs``, ``record_leaves``: one append-only log per incident (and one for what belongs to none), each
  leaf the canonical JSON of a chained row's version, free text as salted hashes (the salts beside the leaf, so
  erasure can drop them). No foreign keys: a deleted incident or row must leave its leaves behind.
- ``record_checkpoints``, ``record_heads``: signed tree heads, each naming the hash of the one before; which
  checkpoint fixed which log at which size.
- ``record_checks``: each log's latest verification by the scheduler, which pages and reviews show.
- ``legal_holds``: holds for a legal matter, which refuse erasure and suspend the purge until released.
- ``retention_purges``: what retention has purged of an incident, so it runs once.

Rows written before this migration have no leaves: ``vigil verify`` reports them as not in the record (inserted),
and the record starts with the first rows written after it. Nothing is filled in here: leaves are made by
application code (canonical JSON, salts) that a migration must not import.

Revision ID: 501db2ce975f
Revises: 170bcf39e71d
Create Date: 2026-12-06 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "501db2ce975f"
down_revision: str | None = "170bcf39e71d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_checkpoints",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_record_checkpoints")),
    )
    op.create_table(
        "record_heads",
        sa.Column("log", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("log", "seq", name=op.f("pk_record_heads")),
    )
    op.create_table(
        "record_checks",
        sa.Column("log", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("log", name=op.f("pk_record_checks")),
    )
    op.create_table(
        "record_leaves",
        sa.Column("log", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("salts", sa.JSON(), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erased_by", sa.String(length=64), nullable=True),
        sa.Column("erasure", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("log", "idx", name=op.f("pk_record_leaves")),
    )
    op.create_table(
        "record_logs",
        sa.Column("log", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("log", name=op.f("pk_record_logs")),
    )
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("matter", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by", sa.String(length=64), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_by", sa.String(length=64), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_legal_holds_incident_id_incidents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.create_index("ix_legal_holds_incident_released", ["incident_id", "released_at"], unique=False)

    op.create_table(
        "retention_purges",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_retention_purges_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", "what", name=op.f("pk_retention_purges")),
    )


def downgrade() -> None:
    op.drop_table("retention_purges")
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.drop_index("ix_legal_holds_incident_released")

    op.drop_table("legal_holds")
    op.drop_table("record_logs")
    op.drop_table("record_leaves")
    op.drop_table("record_heads")
    op.drop_table("record_checks")
    op.drop_table("record_checkpoints")
