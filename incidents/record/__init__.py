"""The record: a tamper-evident history of every incident, which erasure and retention can thin without breaking.

Every write of a chained row (timeline entries, audit events, the incident's facts, status and role changes,
clocks, reviews, legal holds: :mod:`.subjects`) appends a leaf to its incident's log in the same transaction
(:mod:`.hook`, :mod:`.log`). A leaf is the row's canonical JSON (RFC 8785, :mod:`.canonical`) with each free-text
field replaced by a salted hash, and the hash of the log's previous leaf; logs are Merkle trees hashed as RFC 6962
does (:mod:`.merkle`). Signed checkpoints (:mod:`.checkpoints`, :mod:`.signing`) fix every log that grew, hourly and
after each resolve and publish (:mod:`.delivery`), each naming the one before it; their hashes are posted outside
the database. :mod:`.verify` recomputes all of it; :mod:`.checks` keeps the scheduler's verdicts for pages.
:mod:`.erasure` forgets what was erased, :mod:`.retention` purges on the policy pack's schedule, and
:mod:`.holds` keeps an incident whole for a legal matter. :mod:`.evidence` hands an incident's record over as a
sealed BagIt package that anyone can verify without Vigil.
"""
