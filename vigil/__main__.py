"""``python -m vigil``: the ``vigil`` command, for when the script is not on the PATH."""

from vigil.cli import main

raise SystemExit(main())
