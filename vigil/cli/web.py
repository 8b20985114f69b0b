"""``vigil export --format csv`` (the web view's CSV files from a terminal) and ``vigil web`` (the web view on
its own port). The export applies the same visibility as the web view, for the ``--as`` person."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from incidents.access import make_viewer
from incidents.context import Domain
from incidents.errors import VigilError
from incidents.exports import CHARTS, chart_csv, collect_trends, incident_csv
from incidents.lifecycle import parse_severity, parse_status
from incidents.listing import all_incident_rows
from incidents.queries import IncidentFilter
from incidents.settings import load_settings
from vigil.cli.render import printable

WHAT = ("incidents", *CHARTS, "all")


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="CSV of incidents, or of the figures behind a trends chart")
    p.add_argument("--format", dest="fmt", default="csv", choices=["csv"], help="csv (the only format)")
    p.add_argument("--what", default="incidents", choices=WHAT, help="incidents (default), a chart, or all")
    p.add_argument("--weeks", type=int, default=26, help="period of the chart figures (default 26)")
    p.add_argument("--open", action="store_true", help="open incidents only")
    p.add_argument("--status", action="append", default=[])
    p.add_argument("--severity", action="append", default=[])
    p.add_argument("--type", action="append", default=[])
    p.add_argument("--region", action="append", default=[])
    p.add_argument("--search", help="text in the title, or a reference")
    p.add_argument("-o", "--output", type=Path, help="file (or directory, with --what all); default stdout")
    p.set_defaults(handler=export)

    p = sub.add_parser("web", help="serve the web view (incidents, reviews, trends) on its own port")
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--port", type=int, default=8080)
    p.set_defaults(handler=lambda args: int(importlib.import_module("web.pages.serve").serve(args)))


def export(args: argparse.Namespace) -> int:
    if args.weeks < 1 or args.weeks > 520:
        raise VigilError("--weeks must be between 1 and 520.")
    if args.what == "all" and (args.output is None or args.output.is_file()):
        raise VigilError("--what all writes one file per export: give a directory with -o.")
    settings = load_settings()
    viewer = make_viewer(args.actor, args.actor, None, settings.web_leadership)
    f = IncidentFilter(
        open_only=args.open,
        statuses=tuple(parse_status(s) for s in args.status),
        severities=tuple(parse_severity(s) for s in args.severity),
        types=tuple(args.type),
        regions=tuple(args.region),
        text=args.search,
    )
    domain = Domain.from_settings(settings)
    names = [*("incidents", *CHARTS)] if args.what == "all" else [args.what]
    try:
        with domain.unit() as ctx:
            trends = (
                collect_trends(ctx, args.weeks, standard_only=not viewer.leadership)
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
    finally:
        domain.engine.dispose()
    if args.what == "all":
        args.output.mkdir(parents=True, exist_ok=True)
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
