"""Authlib's Starlette client, imported without its notice that it runs on httpx.

Authlib (1.6 and later) warns on import, with an ``AuthlibDeprecationWarning`` it forces to show every time, that
it falls back to httpx when its successor httpx2 is not installed. httpx is what Vigil installs and tests with, so
the notice asks nothing of an operator; it is silenced here, that one message only, while the import runs.
"""

from __future__ import annotations

import warnings

from authlib.deprecate import AuthlibDeprecationWarning

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="The httpx module is deprecated", category=AuthlibDeprecationWarning)
    from authlib.integrations.starlette_client import OAuth, OAuthError

__all__ = ["OAuth", "OAuthError"]
