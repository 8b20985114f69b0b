"""postings.purpose becomes postings.kind

"Purpose" also names a Slack channel's purpose, which Vigil sets and records as one kind of posting (its value,
``purpose``, is unchanged). The column is renamed, with its unique constraint; no row changes.

Revision ID: 3c9e5a7b1d20
Revises: 501db2ce975f
Create Date: 2026-12-07 02:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "3c9e5a7b1d20"
down_revision: str | None = "501db2ce975f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _rename("purpose", "kind")


def downgrade() -> None:
    _rename("kind", "purpose")


def _rename(old: str, new: str) -> None:
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.alter_column(old, new_column_name=new)
    # A second pass: in one, SQLite's copy of the table came out without the new constraint.
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.drop_constraint(f"uq_postings_incident_id_{old}_channel", type_="unique")
        batch_op.create_unique_constraint(f"uq_postings_incident_id_{new}_channel", ["incident_id", new, "channel"])
