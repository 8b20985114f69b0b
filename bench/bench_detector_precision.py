"""How readable real incident prose stays for leadership, and what detecting personal data costs per entry.

Runs the detector over published post-mortems and incident reports (``bench/data/postmortems.txt``: its header
names the sources and their licences, and the personal data they hold: people and accounts named in them). Every
paragraph is one entry, as a note in a timeline would be. Prints the share of words masked that are not personal
data (the target: at most 1 in 200), lists those words with what they were masked as, and prints the detector's
cost per entry in processor time (target: p99 at most 2 ms; the corpus's paragraphs are longer than most notes, so
it also prints the figure for entries of at most 40 words).

Run: ``.venv/bin/python bench/bench_detector_precision.py``.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from incidents.privacy.detector import detector

CORPUS = Path(__file__).parent / "data" / "postmortems.txt"
MOST_WRONGLY_MASKED = 1 / 200
P99_BUDGET_MS = 2.0
SHORT_ENTRY_WORDS = 40
_PERSONAL = re.compile(r"^# personal: (.+)$", re.MULTILINE)
_WORD = re.compile(r"\S+")
_EDGES = ".,;:!?()[]{}\"'\u201c\u201d\u2018\u2019*"


@dataclass
class Precision:
    words: int = 0
    masked: int = 0
    wrongly_masked: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(word, category) → how often it was masked though it is no personal data."""
    timings_ms: list[float] = field(default_factory=list)
    """Processor time per entry: what one write costs, whatever else the machine is doing."""

    @property
    def wrong(self) -> int:
        return sum(self.wrongly_masked.values())

    @property
    def rate(self) -> float:
        return self.wrong / self.words if self.words else 0.0

    short_timings_ms: list[float] = field(default_factory=list)

    def percentile_ms(self, share: float, *, short: bool = False) -> float:
        ordered = sorted(self.short_timings_ms if short else self.timings_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def entries(corpus: str) -> list[str]:
    """The paragraphs of the corpus, without its header and source lines."""
    return [p for p in corpus.split("\n\n") if p.strip() and not p.lstrip().startswith("#")]


def personal_data(corpus: str) -> list[str]:
    """What the header lists as personal data in the corpus (people and accounts it names), casefolded."""
    return [item.strip().casefold() for line in _PERSONAL.findall(corpus) for item in line.split(";") if item.strip()]


def measure(corpus_path: Path = CORPUS) -> Precision:
    corpus = corpus_path.read_text(encoding="utf-8")
    personal = personal_data(corpus)
    found = detector()
    # Warm: libphonenumber loads a region's metadata the first time it reads one. As of another year, so that the
    # measured pass finds none of its results remembered (the detector remembers what it read lately, by year).
    for entry in entries(corpus):
        found.detect(entry, today=datetime(2000, 1, 1, tzinfo=UTC))
    result = Precision()
    for entry in entries(corpus):
        started = time.process_time()
        findings = found.detect(entry)
        result.timings_ms.append(1000 * (time.process_time() - started))
        if len(entry.split()) <= SHORT_ENTRY_WORDS:
            result.short_timings_ms.append(result.timings_ms[-1])
        for word in _WORD.finditer(entry):
            result.words += 1
            hit = next((f for f in findings if f.start < word.end() and word.start() < f.end), None)
            if hit is None:
                continue
            result.masked += 1
            bare = word.group(0).strip(_EDGES).casefold().removesuffix("'s").removesuffix("\u2019s")
            if not any(bare and bare in item for item in personal):
                result.wrongly_masked[(word.group(0).strip(_EDGES), hit.category)] += 1
    return result


def main() -> None:
    detector()
    result = measure()
    print(f"corpus: {CORPUS.relative_to(Path.cwd()) if CORPUS.is_relative_to(Path.cwd()) else CORPUS}")
    print(f"entries: {len(result.timings_ms)}, words: {result.words}, masked: {result.masked}")
    print(
        f"masked though not personal data: {result.wrong} words = 1 in {result.words // max(result.wrong, 1)} "
        f"({100 * result.rate:.2f}%; target at most {100 * MOST_WRONGLY_MASKED:.2f}%)"
    )
    for (word, category), count in sorted(result.wrongly_masked.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {count:3d} x {word!r} as {category}")
    print(
        f"detector per entry (processor time): p50 {result.percentile_ms(0.5):.2f} ms, "
        f"p99 {result.percentile_ms(0.99):.2f} ms, max {max(result.timings_ms):.2f} ms; entries of at most "
        f"{SHORT_ENTRY_WORDS} words: p50 {result.percentile_ms(0.5, short=True):.2f} ms, "
        f"p99 {result.percentile_ms(0.99, short=True):.2f} ms (target p99 at most {P99_BUDGET_MS:.1f} ms)"
    )


if __name__ == "__main__":
    main()
