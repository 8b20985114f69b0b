"""One POST of a webhook body, as the emulators record it: where to, what, and what came back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp


@dataclass(kw_only=True)
class WebhookPost:
    """A body POSTed (or to be POSTed) to ``url``; ``status`` is None when the receiver could not be reached (then
    ``error`` says why). Each emulator's ``Delivery`` extends it with what identifies the webhook."""

    url: str
    body: bytes
    headers: dict[str, str]
    status: int | None = None
    error: str | None = None

    def json(self) -> dict[str, Any]:
        """The delivered body, parsed."""
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    async def send(self, session: aiohttp.ClientSession) -> None:
        """POST the body once and record the receiver's status, or the error that kept it from answering."""
        try:
            async with session.post(self.url, data=self.body, headers=self.headers) as response:
                self.status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.error = repr(exc)
