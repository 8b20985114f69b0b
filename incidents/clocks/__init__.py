"""Regulatory and internal clocks: started by policy at declare (or by hand), satisfied with a reference.

The verbs are in :mod:`.service`; when a clock falls due (business days in the regime's own calendar) in
:mod:`.deadlines`; where a clock stands at a moment (running, overdue, met, missed), which every surface asks, in
:mod:`.standing`. The :class:`~incidents.models.Clock` row is part of the incident aggregate in
:mod:`incidents.models`. What is sent to meet a clock, and the record of its sending, is :mod:`incidents.filings`.
"""
