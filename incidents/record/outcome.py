"""What verifying the record found, and the checkpoints it was checked against."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from incidents.record.checkpoints import Checkpoint, Head


@dataclass
class Outcome:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    anchor: Checkpoint | None = None
    """The latest checkpoint the verified logs are fixed by."""
    entries: int = 0
    newer: int = 0
    """Entries past the last checkpoint of their log: consistent, but a rewrite of them could not be told apart
    until the next checkpoint fixes them."""
    logs: int = 0
    by_log: dict[int, list[str]] = field(default_factory=dict)
    """Each log checked, with its own problems (none: it holds)."""
    fixed_at: dict[int, int] = field(default_factory=dict)
    """Each log checked that a checkpoint fixed, with the number of the latest one that did."""

    @property
    def holds(self) -> bool:
        return not self.problems

    @property
    def summary(self) -> str:
        counted = f"{_count(self.entries, 'entry', 'entries')} in {_count(self.logs, 'log', 'logs')}"
        if self.problems:
            many = "problem" if len(self.problems) == 1 else "problems"
            return f"Record NOT verified: {len(self.problems)} {many} ({counted})."
        if self.anchor is None:
            return f"Record consistent but not yet under a checkpoint ({counted})."
        if self.newer:
            counted += f"; {self.newer:,} newer than the checkpoint: consistent, for the next one to fix"
        return f"Record verified at {self.anchor.name} ({counted})."


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


@dataclass
class Anchors:
    """The checkpoints, as verified: each log's heads in order, and every checkpoint by number."""

    by_log: dict[int, list[tuple[Checkpoint, Head]]] = field(default_factory=lambda: defaultdict(list))
    latest: Checkpoint | None = None

    def since(self, log: int, idx: int) -> str:
        """ " since checkpoint #3 (…)": the first checkpoint that fixed the entry at ``idx``."""
        for checkpoint, head in self.by_log.get(log, ()):
            if head.size > idx:
                return f" since {checkpoint.name}"
        return " (after the last checkpoint)"


def capitalised(text: str) -> str:
    """``text`` to start a line with: its first letter upper case, the rest as it is (``str.capitalize`` would
    lower "UTC")."""
    return text[:1].upper() + text[1:]
