"""Playbook steps as tasks, added by policy and done or skipped by the people the steps name.

The verbs are in :mod:`.service`, the table in :mod:`.models`.
"""
