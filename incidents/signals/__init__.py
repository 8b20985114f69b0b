"""Signals: reports that arrive before anyone declares, grouped into one incident or one triage decision."""
