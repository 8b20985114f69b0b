"""The parties to an incident (reporter, affected person, subject account, witness), for its members only.

The use cases are in :mod:`.service`, the table in :mod:`.models`, and the role tokens that stand for parties
beyond the team in :mod:`.tokens` (apart from the use cases, so renderers can mask parties without importing them).
"""
