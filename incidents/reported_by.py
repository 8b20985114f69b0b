"""Who reported a timeline entry in another system (the intake API's ``reported_by``).

It names a person by definition, whatever it contains, so it is kept beside the entry's text
(``data["reported_by"]``), never inside it: readers who may see the case's parties
(:attr:`incidents.access.Act.SEE_PARTIES`, its members) read it as written, everyone else (leadership, the rest of
the workspace, the incident's channel) reads the role it plays. Nothing has to recognise it as a name first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incidents.guards import without_bidi

REPORTED_BY = "reported_by"
REPORTER = "the reporter"
"""What stands for whoever reported an entry, for readers who may not see the case's parties."""


def reporter_data(reporter: str | None) -> dict[str, str]:
    """The entry data that records ``reporter`` (nothing for a blank one)."""
    cleaned = " ".join(without_bidi(reporter or "").split())
    return {REPORTED_BY: cleaned} if cleaned else {}


def with_reporter(text: str, data: Mapping[str, Any] | None, *, named: bool) -> str:
    """``text`` (already prepared for its reader) as the entry reads with who reported it: by name for readers who
    may see the case's parties, as :data:`REPORTER` for everyone else."""
    reporter = (data or {}).get(REPORTED_BY)
    if not isinstance(reporter, str) or not reporter:
        return text
    return f"Reported by {without_bidi(reporter) if named else REPORTER}: {text}"
