"""Filing packets for the regulatory clocks: what is sent to a regulator, an authority or the record to meet a
clock, filled from the incident, and the record of its sending.

The packets' fields live in the policy pack (a clock's ``filing``, :mod:`incidents.policy.filings`); the facts they
are filled from in :mod:`.facts`; a filled packet in :mod:`.packet`, as Markdown in :mod:`.markdown`; the verbs
every surface calls (:func:`~.service.draft`, :func:`~.service.record_submission`) in :mod:`.service`.
"""
