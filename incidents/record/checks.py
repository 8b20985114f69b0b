"""The scheduler verifies the record and keeps each log's latest outcome, which the incident's page and review show:
verifying a 10,000-entry incident on every view would cost as much as rendering it. The logs a checkpoint fixes are
verified right after it (so a resolve or a publish is verified within a tick); every log once a day, so rows changed
behind Vigil's back in an incident nobody touches are found by the next morning. ``vigil verify`` checks everything
there and then, with the record channel's copies too."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from incidents.context import Ctx, Domain
from incidents.record.checkpoints import read
from incidents.record.models import RecordCheck, RecordCheckpoint
from incidents.record.outcome import Outcome
from incidents.record.signing import signer_from
from incidents.record.verify import verify_database
from incidents.settings import Settings


def check_logs(domain: Domain, settings: Settings, logs: Sequence[int] | None = None) -> Outcome:
    """Verify ``logs`` (every log when None) and keep each one's outcome."""
    signer = signer_from(settings)
    outcome = verify_database(domain.engine, signer.public if signer else None, logs=logs)

    def keep(ctx: Ctx) -> None:
        for log, problems in outcome.by_log.items():
            check = ctx.session.get(RecordCheck, log) or RecordCheck(log=log)
            check.at, check.seq, check.problems = ctx.now(), outcome.fixed_at.get(log), len(problems)
            ctx.session.add(check)

    domain.run(keep)
    return outcome


def record_line(session: Session, incident_id: int, ref: str) -> str | None:
    """What the incident's page and review say of its record; None until it was verified under a checkpoint."""
    check = session.get(RecordCheck, incident_id)
    if check is None:
        return None
    checked = f"{check.at:%Y-%m-%d %H:%M} UTC"
    if check.problems:
        many = "problem" if check.problems == 1 else "problems"
        return f"Record NOT verified: {check.problems} {many} found {checked}; run vigil verify {ref}."
    checkpoint = session.get(RecordCheckpoint, check.seq) if check.seq is not None else None
    return None if checkpoint is None else f"Record verified at {read(checkpoint).name}; checked {checked}."
