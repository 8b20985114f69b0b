"""SlackEmulator: a local Slack (Web API, Socket Mode, HTTP delivery, OIDC) on one loopback port.

Usage: `with SlackEmulator() as emu: WebClient(token=emu.bot_token, base_url=emu.web_api_url)`.
State accessors return deep copies taken under the lock, so tests can inspect them safely while the
app keeps calling the API.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

from emulators.slack.console import Console
from emulators.slack.driver import Driver
from emulators.slack.limits import Faults, RandomFaults, RateLimiter
from emulators.slack.models import (
    Ack,
    ApiCall,
    Bookmark,
    Channel,
    Ephemeral,
    File,
    Message,
    Pin,
    Reaction,
    ResponseUrlPost,
    User,
    View,
)
from emulators.slack.routes import Routes
from emulators.slack.server import EmulatorServer
from emulators.slack.socket_mode import SocketHub
from emulators.slack.state import Workspace
from emulators.slack.web import WebApi

T = TypeVar("T")


class SlackEmulator(Driver):
    """A Slack workspace with one installed app (bot + app-level token + signing secret)."""

    def __init__(
        self,
        latency_ms: float = 0,
        enforce_rate_limits: bool = True,
        rate_limit_window_s: float = 60.0,
        host: str = "127.0.0.1",
        port: int = 0,
        post_message_burst: int = 10,
    ) -> None:
        self._ws = Workspace()
        self._faults = Faults(latency_ms)
        self._limiter = RateLimiter(rate_limit_window_s, post_message_burst)
        self._web = WebApi(self._ws, self._limiter, self._faults, enforce_rate_limits)
        self._routes = Routes(self._ws)
        self._hub = SocketHub(self._ws)
        self._server = EmulatorServer(self._web, self._routes, self._hub, host, port)
        self._server.console = Console(self)
        self.http_target: str | None = None
        ws = self._ws
        self.bot_token, self.app_token, self.signing_secret = ws.bot_token, ws.app_token, ws.signing_secret
        self.team_id, self.team_domain, self.app_id = ws.team_id, ws.team_domain, ws.app_id
        self.bot_id, self.bot_user_id, self.verification_token = (
            ws.bot_id,
            ws.bot_user_id,
            ws.verification_token,
        )
        self.client_id, self.client_secret = ws.client_id, ws.client_secret

    # lifecycle
    def start(self) -> SlackEmulator:
        """Bind the port and start serving."""
        self._server.start()
        self._web.base_url = self._routes.base_url = self.base_url
        return self

    def stop(self) -> None:
        """Disconnect apps and shut down."""
        self._server.stop()

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # identity and addresses
    @property
    def port(self) -> int:
        return self._server.port

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT/ — root of every endpoint."""
        return f"http://{self._server.host}:{self._server.port}/"

    @property
    def web_api_url(self) -> str:
        """For WebClient(base_url=...); the trailing slash is required by slack_sdk."""
        return f"{self.base_url}api/"

    @property
    def oidc_configuration_url(self) -> str:
        return f"{self.base_url}.well-known/openid-configuration"

    # seeding
    def add_user(self, name: str, real_name: str | None = None, email: str | None = None) -> str:
        """A workspace member; returns its U… id."""
        return self._ws.add_user(name, real_name or name, email)

    def add_channel(
        self,
        name: str,
        is_private: bool = False,
        members: list[str] | None = None,
        bot_is_member: bool = True,
    ) -> str:
        """A channel created by a person (not the app); the bot joins unless bot_is_member=False."""
        people = set(members or [])
        if bot_is_member:
            people.add(self._ws.bot_user_id)
        creator = next(iter(sorted(people - {self._ws.bot_user_id})), self._ws.bot_user_id)
        return self._ws.add_channel(name, is_private, people, creator)

    def add_usergroup(self, handle: str, users: list[str]) -> str:
        """A user group (for usergroups.users.list); returns its S… id. `handle` is informational."""
        group_id = self._ws.new_id("S")
        with self._ws.lock:
            self._ws.usergroups[group_id] = list(users)
        return group_id

    def oidc_login_as(self, user_id: str | None) -> None:
        """Who /openid/connect/authorize signs in as (None → the user declines: error=access_denied)."""
        with self._ws.lock:
            self._ws.oidc_login_user = user_id

    def issue_trigger_id(self, user_id: str, issued_ago_s: float = 0.0) -> str:
        """A trigger_id as an interaction would carry; back-date it to test expired_trigger_id."""
        return self._ws.issue_trigger(user_id, issued_ago_s)

    # faults
    @property
    def latency_ms(self) -> float:
        return self._faults.latency_ms

    @latency_ms.setter
    def latency_ms(self, value: float) -> None:
        self._faults.latency_ms = value

    @property
    def enforce_rate_limits(self) -> bool:
        return self._web.enforce_rate_limits

    @enforce_rate_limits.setter
    def enforce_rate_limits(self, value: bool) -> None:
        self._web.enforce_rate_limits = value

    def set_latency(self, method: str, ms: float) -> None:
        """Extra delay for one Web API method (overrides latency_ms for it)."""
        self._faults.method_latency_ms[method] = ms

    def fail_next(self, method: str, error: str = "internal_error", status: int = 200, times: int = 1) -> None:
        """The next `times` calls of `method` answer {"ok": false, "error": error} with HTTP `status`."""
        self._faults.fail_next(method, error, status, times)

    def lose_answer_next(self, method: str, times: int = 1, channel: str | None = None) -> None:
        """The next `times` calls of `method` (to `channel` only, if given) are carried out, then the connection
        drops before the answer is sent, as when a connection to Slack dies after the change: the client sees a
        connection error, not a result. Calls that fail are answered as usual."""
        self._faults.lose_answer_next(method, times, channel)

    def fail_randomly(
        self, failure_rate: float, lost_rate: float, seed: int = 0, exempt: frozenset[str] = frozenset()
    ) -> None:
        """Chaos: from now on each Web API call (of a method not in `exempt`) answers HTTP 500 `internal_error`
        with probability `failure_rate`, and each that succeeded loses its answer (see :meth:`lose_answer_next`)
        with probability `lost_rate`; seeded, so a run can be repeated. Rates of 0 stop it."""
        chaos = RandomFaults(failure_rate, lost_rate, exempt) if failure_rate or lost_rate else None
        self._faults.fail_randomly(chaos, seed)

    def go_down(self) -> None:
        """Slack outage: the listening socket closes (connection refused) and websockets drop."""
        self._server.go_down()

    def come_up(self) -> None:
        """End the outage on the same port."""
        self._server.come_up()

    # state accessors (deep-copied snapshots)
    def _snapshot(self, value: T) -> T:
        with self._ws.lock:
            return copy.deepcopy(value)

    @property
    def users(self) -> dict[str, User]:
        return self._snapshot(self._ws.users)

    @property
    def channels(self) -> dict[str, Channel]:
        return self._snapshot(self._ws.channels)

    def channel_named(self, name: str) -> Channel | None:
        """The (non-DM) channel with this name, if any."""
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def messages(self, channel_id: str) -> list[Message]:
        """All messages of a channel, oldest first, thread replies included."""
        return self._snapshot(self._ws.messages.get(channel_id, []))

    def dms(self, user_id: str) -> list[Message]:
        """Messages in the bot's DM with a user."""
        with self._ws.lock:
            dm = next((c for c in self._ws.channels.values() if c.is_im and c.dm_user == user_id), None)
            return self.messages(dm.id) if dm else []

    def pins(self, channel_id: str) -> list[Pin]:
        return self._snapshot(self._ws.pins.get(channel_id, []))

    def bookmarks(self, channel_id: str) -> list[Bookmark]:
        return self._snapshot(self._ws.bookmarks.get(channel_id, []))

    @property
    def reactions(self) -> list[Reaction]:
        return self.reactions_snapshot()

    @property
    def views(self) -> dict[str, View]:
        return self._snapshot(self._ws.views)

    @property
    def ephemerals(self) -> list[Ephemeral]:
        return self._snapshot(self._ws.ephemerals)

    @property
    def files(self) -> dict[str, File]:
        return self._snapshot(self._ws.files)

    @property
    def responses(self) -> list[ResponseUrlPost]:
        """Posts the app made to response_urls."""
        return self._snapshot(self._ws.responses)

    def replies_to(self, ack: Ack) -> list[ResponseUrlPost]:
        """What the app posted to the response_url of the request ``ack`` answered (its later replies)."""
        key = (ack.response_url or "").rstrip("/").rsplit("/", 1)[-1]
        return [post for post in self.responses if key and post.url_key == key]

    @property
    def calls(self) -> list[ApiCall]:
        return self._snapshot(self._ws.calls)

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    @property
    def acks(self) -> list[Ack]:
        """Every envelope delivered, with ack timing (late acks keep timed_out=True)."""
        return self._snapshot(self._ws.acks)

    @property
    def socket_connections(self) -> int:
        return len(self._hub.connections)

    def wait_for(self, predicate: Callable[[], T | None], timeout: float = 5.0, interval: float = 0.02) -> T:
        """Poll until predicate() is truthy and return its value; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout} s")
            time.sleep(interval)
