"""The intake API's fixtures (a server on loopback, keys) and the CLI runner, for the signals tests."""

from tests.api.conftest import api, make_key
from tests.test_cli import vigil

__all__ = ["api", "make_key", "vigil"]
