"""``vigil review INC-… --format md|html --audience team|leadership -o FILE``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from incidents.context import Domain
from incidents.errors import VigilError
from incidents.reviews.export import parse_audience, parse_format, render_review
from incidents.reviews.templating import load_templates
from incidents.settings import load_settings


def register(sub: Any) -> None:
    p = sub.add_parser("review", help="render an incident's post-incident review (Markdown or HTML)")
    p.add_argument("ref", help="the incident, e.g. INC-2026-0042")
    p.add_argument("--format", dest="fmt", default="html", help="md or html (default html)")
    p.add_argument("--audience", default="team", help="team (members only when restricted) or leadership")
    p.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    p.set_defaults(handler=_review)


def _review(args: argparse.Namespace) -> int:
    settings = load_settings()
    templates = load_templates(settings.templates_dir)
    audience, fmt = parse_audience(args.audience), parse_format(args.fmt)
    domain = Domain.from_settings(settings)
    try:
        with domain.unit() as ctx:
            text = render_review(ctx, args.ref, actor=args.actor, audience=audience, fmt=fmt, templates=templates)
    finally:
        domain.engine.dispose()
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise VigilError(f"Could not write {args.output}: {exc.strerror or exc}.") from None
    print(f"Wrote the {audience.value} review of {args.ref.upper()} ({fmt.value}) to {args.output}.")
    return 0
