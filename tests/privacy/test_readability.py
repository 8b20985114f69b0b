"""Leadership can still read an incident: on published post-mortems, at most 1 word in 200 is masked that is not
personal data (the corpus and its licences: bench/data/postmortems.txt; the bench prints the words)."""

from __future__ import annotations

from bench.bench_detector_precision import MOST_WRONGLY_MASKED, measure


def test_real_incident_prose_stays_readable() -> None:
    result = measure()
    assert result.words > 20_000
    wrong = ", ".join(f"{word} ({category})" for word, category in result.wrongly_masked)
    assert result.rate <= MOST_WRONGLY_MASKED, f"{result.wrong} of {result.words} words masked: {wrong}"
