"""indexes for metrics and membership

ix_incidents_severity_resolved serves incidents.figures.resolve_time_by_severity_month: each (severity, month)
median reads one range of it. ix_role_assignments_person serves "incidents this person is a member of" (the
visible_to filter on restricted incidents), which otherwise scans every role assignment.

Revision ID: 5dc1ae7baf78
Revises: 479835031ebb
Create Date: 2026-11-23 15:10:03.436034
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5dc1ae7baf78"
down_revision: str | None = "479835031ebb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incidents_severity_resolved", ["severity", "resolved_at", "declared_at"], unique=False
        )
    with op.batch_alter_table("role_assignments", schema=None) as batch_op:
        batch_op.create_index("ix_role_assignments_person", ["person", "incident_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("role_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_role_assignments_person")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_severity_resolved")
