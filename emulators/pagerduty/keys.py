"""The aiohttp application keys through which route handlers reach the emulator's state.

One module so that the route modules, the middleware and the server agree on them without importing each other.
"""

from __future__ import annotations

from aiohttp import web

from emulators.pagerduty.jsm_state import JsmState
from emulators.pagerduty.ratelimit import SlidingWindowLimiter
from emulators.pagerduty.state import PagerDutyState

STATE = web.AppKey("state", PagerDutyState)
LIMITER = web.AppKey("limiter", SlidingWindowLimiter)
API_TOKENS = web.AppKey("api_tokens", set[str])
JSM = web.AppKey("jsm", JsmState)
