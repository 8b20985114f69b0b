"""reporting views, version 1: read-only views for analysts in the schema "reporting" (PostgreSQL only)

Every column is documented in docs/reporting.md. Restricted incidents appear as the leadership audience sees them:
structured facts, and a neutral title (types · severity · region) in place of their own. No view has a free-text
column written by people, nor a person's key: no view names anyone, and no metric can rank a handler.

SQLite gets none: it has no roles, so whoever can open the file reads the base tables anyway, and its batch
migrations (which rebuild a table by renaming a copy) fail while a view names the table being rebuilt.

Views depend on the columns they read, so a later migration that alters one of those columns drops the schema's
views first and recreates them (as version 2, with docs/reporting.md updated in the same change).

Revision ID: d7f9b1c3e5a4
Revises: c6e8a0b2d4f3
Create Date: 2026-12-03 10:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "d7f9b1c3e5a4"
down_revision: str | None = "c6e8a0b2d4f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSION = 1

# A standard incident's own title stands when the personal-data scan stored with it (the ``pii`` column) found
# nothing in it; otherwise, and for every restricted incident, the neutral title of
# incidents.reviews.document.neutral_title, with type keys in place of the policy pack's labels (the database
# does not hold the pack; the keys are what reporting.incident_types holds, so the two join).
_INCIDENTS = """
CREATE VIEW reporting.incidents AS
SELECT
    i.id AS incident_id,
    i.ref,
    CASE WHEN shown.own_title THEN i.title
         ELSE concat_ws(' · ', coalesce(kinds.types, 'Incident'), i.severity, nullif(i.region, ''))
    END AS title,
    NOT shown.own_title AS title_is_neutral,
    i.tier,
    i.tier <> 'standard' AS restricted,
    i.severity,
    coalesce(first_change.to_severity, i.severity) AS initial_severity,
    least(i.severity, worst.severity) AS peak_severity,
    i.status,
    i.status IN ('declared', 'investigating', 'mitigated') AS is_open,
    i.region,
    kinds.types,
    places.jurisdictions,
    i.occurred_at,
    i.detected_at,
    i.declared_at,
    i.acknowledged_at,
    i.mitigated_at,
    i.resolved_at,
    i.closed_at,
    i.updated_at,
    round(extract(epoch FROM i.detected_at - i.occurred_at))::bigint AS seconds_to_detect,
    round(extract(epoch FROM i.declared_at - i.detected_at))::bigint AS seconds_to_declare,
    round(extract(epoch FROM i.acknowledged_at - i.declared_at))::bigint AS seconds_to_acknowledge,
    round(extract(epoch FROM i.mitigated_at - i.declared_at))::bigint AS seconds_to_mitigate,
    round(extract(epoch FROM i.resolved_at - i.declared_at))::bigint AS seconds_to_resolve
FROM incidents AS i
CROSS JOIN LATERAL (
    SELECT i.tier = 'standard' AND i.pii IS NOT NULL AND (i.pii -> 'f' -> 'title') IS NULL AS own_title
) AS shown
LEFT JOIN LATERAL (
    SELECT string_agg(t.type, ' + ' ORDER BY t.type) AS types FROM incident_types AS t WHERE t.incident_id = i.id
) AS kinds ON true
LEFT JOIN LATERAL (
    SELECT string_agg(j.code, ', ' ORDER BY j.code) AS jurisdictions
    FROM json_array_elements_text(CASE WHEN json_typeof(i.jurisdictions) = 'array' THEN i.jurisdictions END)
        AS j(code)
) AS places ON true
LEFT JOIN LATERAL (
    SELECT s.to_severity FROM severity_changes AS s WHERE s.incident_id = i.id ORDER BY s.id LIMIT 1
) AS first_change ON true
LEFT JOIN LATERAL (
    SELECT min(s.to_severity) AS severity FROM severity_changes AS s WHERE s.incident_id = i.id
) AS worst ON true
"""

_INCIDENT_TYPES = """
CREATE VIEW reporting.incident_types AS
SELECT t.incident_id, i.ref, t.type
FROM incident_types AS t JOIN incidents AS i ON i.id = t.incident_id
"""

# Severity from its own table; status and tier from the timeline entries that record them (their data holds the
# values; the reasons and notes beside them stay out). Acknowledging records only the new status: it always
# leaves "declared". A tier entry without "from" is the raise at declaration, already in the declared row.
_HISTORY = """
CREATE VIEW reporting.incident_history AS
SELECT s.incident_id, i.ref, s.at, 'severity'::text AS field,
       s.from_severity::text AS from_value, s.to_severity::text AS to_value
FROM severity_changes AS s JOIN incidents AS i ON i.id = s.incident_id
UNION ALL
SELECT e.incident_id, i.ref, e.at, 'status',
       CASE WHEN e.kind = 'declared' THEN NULL ELSE coalesce(e.data ->> 'from', 'declared') END,
       CASE WHEN e.kind = 'declared' THEN 'declared' ELSE coalesce(e.data ->> 'to', e.data ->> 'status') END
FROM timeline_entries AS e JOIN incidents AS i ON i.id = e.incident_id
WHERE e.kind IN ('declared', 'status')
UNION ALL
SELECT e.incident_id, i.ref, e.at, 'tier',
       e.data ->> 'from',
       coalesce(e.data ->> 'to', e.data ->> 'tier')
FROM timeline_entries AS e JOIN incidents AS i ON i.id = e.incident_id
WHERE e.kind = 'declared' OR (e.kind = 'tier' AND (e.data ->> 'from') IS NOT NULL)
"""

_TIMELINE_COUNTS = """
CREATE VIEW reporting.timeline_counts AS
SELECT e.incident_id, i.ref, e.kind,
       count(*) AS entries,
       count(*) FILTER (WHERE e.sensitive) AS sensitive_entries,
       min(e.at) AS first_at,
       max(e.at) AS last_at
FROM timeline_entries AS e JOIN incidents AS i ON i.id = e.incident_id
GROUP BY e.incident_id, i.ref, e.kind
"""

# The one clock rule (incidents.clocks.standing.clock_standing, and the CASEs of incidents.figures.clock_outcomes):
# met when satisfied at or before the deadline, missed when satisfied after it, overdue when still open after it,
# running while open at or before it. "outcome" folds overdue into missed, as the trends chart counts them.
_CLOCKS = """
CREATE VIEW reporting.clocks AS
SELECT
    c.id AS clock_id,
    c.incident_id,
    i.ref,
    c.parent_id AS parent_clock_id,
    c.regime,
    c.name,
    c.jurisdiction,
    c.artefact,
    c.source_url,
    c.deadline_kind,
    c.deadline_amount,
    c.owner_role,
    c.trigger_at,
    c.due_at,
    c.satisfied_at,
    c.reference_id IS NOT NULL AS has_reference,
    CASE WHEN c.satisfied_at IS NOT NULL AND c.satisfied_at <= c.due_at THEN 'met'
         WHEN c.satisfied_at IS NOT NULL THEN 'missed'
         WHEN now() > c.due_at THEN 'overdue'
         ELSE 'running'
    END AS state,
    CASE WHEN c.satisfied_at IS NOT NULL AND c.satisfied_at <= c.due_at THEN 'met'
         WHEN c.satisfied_at IS NOT NULL OR now() > c.due_at THEN 'missed'
         ELSE 'running'
    END AS outcome,
    CASE WHEN c.satisfied_at IS NOT NULL THEN c.satisfied_at <= c.due_at END AS met,
    round(extract(epoch FROM c.due_at - coalesce(c.satisfied_at, now())))::bigint AS margin_seconds
FROM clocks AS c JOIN incidents AS i ON i.id = c.incident_id
"""

# Overdue as incidents.figures.overdue_actions counts it: unfinished, with a due date before today (UTC).
_ACTIONS = """
CREATE VIEW reporting.actions AS
SELECT
    a.id AS action_id,
    a.incident_id,
    i.ref,
    a.priority,
    a.category,
    a.status,
    a.status IN ('done', 'wont_do') AS finished,
    a.due_date,
    coalesce(a.status IN ('open', 'in_progress') AND a.due_date < (now() AT TIME ZONE 'UTC')::date, false)
        AS overdue,
    a.created_at,
    a.updated_at,
    a.finished_at,
    a.sync_state,
    CASE WHEN i.tier = 'standard' THEN a.tracker_key END AS tracker_key,
    a.resolution
FROM actions AS a JOIN incidents AS i ON i.id = a.incident_id
"""

_VERSION = f"""
CREATE VIEW reporting.version AS
SELECT {VERSION} AS version, '{revision}'::text AS migration, 'docs/reporting.md'::text AS documentation
"""

VIEWS = {
    "version": (_VERSION, "Which version of the reporting views this is"),
    "incidents": (_INCIDENTS, "One row per incident; restricted ones as leadership sees them"),
    "incident_types": (_INCIDENT_TYPES, "One row per incident and type"),
    "incident_history": (_HISTORY, "Every change of severity, status and tier"),
    "timeline_counts": (_TIMELINE_COUNTS, "Timeline entries per incident and kind: counts, never text"),
    "clocks": (_CLOCKS, "Regulatory and internal clocks with their state: met, missed, overdue or running"),
    "actions": (_ACTIONS, "Corrective and preventive actions: structured fields only"),
}


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("CREATE SCHEMA reporting")
    op.execute(
        f"COMMENT ON SCHEMA reporting IS 'Vigil reporting views, version {VERSION}: read-only, every column "
        "documented in docs/reporting.md'"
    )
    for name, (create, about) in VIEWS.items():
        op.execute(create)
        op.execute(f"COMMENT ON VIEW reporting.{name} IS '{about} (Vigil reporting v{VERSION}, docs/reporting.md)'")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP SCHEMA reporting CASCADE")
