"""``vigil export --format csv`` (the web view's CSV files from a terminal) and ``vigil web`` (the web view on
its own port). The export applies the same visibility as the web view, for the ``--as`` person."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from incidents.access import counts_restricted, make_viewer
from incidents.db import database_errors
from incidents.errors import VigilError
from incidents.listing import all_incident_rows
from incidents.people import resolve_person
from incidents.settings import load_settings
from incidents.spreadsheets import CHARTS, chart_csv, collect_trends, incident_csv
from vigil.cli.database import require_database, unit_of_work
from vigil.cli.parser import Definition
from vigil.cli.terminal import printable
from vigil.cli.values import add_incident_filters, incident_filter, one_of, policy, positive

WHAT = ("incidents", *CHARTS, "all")


def export(args: argparse.Namespace) -> int:
    if args.weeks > 520:
        raise VigilError("--weeks must be 520 (ten years) or fewer.")
    if args.what == "all" and (args.output is None or args.output.is_file()):
        raise VigilError("--what all writes one file per export: give a directory with -o.")
    settings = load_settings()
    f = incident_filter(args, open_only=args.open)
    names = [*("incidents", *CHARTS)] if args.what == "all" else [args.what]
    with unit_of_work(settings) as ctx:
        viewer = make_viewer(resolve_person(ctx, args.actor), args.actor, None, settings.web_leadership)
        trends = (
            collect_trends(ctx, args.weeks, standard_only=not counts_restricted(viewer.who.kind))
            if set(names) & set(CHARTS)
            else None
        )
        outputs: dict[str, Iterator[str]] = {}
        for name in names:
            if name == "incidents":
                outputs[name] = iter(list(incident_csv(all_incident_rows(ctx, f, viewer))))
            else:
                assert trends is not None
                outputs[name] = chart_csv(name, trends)
    if args.what == "all":
        try:
            args.output.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise VigilError(f"Could not create the folder {args.output}: {exc.strerror or exc}.") from None
        for name, lines in outputs.items():
            _write(args.output / f"{name}.csv", lines)
        print(f"Wrote {len(outputs)} CSV files to {args.output}.")
    elif args.output is None:
        sys.stdout.writelines(printable(line, multiline=True) for line in outputs[args.what])
    else:
        _write(args.output, outputs[args.what])
    return 0


def _write(path: Path, lines: Iterator[str]) -> None:
    try:
        with path.open("w", encoding="utf-8", newline="") as out:
            out.writelines(lines)
    except OSError as exc:
        raise VigilError(f"Could not write {path}: {exc.strerror or exc}.") from None


def web(args: argparse.Namespace) -> int:
    from vigil.web_view import serve

    settings = load_settings()
    require_database(settings)
    with database_errors(settings.database_url):
        return serve(args)


def _define_export(p: argparse.ArgumentParser) -> None:
    pack = policy()
    p.add_argument("--format", dest="fmt", default="csv", choices=["csv"], help="csv (the only format)")
    p.add_argument("--what", default="incidents", choices=WHAT, help=f"one of {one_of(WHAT)} (default incidents)")
    p.add_argument("--weeks", type=positive, default=26, help="period of the chart figures (default 26)")
    p.add_argument("--open", action="store_true", help="open incidents only")
    add_incident_filters(p, pack, statuses=True)
    p.add_argument("-o", "--output", type=Path, help="file (or directory, with --what all); default stdout")
    p.set_defaults(handler=export)


def _define_web(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="0.0.0.0", help="the address to listen on (default 0.0.0.0)")
    p.add_argument("--port", type=int, default=8080, help="the port to listen on (default 8080)")
    p.set_defaults(handler=web)


DEFINITIONS: dict[str, Definition] = {"export": _define_export, "web": _define_web}
