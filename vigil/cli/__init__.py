"""``vigil``: run incidents from a terminal, manage the database, and start the bot.

Every command drives the same domain services the bot does. Errors print one line and exit non-zero: 1 when
Vigil refused (the line says why and what to do), 2 when the command line itself was wrong.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import threading
from collections.abc import Iterator, Sequence

from incidents.errors import VigilError
from vigil.cli.parser import Handler, build_parser
from vigil.cli.terminal import new_command, notice, one_line


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command ``argv`` names and return its exit status.

    Run as the ``vigil`` process itself (``argv`` not given), it starts and ends the way a short-lived process can
    afford: the command's modules load without the garbage collector (:func:`_loading`), and once the command is
    done and nothing else runs the process ends at once, skipping the interpreter's orderly teardown of the several
    hundred modules a command loads (~90 ms of `vigil list` here) to free memory the system frees anyway.
    """
    as_process = argv is None
    code = _run(argv, loading=_loading() if as_process else contextlib.nullcontext())
    if as_process and threading.active_count() == 1:
        logging.shutdown()
        with contextlib.suppress(BrokenPipeError):  # `vigil list | head` stops reading early
            sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _run(argv: Sequence[str] | None, *, loading: contextlib.AbstractContextManager[None]) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    new_command()
    parser, commands = build_parser()
    try:
        with loading:
            commands.define_named(sys.argv[1:] if argv is None else argv)  # imports the command's module
            args = parser.parse_args(argv)
        if args.command not in REFUSING_UNKNOWN_SETTINGS:
            _warn_about_unknown_settings()
        handler: Handler = args.handler
        return handler(args)
    except VigilError as exc:
        print(f"vigil: {one_line(exc.message)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


REFUSING_UNKNOWN_SETTINGS = frozenset({"serve"})
"""Commands that refuse to start with a setting Vigil does not know (a long-running bot must not run half
configured); every other command warns and goes on."""


def _warn_about_unknown_settings() -> None:
    from incidents.settings import unknown_settings  # here: `vigil --help` never loads pydantic

    unknown = unknown_settings()
    if unknown is not None:
        notice(f"{unknown}; ignored.")


@contextlib.contextmanager
def _loading() -> Iterator[None]:
    """Loading a command's modules builds a few hundred thousand objects that live as long as the process; the
    collector would walk the growing heap again and again meanwhile (~35 ms of `vigil list`). So it waits, and
    what was built is then frozen out of its view."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
