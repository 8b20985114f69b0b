"""A report's ``severity_hint``: a severity (``SEV1``) or an answer pair of the severity guidance (``life:now``),
which the guidance's matrix turns into one, so a hotline can say "life, now" without knowing Vigil's scale."""

from __future__ import annotations

import re

from incidents.enums import Severity
from incidents.errors import VigilError
from incidents.policy import Policy
from incidents.severity_guidance import SeverityAnswers, suggest

_PAIR = re.compile(r"^\s*([a-z_]+)\s*[:/,]\s*([a-z_]+)\s*$")


def hinted_severity(policy: Policy, hint: str | None) -> Severity | None:
    if hint is None or not hint.strip():
        return None
    try:
        return Severity(hint.strip().upper())
    except ValueError:
        pass
    pair = _PAIR.match(hint.casefold())
    if pair is None or policy.severity_guidance is None:
        scale = ", ".join(s.value for s in Severity)
        raise VigilError(f"{hint!r} is neither a severity ({scale}) nor a harm:imminence pair such as life:now.")
    return suggest(policy, SeverityAnswers(pair.group(1), pair.group(2))).severity
