"""Commands that may resolve an incident (``resolve``, ``status``, ``update``): when resolving would leave work
open and ``--yes`` was not given, the refusal lists it."""

from __future__ import annotations

import argparse
import sys

from incidents.left_open import WorkLeftOpen
from vigil.cli.parser import Handler
from vigil.cli.terminal import printable


def asking_first(handler: Handler) -> Handler:
    """``handler``, whose refusal to resolve with work open is its line (exit status 1; nothing changed) followed by
    what is open, one item a line."""

    def ask(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except WorkLeftOpen as refused:
            ref, left = refused.ref, refused.left
            anyway = f"`vigil resolve {ref} --yes` resolves it anyway"
            print(f"vigil: {ref} still has {left.summary()} open; {anyway}:", file=sys.stderr)
            for line in left.lines():
                print(f"  {printable(line)}", file=sys.stderr)
            return 1

    return ask
