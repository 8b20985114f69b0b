"""What the API's operations receive through FastAPI's dependency injection: the process's :class:`Intake`, which
:func:`web.api.app.build_api_router` hands to every request as lifespan state, and the caller admitted for this
call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from incidents.apikeys.service import Principal
from incidents.links import WebAddress
from web.api.calls import Calls

INTAKE = "intake"


@dataclass(frozen=True)
class Intake:
    calls: Calls
    """How a call runs against the domain (admission, units of work, idempotency, audit)."""
    web: WebAddress | None
    """Where the web view answers, for the ``url`` of each incident; None leaves it null."""


async def intake(request: Request) -> Intake:
    # async: resolved on the event loop, without a hop to the thread pool on every call.
    found: Intake = getattr(request.state, INTAKE)
    return found


async def caller(request: Request) -> Principal:
    """The API key's principal, admitted by :class:`web.api.admission.ApiRoute` before the operation runs."""
    principal: Principal = request.state.principal
    return principal


IntakeDep = Annotated[Intake, Depends(intake)]
Caller = Annotated[Principal, Depends(caller)]
