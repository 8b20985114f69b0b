"""Evidence packages: an incident's record handed over to counsel, a regulator or a court as a BagIt bag (RFC 8493)
that proves itself. :mod:`.contents` gathers what the exporter may see, audits the export and anchors it to a
fresh checkpoint; :mod:`.bag` writes and seals the bag, with the README of :mod:`.readme`; :mod:`.check` verifies
one with nothing but the package (it imports only the standard library and ``cryptography``).
"""
