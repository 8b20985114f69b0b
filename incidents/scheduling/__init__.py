"""Keeping incidents moving: reminders, escalations, prompts and digests, decided on a clock and sent once.

``tick`` and the ``jobs`` decide, from the database and the injected time, who should be nudged, and record each
nudge (with an outbox row) exactly once; adapters deliver them. ``runner`` wires the jobs into APScheduler with a
database job store, and ``leader`` makes one replica of several run it. Entry point: ``service.start_scheduler``.
"""
