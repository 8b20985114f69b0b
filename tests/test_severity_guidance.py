"""Severity guidance in the domain and the CLI: the pack's matrix suggests, the declarer decides, both recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from incidents.context import Domain
from incidents.enums import Severity, TimelineKind
from incidents.errors import VigilError
from incidents.models import TimelineEntry
from incidents.policy import load_policy
from incidents.severity_guidance import SeverityAnswers, suggest
from tests.helpers import declare


@pytest.mark.parametrize(
    ("harm", "imminence", "suggested"),
    [("life", "now", Severity.SEV1), ("serious", "contained", Severity.SEV2), ("none", "days", Severity.SEV4)],
)
def test_the_shipped_matrix_reads_off_the_severity_scale(harm: str, imminence: str, suggested: Severity) -> None:
    assert suggest(load_policy(), SeverityAnswers(harm, imminence)).severity is suggested


def test_no_answer_pair_suggests_sev0_which_is_a_judgement_of_scale() -> None:
    guidance = load_policy().severity_guidance
    assert guidance is not None
    assert all(s is not Severity.SEV0 for row in guidance.matrix.values() for s in row.values())


def test_unknown_answers_are_refused_naming_the_question(domain: Domain) -> None:
    with domain.unit() as ctx, pytest.raises(VigilError) as refused:
        declare(ctx, guidance=SeverityAnswers("life", "tomorrow"))
    assert refused.value.field == "imminence" and "now, days, contained" in refused.value.message


def test_the_suggestion_is_recorded_beside_the_chosen_severity(domain: Domain) -> None:
    with domain.unit() as ctx:
        incident = declare(ctx, severity=Severity.SEV1, guidance=SeverityAnswers("life", "now"))
        entry = ctx.session.scalars(
            select(TimelineEntry).where(
                TimelineEntry.incident_id == incident.id, TimelineEntry.kind == TimelineKind.DECLARED
            )
        ).one()
    assert incident.severity is Severity.SEV1
    assert entry.data["severity_guidance"]["suggested"] == "SEV1"
    assert entry.text.endswith("as the severity guidance suggested (life, now)")
