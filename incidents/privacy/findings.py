"""What a scan stores, apart from the detector that finds it: reading stored findings must not load the detector
(its patterns and libphonenumber cost ~35 ms at import, which every `vigil` command would pay)."""

from __future__ import annotations

from typing import NamedTuple

DETECTOR_VERSION = "2026.12.3"
"""Stored with every scan; a row scanned by another version is scanned again (``vigil redaction rescan``)."""


class Finding(NamedTuple):
    start: int
    end: int
    category: str
