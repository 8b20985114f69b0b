"""``vigil evidence REF --matter "…" -o DIR [--include-personal-data]`` writes an incident's evidence package;
``vigil evidence verify DIR`` checks one with nothing but the package (:mod:`incidents.record.evidence.check`),
exit 0 only when everything holds."""

from __future__ import annotations

import argparse
from pathlib import Path

from incidents.errors import VigilError
from incidents.people import resolve_person
from incidents.record.evidence.bag import refuse_unusable, write_package
from incidents.record.evidence.check import check_package
from incidents.record.evidence.contents import Package, export_evidence
from incidents.record.signing import KEY_ADVICE, Signer, signer_from
from incidents.reviews import load_templates
from incidents.settings import load_settings
from vigil.cli.database import run
from vigil.cli.parser import REF_HELP, Definition
from vigil.cli.terminal import printable

USAGE = 'vigil evidence REF --matter "…" -o DIR [--include-personal-data], or vigil evidence verify DIR'


def _evidence(args: argparse.Namespace) -> int:
    if args.target[0] == "verify":
        if len(args.target) != 2:
            raise VigilError("Give the package to verify: vigil evidence verify DIR.")
        return _verify(Path(args.target[1]))
    if len(args.target) != 1 or not args.matter or args.output is None:
        raise VigilError(f"Say which incident, for which matter and where: {USAGE}.")
    return _export(args, args.target[0])


def _export(args: argparse.Namespace, ref: str) -> int:
    refuse_unusable(args.output)
    settings = load_settings()
    signer = signer_from(settings)
    if signer is None:
        raise VigilError(
            "Evidence packages are anchored to a checkpoint signed with the record's key, and none is configured: "
            f"set VIGIL_RECORD_SIGNING_KEY_FILE ({KEY_ADVICE})."
        )
    templates = load_templates(settings.templates_dir)
    package = run(
        lambda ctx: export_evidence(
            ctx,
            ref,
            actor=resolve_person(ctx, args.actor),
            matter=args.matter,
            personal_data=args.include_personal_data,
            signer=signer,
            templates=templates,
            anchored=settings.record_channel is not None,
        )
    )
    _write(package, args.output, signer)
    return 0


def _write(package: Package, directory: Path, signer: Signer) -> None:
    files = write_package(package, directory, signer)
    personal = "with" if package.personal_data else "without"
    print(
        printable(
            f"Wrote the evidence package of {package.ref} for {package.matter} to {directory}: {files} files, "
            f"{package.entries:,} record entries under {package.checkpoint.name}, {personal} the parties' personal "
            f"data. Check it with `vigil evidence verify {directory}`."
        )
    )
    if not package.verified.holds:
        print(printable(f"{package.verified.summary} The package says so in data/record/verification.txt."))


def _verify(directory: Path) -> int:
    if not directory.is_dir():
        raise VigilError(f"No evidence package at {directory}: give the directory `vigil evidence` wrote.")
    report = check_package(directory)
    for line in (*report.problems, report.summary, *report.notes):
        print(printable(line))
    return 0 if report.holds else 1


def _define_evidence(p: argparse.ArgumentParser) -> None:
    p.usage = USAGE
    p.add_argument("target", nargs="+", metavar="REF | verify DIR", help=f"{REF_HELP}, or verify and a package")
    p.add_argument("--matter", help="the legal matter the package is for (in its custody log and the audit log)")
    p.add_argument("-o", "--output", type=Path, metavar="DIR", help="a new directory to write the package to")
    p.add_argument(
        "--include-personal-data",
        action="store_true",
        help="list the parties and leave their identifiers as written (members only; audited)",
    )
    p.set_defaults(handler=_evidence)


DEFINITIONS: dict[str, Definition] = {"evidence": _define_evidence}
