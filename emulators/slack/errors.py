"""The single exception Web API handlers raise to answer `{"ok": false, "error": ...}`."""

from __future__ import annotations

from typing import Any


class SlackError(Exception):
    """A Slack error reply; `extra` is merged into the JSON body (e.g. response_metadata)."""

    def __init__(self, error: str, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON body Slack sends for this error."""
        return {"ok": False, "error": self.error, **self.extra}


def invalid_arguments(messages: list[str], error: str = "invalid_arguments") -> SlackError:
    """Slack's schema-validation failure, listing each problem in response_metadata.messages."""
    return SlackError(error, response_metadata={"messages": messages})


class AckTimeoutError(TimeoutError):
    """The app did not acknowledge an envelope within Slack's 3 second deadline."""

    def __init__(self, ack: Any) -> None:
        super().__init__(f"envelope {ack.envelope_id} ({ack.type}) not acked within 3 s")
        self.ack = ack
