"""Referrals: part of an incident handed to another process with that process's own reference, tracked to closure.

The verbs are in :mod:`.service`, the table in :mod:`.models`.
"""
