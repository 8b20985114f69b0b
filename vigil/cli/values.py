"""Argument values: each conversion refuses a wrong value in argparse's one line, naming the right ones, so no
mistake reaches a handler (or becomes a traceback inside argparse)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from enum import Enum
from typing import TypeVar

from incidents.enums import Severity, Status
from incidents.errors import VigilError
from incidents.policy import Policy, load_policy
from incidents.queries import IncidentFilter
from incidents.settings import load_settings

T = TypeVar("T")


def parsed_by(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse ``type`` from a domain parser (``parse_severity``…): its refusal becomes the argument error."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except VigilError as exc:
            raise argparse.ArgumentTypeError(exc.message) from None

    return convert


def one_of(values: Iterable[Enum | str]) -> str:
    """The valid values, for a help text."""
    return ", ".join(v.value if isinstance(v, Enum) else v for v in values)


def policy() -> Policy:
    """The policy pack in force, for the values its types, regions, roles and clocks allow."""
    return load_policy(load_settings().policy_file)


def add_incident_filters(p: argparse.ArgumentParser, pack: Policy, *, statuses: bool = False) -> None:
    """The filters ``list`` and ``export`` share, each repeatable, with the values it accepts in its help."""

    def repeatable(flag: str, normalise: Callable[[str], str], values: Iterable[Enum | str], what: str) -> None:
        choices = [v.value if isinstance(v, Enum) else v for v in values]
        p.add_argument(
            flag,
            action="append",
            default=[],
            type=normalise,
            choices=choices,
            metavar=flag.removeprefix("--").upper(),
            help=f"only {what} (repeatable): {one_of(choices)}",
        )

    if statuses:
        repeatable("--status", str.lower, Status, "these statuses")
    repeatable("--severity", str.upper, Severity, "these severities")
    repeatable("--type", str.lower, pack.types, "incidents of these types")
    repeatable("--region", str.upper, pack.regions, "these regions")
    p.add_argument("--search", metavar="TEXT", help="text in the title, or a reference")


def incident_filter(args: argparse.Namespace, *, open_only: bool) -> IncidentFilter:
    """What :func:`add_incident_filters` parsed, as the domain's filter."""
    return IncidentFilter(
        open_only=open_only,
        statuses=tuple(Status(s) for s in getattr(args, "status", ())),
        severities=tuple(Severity(s) for s in args.severity),
        types=tuple(args.type),
        regions=tuple(args.region),
        text=args.search,
    )


def time(value: str) -> datetime:
    """ISO 8601; a time without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r} (e.g. 2026-11-23T14:05Z)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (use YYYY-MM-DD)") from None


def positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number
