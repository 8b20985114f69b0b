"""The README.txt of an evidence package: what it is, what each file is, and how to verify it without Vigil, in
plain Python steps anyone can follow (or check.py, which does the same)."""

from __future__ import annotations

import textwrap

from incidents.access import Audience
from incidents.record.evidence.check import (
    CHECKPOINT,
    CHECKPOINT_SIGNATURE,
    LEAVES,
    MANIFEST,
    PROOFS,
    PUBLIC_KEY,
    SEAL,
    SEAL_SIGNATURE,
    TAG_MANIFEST,
)
from incidents.record.evidence.contents import CUSTODY, PAYLOAD, VERIFICATION, Package


def readme(package: Package) -> str:
    checkpoint = package.checkpoint
    reviews = " and ".join(f"{a.value} ({_VERSIONS[a]})" for a in package.audiences) or "none the exporter may read"
    personal = (
        "WITH the parties' personal data (data/parties.json lists them)."
        if package.personal_data
        else "WITHOUT the parties' personal data: their names, handles, account ids and contacts read as their role "
        '("Reporter", "Witness 2") everywhere, and they are not listed.'
    )
    about = (
        f"Exported from Vigil on {package.exported_at:%Y-%m-%d %H:%M:%S} UTC by {package.exporter} "
        f"({package.exported_by}), {personal} Anchored to record checkpoint #{checkpoint.seq} "
        f"({checkpoint.at:%Y-%m-%d %H:%M:%S} UTC), whose SHA-256 is {checkpoint.hash}, signed with record key "
        f"{package.key_id}; {package.entries:,} record entries."
    )
    trust = (
        "6. Whose key: the package cannot vouch for its own key. The key id is the first 16 hex digits of the "
        f"SHA-256 of the raw public key ({package.key_id}): compare it with the one the organisation publishes for "
        f"its Vigil. The checkpoint's hash, sha(read(\"{CHECKPOINT}\")).hex(), was posted to the organisation's "
        "record channel (Slack) when the checkpoint was made: compare it with that post, made outside Vigil's "
        "database."
    )
    return f"""Evidence package of {package.ref} for the matter {package.matter!r}

{_wrapped(about)}

This directory is a BagIt bag (RFC 8493), sealed by Vigil. Do not change anything in it: record later hand-overs
beside it. Paths below are relative to this directory.

WHAT EACH FILE IS

{_files(reviews)}

HOW TO VERIFY IT WITHOUT VIGIL (Python 3.11+, `pip install cryptography`, run in this directory)

    import hashlib, json, pathlib
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    sha = lambda data: hashlib.sha256(data).digest()
    read = lambda path: pathlib.Path(path).read_bytes()

1. The bag: each manifest line is a SHA-256 and a path (any BagIt validator checks the same).
    for manifest in ("{MANIFEST}", "{TAG_MANIFEST}"):
        for line in read(manifest).decode().splitlines():
            digest, path = line.split(maxsplit=1)
            assert sha(read(path)).hex() == digest, path

2. The seal: signed by the key, and every file as it lists (verify raises when the signature is wrong).
    key = load_pem_public_key(read("{PUBLIC_KEY}"))
    key.verify(bytes.fromhex(read("{SEAL_SIGNATURE}").decode()), read("{SEAL}"))
    for path, digest in json.loads(read("{SEAL}"))["files"].items():
        assert sha(read(path)).hex() == digest, path

3. The checkpoint: signed by the same key; its head for this incident's log.
    key.verify(bytes.fromhex(read("{CHECKPOINT_SIGNATURE}").decode()), read("{CHECKPOINT}"))
    proofs = json.loads(read("{PROOFS}"))
    [head] = [h for h in json.loads(read("{CHECKPOINT}"))["heads"] if h[0] == proofs["log"]]

4. The leaves: split the file's BYTES on b"\\n" (not str.splitlines); each leaf names its index and the hash of
   the one before; their Merkle tree (RFC 6962) has the checkpoint's size and root.
    leaves = read("{LEAVES}").split(b"\\n")[:-1]
    hashes = [sha(b"\\x00" + leaf) for leaf in leaves]
    for i, leaf in enumerate(leaves):
        body = json.loads(leaf)
        assert body["i"] == i and body["prev"] == (hashes[i - 1].hex() if i else ""), i
    def root(h):
        if len(h) == 1:
            return h[0]
        k = 1 << ((len(h) - 1).bit_length() - 1)
        return sha(b"\\x01" + root(h[:k]) + root(h[k:]))
    assert head[1] == len(leaves) and head[2] == root(hashes).hex()

5. Each inclusion proof (RFC 9162, section 2.1.3.2) leads from its leaf to the checkpoint's root.
    for i, leaf_hash, path in proofs["proofs"]:
        assert leaf_hash == hashes[i].hex()
        fn, sn, r = i, head[1] - 1, bytes.fromhex(leaf_hash)
        for p in map(bytes.fromhex, path):
            if fn & 1 or fn == sn:
                r = sha(b"\\x01" + p + r)
                while not fn & 1 and fn:
                    fn, sn = fn >> 1, sn >> 1
            else:
                r = sha(b"\\x01" + r + p)
            fn, sn = fn >> 1, sn >> 1
        assert sn == 0 and r.hex() == head[2], i

{_wrapped(trust, indent="   ")}

Or run Vigil's incidents/record/evidence/check.py, which needs nothing else: python check.py <this directory>
(with Vigil: vigil evidence verify <this directory>). A change to any file fails it, naming the file.
"""


def _wrapped(text: str, indent: str = "") -> str:
    return textwrap.fill(text, width=WIDTH, subsequent_indent=indent, break_on_hyphens=False, break_long_words=False)


def _files(reviews: str) -> str:
    """Each file with what it is, the descriptions wrapped beside the paths."""
    described = (
        (f"{PAYLOAD}incident.json", "the incident's facts and roles (RFC 8785 canonical JSON, like every .json here)"),
        (f"{PAYLOAD}timeline.json", "the timeline, in order; people by their key (see people.json)"),
        (f"{PAYLOAD}audit.json", "the incident's audit log (who did what, when), this export included"),
        (f"{PAYLOAD}actions.json", "corrective actions, with their Jira keys and links"),
        (f"{PAYLOAD}clocks.json", "regulatory clocks: regime, legal source, deadline, when met, and the reference"),
        (f"{PAYLOAD}people.json", "each person's key and name"),
        (f"{PAYLOAD}parties.json", "only when exported with personal data: the people the case is about"),
        (f"{PAYLOAD}reviews/", f"the post-incident review as Vigil renders it, HTML and Markdown: {reviews}"),
        (f"{PAYLOAD}{CUSTODY}", "every export of this incident from Vigil, this one last"),
        (
            LEAVES,
            "the incident's record: one leaf a line, each the canonical JSON Vigil committed to when a row was "
            "written (timeline entries, audit events, facts, roles, clocks, review...); free text is in it only as "
            '{"sha256": SHA-256(salt || canonical JSON of the text)}, the salt kept by Vigil',
        ),
        (PROOFS, "each leaf's RFC 6962 inclusion proof: [index, leaf hash, sibling hashes from the leaf up]"),
        (CHECKPOINT, "the checkpoint: [log, size, Merkle root] of each log that grew; this incident's log is its id"),
        (CHECKPOINT_SIGNATURE, "its Ed25519 signature, hex, over the bytes of checkpoint.json"),
        (PUBLIC_KEY, "the record's public key, which signed the checkpoint and the seal"),
        (f"{PAYLOAD}{VERIFICATION}", "Vigil's check, at the export, of every row against its leaf (with the salts)"),
        (f"{MANIFEST}, {TAG_MANIFEST}, bagit.txt, bag-info.txt", "BagIt's own files"),
        (SEAL, "every other file's SHA-256, as Vigil sealed the package"),
        (SEAL_SIGNATURE, "the seal's Ed25519 signature, hex, by the same key"),
    )
    lines = []
    for path, what in described:
        lines.append(path)
        lines += textwrap.wrap(what, width=WIDTH, initial_indent="    ", subsequent_indent="    ")
    return "\n".join(lines)


WIDTH = 100
_VERSIONS = {
    Audience.TEAM: "names people, shows the timeline as written",
    Audience.LEADERSHIP: "people as their roles, personal data masked",
}
