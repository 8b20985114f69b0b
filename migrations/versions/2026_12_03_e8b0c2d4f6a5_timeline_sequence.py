"""timeline entries: a sequence number per incident, so entries with the same time keep their order

Entries are read in (at, seq) order. Existing entries are numbered in the order they were read until now (at, id);
each incident counts the numbers it gave out in ``timeline_seq``.

Revision ID: e8b0c2d4f6a5
Revises: d7f9b1c3e5a4
Create Date: 2026-12-03 11:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e8b0c2d4f6a5"
down_revision: str | None = "d7f9b1c3e5a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# UPDATE ... FROM: PostgreSQL, and SQLite since 3.33. One pass, whatever an incident's length.
_NUMBER_ENTRIES = """
UPDATE timeline_entries SET seq = numbered.seq
FROM (SELECT id, row_number() OVER (PARTITION BY incident_id ORDER BY at, id) AS seq FROM timeline_entries)
    AS numbered
WHERE numbered.id = timeline_entries.id
"""

_COUNT_PER_INCIDENT = """
UPDATE incidents SET timeline_seq = counted.last
FROM (SELECT incident_id, max(seq) AS last FROM timeline_entries GROUP BY incident_id) AS counted
WHERE counted.incident_id = incidents.id
"""


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timeline_seq", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
    op.execute(_NUMBER_ENTRIES)
    op.execute(_COUNT_PER_INCIDENT)
    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_timeline_entries_incident_id_seq"), ["incident_id", "seq"])


def downgrade() -> None:
    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_timeline_entries_incident_id_seq"), type_="unique")
        batch_op.drop_column("seq")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("timeline_seq")
