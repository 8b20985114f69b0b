"""incidents.leadership_title, reporting views version 3, and who reported an API note kept beside its text

- ``incidents.leadership_title``: the title as leadership reads it (incidents.leadership_title), stored so that the
  analysts' views, which cannot mask, show a standard incident by the same words as its leadership review.
  Existing rows are left NULL rather than filled here: filling needs the personal-data detector and the parties'
  identifiers, application code a migration must not import (it changes after the migration is written), and
  detecting every title would hold the table for minutes on a large database. ``vigil redaction rescan`` fills
  them (it is run after an upgrade anyway, whenever the detector changed). Until then the views show such an
  incident by its neutral title: never by its own.
- ``reporting.incidents`` version 3: ``title`` is ``leadership_title`` for a standard incident, the neutral title
  otherwise (restricted ones, and rows without it). Version 2 showed a standard incident's own title whenever the
  scan found nothing in it, which let through every name the detector did not recognise.
- Notes the intake API wrote with ``reported_by`` held it inside their text ("Reported by <who>: <text>"), where
  only the detector could hide it. It moves to the entry's data (``data["reported_by"]``, incidents.reported_by),
  which leadership and non-members read as "the reporter" whatever it says; the entry's stored scan is dropped
  (its offsets were the old text's), so the text is scanned again when read and by ``vigil redaction rescan``.

Revision ID: 170bcf39e71d
Revises: 5a61cd41a822
Create Date: 2026-12-06 20:00:00

"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision: str = "170bcf39e71d"
down_revision: str | None = "5a61cd41a822"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSION = 3
PREVIOUS = (2, "b3c5d7e9f1a2")
"""The version and migration that ``reporting.version`` names again after a downgrade."""
VERSION_1 = "d7f9b1c3e5a4"
"""The migration that made the incidents view this one replaces (version 2 left it as it was)."""

# As version 1's, but for the title: a standard incident's title as leadership reads it, where one is stored; the
# neutral title otherwise (see version 1 for how it is made, and why from type keys).
_INCIDENTS = """
CREATE OR REPLACE VIEW reporting.incidents AS
SELECT
    i.id AS incident_id,
    i.ref,
    CASE WHEN shown.own_title THEN i.leadership_title
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
    SELECT i.tier = 'standard' AND i.leadership_title IS NOT NULL AS own_title
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

_ABOUT = "One row per incident; every one as leadership sees it"

REPORTED_BY = "reported_by"
_PREFIX = "Reported by "
_SEPARATOR = ": "
_entries = sa.table(
    "timeline_entries",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("author", sa.String),
    sa.column("text", sa.Text),
    sa.column("data", sa.JSON),
    sa.column("pii", sa.JSON),
)


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leadership_title", sa.Text(), nullable=True))
    _move_reporters(out_of_text=True)
    if op.get_context().dialect.name != "postgresql":
        return
    _incidents_view(_INCIDENTS, _ABOUT, VERSION)
    _version(VERSION, revision)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        first = context.script.get_revision(VERSION_1)
        assert first is not None
        # Version 1's view, as its migration made it, replaced in place: it reads no column this one adds.
        _incidents_view(
            first.module._INCIDENTS.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1),
            "One row per incident; restricted ones as leadership sees them",
            PREVIOUS[0],
        )
        _version(*PREVIOUS)
    _move_reporters(out_of_text=False)
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("leadership_title")


def _incidents_view(create: str, about: str, version: int) -> None:
    op.execute(create)
    op.execute(f"COMMENT ON VIEW reporting.incidents IS '{about} (Vigil reporting v{version}, docs/reporting.md)'")


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


def _move_reporters(*, out_of_text: bool) -> None:
    """The API's notes with a reporter: out of their text into their data (upgrade), or back (downgrade)."""
    bind = op.get_bind()
    notes = bind.execute(
        sa.select(_entries.c.id, _entries.c.text, _entries.c.data).where(
            _entries.c.kind == "note",
            _entries.c.author.like("api:%"),
            _entries.c.text.like(f"{_PREFIX}%") if out_of_text else sa.true(),
        )
    ).all()
    changed = [row for row in (_moved(*note, out_of_text=out_of_text) for note in notes) if row is not None]
    if changed:
        bind.execute(
            _entries.update()
            .where(_entries.c.id == sa.bindparam("entry_id"))
            .values(text=sa.bindparam("new_text"), data=sa.bindparam("new_data"), pii=None),
            changed,
        )


def _moved(entry_id: int, text: str, data: dict[str, Any] | None, *, out_of_text: bool) -> dict[str, Any] | None:
    data = dict(data or {})
    if out_of_text:
        reporter, separator, note = text.removeprefix(_PREFIX).partition(_SEPARATOR)
        if not text.startswith(_PREFIX) or not separator or not reporter.strip() or REPORTED_BY in data:
            return None
        return {"entry_id": entry_id, "new_text": note, "new_data": {**data, REPORTED_BY: reporter.strip()}}
    reporter = data.pop(REPORTED_BY, None)
    if not isinstance(reporter, str) or not reporter:
        return None
    return {"entry_id": entry_id, "new_text": f"{_PREFIX}{reporter}{_SEPARATOR}{text}", "new_data": data}
