"""Writing an evidence package: the payload into ``data/`` of a BagIt bag (the ``bagit`` library writes the
manifests, SHA-256), the README beside it, then the seal: ``seal.json`` lists every file's SHA-256, the tag
manifest included, and ``seal.sig`` signs it with the record's key. The bag is built beside the directory asked for
and moved there once complete, so a failed export leaves nothing half written.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import bagit

from incidents.errors import VigilError
from incidents.record.canonical import canonical, plain
from incidents.record.evidence.check import SEAL, SEAL_KIND, SEAL_SIGNATURE
from incidents.record.evidence.contents import Package
from incidents.record.evidence.readme import readme
from incidents.record.signing import Signer

SEAL_VERSION = 1
README = "README.txt"


def refuse_unusable(directory: Path) -> None:
    """The package goes into a new (or empty) directory: nothing already there is overwritten or mixed into it."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise VigilError(f"{directory} exists and is not empty: name a new directory for the package.")


def write_package(package: Package, directory: Path, signer: Signer) -> int:
    """Write and seal ``package`` as a bag at ``directory``; how many files it has."""
    refuse_unusable(directory)
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    except OSError as exc:
        raise VigilError(f"Cannot write the package to {directory}: {exc.strerror or exc}.") from None
    try:
        with _bagit_quiet():
            _bag(package, staging)
        count = _seal(package, staging, signer)
        if directory.exists():
            directory.rmdir()
        staging.rename(directory)
    except (OSError, bagit.BagError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise VigilError(f"Cannot write the package to {directory}: {getattr(exc, 'strerror', None) or exc}.") from None
    return count


def _bag(package: Package, staging: Path) -> None:
    for path, content in package.files.items():
        target = staging / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    info = {
        "External-Identifier": package.ref,
        "External-Description": f"Evidence package of {package.ref} for the matter {package.matter!r}",
        "Bagging-Date": f"{package.exported_at:%Y-%m-%d}",
        "Bag-Software-Agent": "Vigil (incidents.record.evidence)",
        "Vigil-Checkpoint": f"#{package.checkpoint.seq} {package.checkpoint.hash}",
        "Vigil-Record-Key": package.key_id,
    }
    bag = bagit.make_bag(str(staging), info, checksums=["sha256"])
    (staging / README).write_text(readme(package), encoding="utf-8")
    bag.save()  # the tag manifest, now with the README


def _seal(package: Package, staging: Path, signer: Signer) -> int:
    files = {
        path.relative_to(staging).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(staging.rglob("*"))
        if path.is_file()
    }
    body = canonical(
        plain(
            {
                "kind": SEAL_KIND,
                "v": SEAL_VERSION,
                "ref": package.ref,
                "matter": package.matter,
                "exported_at": package.exported_at,
                "exported_by": package.exported_by,
                "personal_data": package.personal_data,
                "checkpoint": {"seq": package.checkpoint.seq, "hash": package.checkpoint.hash},
                "key": package.key_id,
                "files": files,
            }
        )
    )
    (staging / SEAL).write_bytes(body)
    (staging / SEAL_SIGNATURE).write_text(signer.sign(body) + "\n", encoding="ascii")
    return len(files) + 2


@contextmanager
def _bagit_quiet() -> Iterator[None]:
    """The bagit library logs its failures with a traceback; here they are one line, said by the caller."""
    logger = logging.getLogger("bagit")
    was = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = was
