"""Links to the web view, for everything that points a person at it: the intake API's ``url``, the Jira issue's
review link, the Slack review bookmark, the leadership digest.

The web view answers at ``VIGIL_WEB_BASE_URL`` + ``VIGIL_WEB_PATH_PREFIX`` (``/web``: it shares the app with
Slack's events, the API and the Jira webhook). Building every link here keeps them from drifting apart; a test
follows each one to a page.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import quote

DEFAULT_WEB_PATH_PREFIX = "/web"


class WebAddress(Protocol):
    """Where the web view is served: :class:`~incidents.settings.Settings`, or a config copied from it."""

    @property
    def web_base_url(self) -> str | None: ...

    @property
    def web_path_prefix(self) -> str: ...


def web_url(where: WebAddress | None, *path: str) -> str | None:
    """The absolute URL of the web view's page at ``path`` (segments, each URL-quoted), e.g.
    ``web_url(settings, "incidents", ref, "review")``; None when the web view's public address is not configured,
    so callers leave the link out rather than emit one that leads nowhere."""
    if where is None or not where.web_base_url:
        return None
    segments = "".join(f"/{quote(part, safe='')}" for part in path)
    return f"{where.web_base_url.rstrip('/')}{where.web_path_prefix}{segments}"


def incident_page(where: WebAddress | None, ref: str) -> str | None:
    return web_url(where, "incidents", ref)


def review_page(where: WebAddress | None, ref: str) -> str | None:
    return web_url(where, "incidents", ref, "review")


def trends_page(where: WebAddress | None) -> str | None:
    return web_url(where, "trends")
