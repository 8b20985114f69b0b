"""The intake API's credentials: API keys (created and revoked by operators, checked on every call) and the
idempotency records of their POSTs.

The verbs are in :mod:`.service`, the tables in :mod:`.models`.
"""
