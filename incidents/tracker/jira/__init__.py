"""Jira adapter: :mod:`.client` (the tracker port over the ``jira`` library), :mod:`.payload` (Jira's issue JSON)
and :mod:`.webhook` (applying webhook deliveries). Only :mod:`.client` imports ``jira``."""
