"""reporting views, version 2: playbook steps (reporting.tasks) and referrals (reporting.referrals)

Version 1's views stay as they are; version 2 adds two, documented in docs/reporting.md like the others, under the
same rules: no free text written by people (a skip's reason, a referral's note, outcome, reason or external
reference), no person's key, and restricted incidents as the leadership audience sees them (which shows a
referral's kind, status and times, never what was said about it). A reporting role made before keeps reading
every view: the schema owner's default privileges grant it the new ones.

Revision ID: b3c5d7e9f1a2
Revises: a2b4c6d8e0f1
Create Date: 2026-12-03 11:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "b3c5d7e9f1a2"
down_revision: str | None = "a2b4c6d8e0f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSION = 2
PREVIOUS = (1, "d7f9b1c3e5a4")
"""The version and migration that ``reporting.version`` names again after a downgrade."""

# Late as incidents.tasks.models.Task.is_late has it: finished after the due time, or still open past it. A step's
# text is the policy pack's (playbook and step_key find it there); a skip's reason is people's, and stays out.
_TASKS = """
CREATE VIEW reporting.tasks AS
SELECT
    t.id AS task_id,
    t.incident_id,
    i.ref,
    t.playbook,
    t.step_key,
    t.position,
    t.owner_role,
    t.required,
    t.after_step,
    t.offset_minutes,
    t.source_url,
    t.status,
    t.status <> 'open' AS finished,
    t.added_at,
    t.due_at,
    t.finished_at,
    coalesce(t.finished_at, now()) > t.due_at AS late,
    round(extract(epoch FROM t.finished_at - t.added_at))::bigint AS seconds_to_finish,
    round(extract(epoch FROM t.due_at - coalesce(t.finished_at, now())))::bigint AS margin_seconds
FROM tasks AS t JOIN incidents AS i ON i.id = t.incident_id
"""

# Overdue as incidents.referrals.service.is_overdue has it (open, with a due date before today, UTC); the spans as
# incidents.reviews.figures.referral_spans measures them (a refusal settles a referral as a decision does).
_REFERRALS = """
CREATE VIEW reporting.referrals AS
SELECT
    r.id AS referral_id,
    r.incident_id,
    i.ref,
    r.kind,
    r.status,
    r.status IN ('requested', 'accepted', 'in_progress') AS is_open,
    r.due_date,
    coalesce(
        r.status IN ('requested', 'accepted', 'in_progress') AND r.due_date < (now() AT TIME ZONE 'UTC')::date, false
    ) AS overdue,
    r.owner IS NOT NULL AS has_owner,
    r.external_ref IS NOT NULL AS has_external_ref,
    r.requested_at,
    r.accepted_at,
    r.in_progress_at,
    r.decided_at,
    r.declined_at,
    r.closed_at,
    r.updated_at,
    round(extract(epoch FROM r.requested_at - i.declared_at))::bigint AS seconds_to_referral,
    round(extract(epoch FROM coalesce(r.decided_at, r.declined_at) - i.declared_at))::bigint AS seconds_to_decision,
    round(extract(epoch FROM coalesce(r.decided_at, r.declined_at) - r.requested_at))::bigint
        AS seconds_open_to_decision
FROM referrals AS r JOIN incidents AS i ON i.id = r.incident_id
"""

VIEWS = {
    "tasks": (_TASKS, "Playbook steps added to incidents as tasks: done, skipped, open and late"),
    "referrals": (_REFERRALS, "Referrals to other processes, tracked to closure: structured fields only"),
}


def _version(version: int, migration: str) -> None:
    op.execute(
        f"CREATE OR REPLACE VIEW reporting.version AS SELECT {version} AS version, '{migration}'::text AS migration, "
        "'docs/reporting.md'::text AS documentation"
    )
    op.execute(
        f"COMMENT ON SCHEMA reporting IS 'Vigil reporting views, version {version}: read-only, every column "
        "documented in docs/reporting.md'"
    )
    op.execute(
        "COMMENT ON VIEW reporting.version IS 'Which version of the reporting views this is "
        f"(Vigil reporting v{version}, docs/reporting.md)'"
    )


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for name, (create, about) in VIEWS.items():
        op.execute(create)
        op.execute(f"COMMENT ON VIEW reporting.{name} IS '{about} (Vigil reporting v{VERSION}, docs/reporting.md)'")
    _version(VERSION, revision)


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for name in VIEWS:
        op.execute(f"DROP VIEW reporting.{name}")
    _version(*PREVIOUS)
