"""Checking an evidence package with nothing but the package. This module imports only the standard library and
``cryptography`` (Ed25519), so it is also how anyone checks a package without Vigil: copy this one file and run
``python check.py DIR`` (Python 3.11 or later, ``pip install cryptography``).

What holds when it passes, and what each file is (:mod:`.readme` says the same to whoever receives the package):

- Every file is as Vigil sealed it: ``seal.json`` lists every file's SHA-256 and is signed (``seal.sig``) with the
  record's key, whose public half is in the package; so a package whose files and BagIt manifests were rewritten
  consistently fails too, and the file at fault is named, the manifests included.
- The BagIt manifests (RFC 8493) match the files, as any BagIt validator checks.
- The record: ``leaves.jsonl`` holds the incident's log, one leaf a line, each linked to the one before by its hash;
  their RFC 6962 Merkle root, and each leaf's inclusion proof in ``proofs.json``, lead to the root that the signed
  checkpoint (``checkpoint.json``, ``checkpoint.sig``) fixed for the log.

Which key to trust is the one thing the package cannot say: compare the key id and the checkpoint hash this prints
with the ones the organisation's Vigil publishes (its record channel posts every checkpoint's hash).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

MANIFEST = "manifest-sha256.txt"
TAG_MANIFEST = "tagmanifest-sha256.txt"
SEAL, SEAL_SIGNATURE = "seal.json", "seal.sig"
RECORD = "data/record/"
LEAVES = RECORD + "leaves.jsonl"
PROOFS = RECORD + "proofs.json"
CHECKPOINT, CHECKPOINT_SIGNATURE = RECORD + "checkpoint.json", RECORD + "checkpoint.sig"
PUBLIC_KEY = RECORD + "public-key.pem"
SEAL_KIND = "vigil evidence package"
"""What a seal says it is: a body signed with the record's key that no checkpoint could be mistaken for."""
REASONS_SHOWN = 3


@dataclass
class Report:
    """What checking found, file by file; ``summary`` says what was checked."""

    by_file: dict[str, list[str]] = field(default_factory=dict)
    summary: str = ""
    notes: list[str] = field(default_factory=list)

    def problem(self, path: str, reason: str) -> None:
        self.by_file.setdefault(path, []).append(reason)

    @property
    def holds(self) -> bool:
        return not self.by_file

    @property
    def problems(self) -> list[str]:
        """One line per file at fault, naming it."""
        lines = []
        for path, reasons in sorted(self.by_file.items()):
            more = len(reasons) - REASONS_SHOWN
            said = "; ".join(reasons[:REASONS_SHOWN]) + (f"; and {more} more" if more > 0 else "")
            lines.append(f"{path}: {said}.")
        return lines


def check_package(root: Path) -> Report:
    report = Report()
    actual = {path: hashlib.sha256((root / path).read_bytes()).hexdigest() for path in _files(root)}
    key = _public_key(root, report)
    sealed = _sealed(root, key, report)
    if sealed is not None:
        _against_seal(actual, sealed, report)
    _manifest(root, MANIFEST, actual, sealed, report)
    _manifest(root, TAG_MANIFEST, actual, sealed, report)
    _record(root, key, report)
    if report.holds:
        report.summary = f"Package verified: {len(actual)} files as sealed and as listed; {report.summary}"
    else:
        many = "file" if len(report.by_file) == 1 else "files"
        report.summary = f"Package NOT verified: {len(report.by_file)} {many} at fault."
        report.notes.clear()
    return report


def _files(root: Path) -> list[str]:
    """Every file of the package, by its path inside it."""
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


def _read(root: Path, path: str, report: Report) -> bytes | None:
    try:
        return (root / path).read_bytes()
    except OSError:
        report.problem(path, "missing")
        return None


def _public_key(root: Path, report: Report) -> Ed25519PublicKey | None:
    data = _read(root, PUBLIC_KEY, report)
    if data is None:
        return None
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        key = None
    if not isinstance(key, Ed25519PublicKey):
        report.problem(PUBLIC_KEY, "not an Ed25519 public key (PEM)")
        return None
    return key


def key_id(key: Ed25519PublicKey) -> str:
    """The first 16 hex digits of the SHA-256 of the raw public key, as checkpoints name their key."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _signed(key: Ed25519PublicKey | None, body: bytes | None, signature: bytes | None) -> bool:
    if key is None or body is None or signature is None:
        return False
    try:
        key.verify(bytes.fromhex(signature.decode("ascii").strip()), body)
    except (InvalidSignature, ValueError):
        return False
    return True


def _sealed(root: Path, key: Ed25519PublicKey | None, report: Report) -> dict[str, str] | None:
    """The files and SHA-256 the seal lists, once its signature holds; None when it cannot be trusted."""
    body, signature = _read(root, SEAL, report), _read(root, SEAL_SIGNATURE, report)
    if body is None or signature is None or key is None:
        return None
    if not _signed(key, body, signature):
        report.problem(
            f"{SEAL}, {SEAL_SIGNATURE}",
            f"the seal's signature does not verify with {PUBLIC_KEY}: one of them was altered",
        )
        return None
    seal = _json(body)
    files = seal.get("files") if isinstance(seal, dict) else None
    if not isinstance(files, dict) or seal.get("kind") != SEAL_KIND:
        report.problem(SEAL, "signed, but not a seal of an evidence package")
        return None
    return {str(path): str(digest) for path, digest in files.items()}


def _against_seal(actual: Mapping[str, str], sealed: Mapping[str, str], report: Report) -> None:
    """Every file but the seal's own two against the seal."""
    for path in sorted((set(actual) | set(sealed)) - {SEAL, SEAL_SIGNATURE}):
        if path not in actual:
            report.problem(path, "missing (the seal lists it)")
        elif path not in sealed:
            report.problem(path, "added after Vigil sealed the package")
        elif actual[path] != sealed[path]:
            report.problem(path, "altered since Vigil sealed the package (its SHA-256 is not the sealed one)")


def _manifest(
    root: Path, name: str, actual: Mapping[str, str], sealed: Mapping[str, str] | None, report: Report
) -> None:
    """A BagIt manifest against the files. With a trusted seal, a line that disagrees with a file as sealed is the
    manifest's fault; without one, the file's."""
    data = _read(root, name, report)
    if data is None:
        return
    listed: dict[str, str] = {}
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        digest, _, path = line.strip().partition(" ")
        path = _unescaped(path.strip())
        if len(digest) != 64 or not path or path.startswith("/") or ".." in path.split("/"):
            report.problem(name, f"line {number} is not a SHA-256 and a path inside the package")
            continue
        listed[path] = digest.lower()
    as_sealed = {path for path, digest in actual.items() if sealed is not None and sealed.get(path) == digest}
    for path, digest in sorted(listed.items()):
        if path in as_sealed and digest != actual[path]:
            report.problem(name, f"its line for {path} was altered (the file is as sealed)")
        elif path not in actual and sealed is not None and path not in sealed:
            report.problem(name, f"lists {path}, which the package never had")
        elif sealed is None and path not in actual:
            report.problem(path, f"missing ({name} lists it)")
        elif sealed is None and digest != actual[path]:
            report.problem(path, f"altered (its SHA-256 is not the one {name} lists)")
    if name != MANIFEST:
        return
    for path in sorted(p for p in actual if p.startswith("data/") and p not in listed):
        if path in as_sealed:
            report.problem(name, f"does not list {path}")
        elif sealed is None:
            report.problem(path, f"added (not in {name})")


def _unescaped(path: str) -> str:
    """A manifest's path as RFC 8493 writes it: CR, LF and % percent-encoded."""
    return path.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None


@dataclass(frozen=True)
class _Head:
    seq: int
    at: str
    log: int
    size: int
    root: str
    hash: str


def _record(root: Path, key: Ed25519PublicKey | None, report: Report) -> None:
    proofs = _json(_read(root, PROOFS, report) or b"")
    if not isinstance(proofs, dict) or not isinstance(proofs.get("proofs"), list):
        report.problem(PROOFS, "not the proofs of a record (JSON with the log, its size, its root and the proofs)")
        proofs = {}
    head = _checkpoint(root, key, proofs.get("log"), report)
    leaves = _leaves(root, report)
    if head is None or not proofs or leaves is None:
        return
    if proofs.get("size") != head.size or proofs.get("root") != head.root:
        report.problem(PROOFS, f"not for the size and root checkpoint #{head.seq} fixed")
    hashed = [leaf_hash(leaf) for leaf in leaves]
    _chain(leaves, hashed, head, report)
    _proofs(proofs["proofs"], hashed, head, report)
    signer = key_id(key) if key is not None else "?"
    report.summary = (
        f"{len(leaves):,} record entries of {proofs.get('ref', 'the incident')}, linked and each proven under "
        f"checkpoint #{head.seq} ({head.at}), hash {head.hash}, signed by key {signer}."
    )
    report.notes.append(
        f"Trust it once key {signer} is the record key your organisation's Vigil publishes, and the hash of "
        f"checkpoint #{head.seq} is the one its record channel shows."
    )


def _checkpoint(root: Path, key: Ed25519PublicKey | None, log: Any, report: Report) -> _Head | None:
    body, signature = _read(root, CHECKPOINT, report), _read(root, CHECKPOINT_SIGNATURE, report)
    if body is None or signature is None:
        return None
    if key is not None and not _signed(key, body, signature):
        report.problem(
            f"{CHECKPOINT}, {CHECKPOINT_SIGNATURE}",
            f"the checkpoint's signature does not verify with {PUBLIC_KEY}: one of them was altered",
        )
    checkpoint = _json(body)
    try:
        heads = {int(h[0]): (int(h[1]), str(h[2])) for h in checkpoint["heads"]}
        seq, at, named = int(checkpoint["seq"]), str(checkpoint["at"]), str(checkpoint["key"])
    except (TypeError, KeyError, ValueError, IndexError):
        report.problem(CHECKPOINT, "not a checkpoint (JSON with its number, time, key and heads)")
        return None
    if key is not None and named != key_id(key):
        report.problem(PUBLIC_KEY, f"not the key checkpoint #{seq} names ({named})")
    if not isinstance(log, int) or log not in heads:
        report.problem(PROOFS, f"names a log checkpoint #{seq} does not fix")
        return None
    size, tree_root = heads[log]
    shown = f"{at[:10]} {at[11:16]} UTC" if at[10:11] == "T" else at
    return _Head(seq, shown, log, size, tree_root, hashlib.sha256(body).hexdigest())


def _leaves(root: Path, report: Report) -> list[bytes] | None:
    """The leaves, one a line: each line's bytes are exactly what its leaf hash is over (RFC 8785 JSON has no raw
    line feed in it)."""
    data = _read(root, LEAVES, report)
    if data is None:
        return None
    if data and not data.endswith(b"\n"):
        report.problem(LEAVES, "its last line was cut short")
    return data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n")


def leaf_hash(leaf: bytes) -> bytes:
    """RFC 6962: ``SHA-256(0x00 || leaf)``."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(hashes: list[bytes]) -> bytes:
    """RFC 6962's Merkle tree hash of the leaf hashes: split at the largest power of two below their number."""

    def subtree(lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return hashes[lo]
        split = lo + (1 << ((hi - lo - 1).bit_length() - 1))
        return node_hash(subtree(lo, split), subtree(split, hi))

    return subtree(0, len(hashes)) if hashes else hashlib.sha256(b"").digest()


def root_from_proof(index: int, size: int, hashed: bytes, path: Iterable[bytes]) -> bytes | None:
    """The root an inclusion proof leads to (RFC 9162 section 2.1.3.2); None when it cannot be one of a tree of
    ``size`` leaves."""
    if not 0 <= index < size:
        return None
    fn, sn, node = index, size - 1, hashed
    for sibling in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = node_hash(node, sibling)
        fn, sn = fn >> 1, sn >> 1
    return node if sn == 0 else None


def _chain(leaves: list[bytes], hashed: list[bytes], head: _Head, report: Report) -> None:
    if len(leaves) != head.size:
        report.problem(LEAVES, f"has {len(leaves)} entries where checkpoint #{head.seq} fixed {head.size}")
    previous = ""
    for index, leaf in enumerate(leaves):
        body = _json(leaf)
        if not isinstance(body, dict) or body.get("log") != head.log or body.get("i") != index:
            report.problem(LEAVES, f"line {index + 1} is not entry {index} of log {head.log}")
        elif body.get("prev") != previous:
            report.problem(LEAVES, f"entry {index} does not name the hash of the entry before it")
        previous = hashed[index].hex()
    if merkle_root(hashed).hex() != head.root:
        report.problem(LEAVES, f"its entries' Merkle root is not the one checkpoint #{head.seq} fixed")


def _proofs(proofs: list[Any], hashed: list[bytes], head: _Head, report: Report) -> None:
    proven: set[int] = set()
    root = bytes.fromhex(head.root) if len(head.root) == 64 else b""
    for proof in proofs:
        try:
            index, claimed, path = int(proof[0]), bytes.fromhex(proof[1]), [bytes.fromhex(p) for p in proof[2]]
        except (TypeError, ValueError, IndexError, KeyError):
            report.problem(PROOFS, "a proof is not an index, a leaf hash and a path of hashes")
            continue
        if root_from_proof(index, head.size, claimed, path) != root:
            report.problem(PROOFS, f"the proof of entry {index} does not lead to checkpoint #{head.seq}'s root")
        elif index < len(hashed) and hashed[index] != claimed:
            report.problem(LEAVES, f"entry {index} is not the one its proof proves")
        proven.add(index)
    unproven = head.size - len(proven & set(range(head.size)))
    if unproven:
        report.problem(PROOFS, f"{unproven} of the {head.size} entries have no proof")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not Path(args[0]).is_dir():
        print("usage: python check.py PACKAGE_DIRECTORY", file=sys.stderr)
        return 2
    report = check_package(Path(args[0]))
    for line in (*report.problems, report.summary, *report.notes):
        print(line)
    return 0 if report.holds else 1


if __name__ == "__main__":
    sys.exit(main())
