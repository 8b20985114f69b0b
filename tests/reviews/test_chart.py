"""The review's severity chart: its time axis fits the incident, with ticks spaced for their labels.

That the labels are clear of each other as a browser lays them out is measured in Chromium
(tests/web/test_browser.py); here, what the axis says."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from incidents.enums import Severity
from incidents.reviews.chart import ChartInput, severity_chart

START = datetime(2026, 11, 23, 14, 5, 41, tzinfo=UTC)


def axis_labels(span: timedelta) -> list[str]:
    svg = severity_chart(ChartInput(START, START + span, [(START, Severity.SEV1)], [], []))
    return re.findall(r'<text x="[\d.]+" y="220" text-anchor="\w+" fill="#475569" font-size="11">([^<]+)</text>', svg)


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        (timedelta(seconds=19), ["23 Nov 14:05:45", "14:05:50", "14:05:55", "14:06:00"]),
        (timedelta(hours=3), ["23 Nov 14:30", "15:00", "15:30", "16:00", "16:30", "17:00"]),
        (
            timedelta(hours=30),
            ["23 Nov 15:00", "18:00", "21:00", "24 Nov 00:00", "03:00", "06:00", "09:00", "12:00", "15:00", "18:00"],
        ),
    ],
)
def test_the_axis_spans_the_incident_with_as_many_ticks_as_fit(span: timedelta, expected: list[str]) -> None:
    """A 19-second incident is drawn over its 19 seconds (it used to be padded to half an hour); the date
    stands on the first label and wherever the day changes."""
    assert axis_labels(span) == expected


def test_an_instant_incident_still_gets_an_axis() -> None:
    labels = axis_labels(timedelta(0))
    assert len(labels) >= 3 and labels[0].startswith("23 Nov 14:05:")
