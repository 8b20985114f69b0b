"""``vigil review``: render a review (``vigil review INC-… --format md|html --audience team|leadership -o FILE``),
or write and move it on without Slack: ``vigil review edit|submit|publish INC-…``.

Submitting runs the publish gate; when it blocks, each finding is printed on its own line with its field and the
option that marks it as not personal data, and the command exits non-zero.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

from incidents.context import Ctx
from incidents.errors import VigilError
from incidents.people import resolve_person
from incidents.reviews.export import parse_audience, parse_format, render_review
from incidents.reviews.gate import PersonalDataFound
from incidents.reviews.service import (
    ReviewFields,
    mark_not_personal,
    publish_review,
    submit_for_review,
    update_review,
)
from incidents.reviews.templating import load_templates
from incidents.settings import Settings, load_settings
from vigil.cli.database import unit_of_work
from vigil.cli.parser import Definition
from vigil.cli.terminal import printable

T = TypeVar("T")
STEPS = ("edit", "submit", "publish")
FIELD_NAMES = tuple(f.name for f in fields(ReviewFields))
_OPTIONS = {
    "fmt": ("--format", "render"),
    "audience": ("--audience", "render"),
    "output": ("-o", "render"),
    "not_personal": ("--not-personal", "submit"),
    "field": ("--field", "edit"),
    "text": ("--text", "edit"),
    "from_file": ("--from-file", "edit"),
}
"""Option dest → (flag, the step it belongs to), so a misplaced option is refused rather than ignored."""


def _define_review(p: argparse.ArgumentParser) -> None:
    p.usage = "vigil review [edit|submit|publish] INC-… [options]"
    p.add_argument("words", nargs="+", metavar="[edit|submit|publish] REF", help="the step (none: render) and incident")
    p.add_argument("--format", dest="fmt", help="render: md or html (default html)")
    p.add_argument("--audience", help="render: team (members only when restricted) or leadership (default team)")
    p.add_argument("-o", "--output", type=Path, help="render: file to write (default: standard output)")
    p.add_argument(
        "--not-personal",
        action="append",
        default=[],
        metavar="TEXT",
        help="submit: a finding of the personal-data check that is not personal data, exactly as found (repeatable)",
    )
    p.add_argument("--field", help=f"edit: the field to write ({', '.join(FIELD_NAMES)})")
    text = p.add_mutually_exclusive_group()
    text.add_argument("--text", help="edit: the field's new text (an empty string clears it)")
    text.add_argument("--from-file", type=Path, metavar="FILE", help="edit: read the new text from FILE (- for stdin)")
    p.set_defaults(handler=_dispatch)


def _dispatch(args: argparse.Namespace) -> int:
    if len(args.words) == 1:
        step, ref = "render", args.words[0]
    elif len(args.words) == 2 and args.words[0] in STEPS:
        step, ref = args.words[0], args.words[1]
    else:
        raise VigilError("Say `vigil review INC-…` to render a review, or `vigil review edit|submit|publish INC-…`.")
    for dest, (flag, owner) in _OPTIONS.items():
        if getattr(args, dest) and owner != step:
            raise VigilError(f"{flag} goes with `vigil review {'' if owner == 'render' else owner + ' '}INC-…`.")
    handlers: dict[str, Callable[[argparse.Namespace, str], int]] = {
        "render": _render,
        "edit": _edit,
        "submit": _submit,
        "publish": _publish,
    }
    return handlers[step](args, ref.upper())


def _render(args: argparse.Namespace, ref: str) -> int:
    settings = load_settings()
    templates = load_templates(settings.templates_dir)
    audience, fmt = parse_audience(args.audience or "team"), parse_format(args.fmt or "html")
    text = _run(
        args,
        lambda ctx, actor: render_review(ctx, ref, actor=actor, audience=audience, fmt=fmt, templates=templates),
        settings,
    )
    if args.output is None:
        sys.stdout.write(printable(text, multiline=True))
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise VigilError(f"Could not write {args.output}: {exc.strerror or exc}.") from None
    print(f"Wrote the {audience.value} review of {ref} ({fmt.value}) to {args.output}.")
    return 0


def _edit(args: argparse.Namespace, ref: str) -> int:
    if args.field not in FIELD_NAMES:
        raise VigilError(f"Name the field to write with --field, one of: {', '.join(FIELD_NAMES)}.")
    text = _new_text(args)
    edited: dict[str, Any] = {args.field: text}
    changes = ReviewFields(**edited)
    _run(args, lambda ctx, actor: update_review(ctx, ref, changes, actor=actor))
    print(f"Wrote the {args.field} of the review of {ref}.")
    return 0


def _submit(args: argparse.Namespace, ref: str) -> int:
    def submit(ctx: Ctx, actor: str) -> None:
        if args.not_personal:
            mark_not_personal(ctx, ref, args.not_personal, actor=actor)
        submit_for_review(ctx, ref, actor=actor)

    try:
        _run(args, submit)
    except PersonalDataFound as exc:
        for finding in exc.findings:
            text = _quoted(finding.text)
            print(
                f"{finding.field}: {finding.label} {text} — rewrite it, or mark it with --not-personal {text}",
                file=sys.stderr,
            )
        raise
    print(f"Submitted the review of {ref} for review; publish it with `vigil review publish {ref}`.")
    return 0


def _publish(args: argparse.Namespace, ref: str) -> int:
    _run(args, lambda ctx, actor: publish_review(ctx, ref, actor=actor))
    print(f"Published the review of {ref}.")
    return 0


def _run(args: argparse.Namespace, work: Callable[[Ctx, str], T], settings: Settings | None = None) -> T:
    """``work`` in one unit of work, as the ``--as`` person."""
    with unit_of_work(settings) as ctx:
        return work(ctx, resolve_person(ctx, args.actor))


def _new_text(args: argparse.Namespace) -> str:
    if args.text is not None:
        return str(args.text)
    if args.from_file is None:
        raise VigilError("Give the new text with --text TEXT or --from-file FILE (- for standard input).")
    if str(args.from_file) == "-":
        return sys.stdin.read()
    source: Path = args.from_file
    try:
        return source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise VigilError(f"Could not read {args.from_file}: {getattr(exc, 'strerror', None) or exc}.") from None


def _quoted(text: str) -> str:
    """``text`` as the shell argument that gives it back exactly: in double quotes when that is safe."""
    return f'"{text}"' if not any(c in text for c in '"$`\\!\n') else shlex.quote(text)


DEFINITIONS: dict[str, Definition] = {"review": _define_review}
