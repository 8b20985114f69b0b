"""A severity suggested from two answers (how bad the harm is, how soon), read off the policy pack's matrix.

The declarer still picks the severity: the suggestion is shown while they choose and recorded beside their choice
on the declare's timeline entry, so a review can see where judgement and guidance parted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from incidents.enums import Severity
from incidents.errors import VigilError
from incidents.policy import Policy, SeverityGuidance

GUIDANCE_KEY = "severity_guidance"
"""Where the declare's timeline entry keeps the answers and the suggestion."""


@dataclass(frozen=True)
class SeverityAnswers:
    harm: str
    imminence: str


@dataclass(frozen=True)
class Suggestion:
    answers: SeverityAnswers
    severity: Severity

    def as_data(self) -> dict[str, Any]:
        return {"harm": self.answers.harm, "imminence": self.answers.imminence, "suggested": self.severity.value}

    def beside(self, chosen: Severity) -> str:
        """How the declarer's choice stands to the suggestion, for the timeline."""
        if chosen is self.severity:
            return f"as the severity guidance suggested ({self.answers.harm}, {self.answers.imminence})"
        return f"the severity guidance suggested {self.severity.value} ({self.answers.harm}, {self.answers.imminence})"


def guidance_of(policy: Policy) -> SeverityGuidance:
    if policy.severity_guidance is None:
        raise VigilError("The policy pack has no severity guidance: declare with a severity only.", field="harm")
    return policy.severity_guidance


def suggest(policy: Policy, answers: SeverityAnswers) -> Suggestion:
    guidance = guidance_of(policy)
    for field, answer, known in (
        ("harm", answers.harm, guidance.harm),
        ("imminence", answers.imminence, guidance.imminence),
    ):
        if answer not in known:
            raise VigilError(f"Unknown {field} {answer!r}: use one of {', '.join(known)}.", field=field)
    return Suggestion(answers, guidance.matrix[answers.harm][answers.imminence])
