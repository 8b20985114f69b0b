"""Small builders shared by tests: declare an incident with sensible defaults, count rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from incidents import lifecycle
from incidents.context import Ctx, Domain
from incidents.enums import Severity
from incidents.models import Incident
from incidents.outbox import OutboxMessage


def declare(ctx: Ctx, **overrides: Any) -> Incident:
    fields: dict[str, Any] = {
        "actor": "U_ALICE",
        "title": "Credible threat against a host",
        "types": ["threat_violence"],
        "severity": Severity.SEV1,
        "region": "EMEA",
        "jurisdictions": ["EU"],
    }
    fields.update(overrides)
    return lifecycle.declare(ctx, **fields)


def declared_ref(domain: Domain, **overrides: Any) -> str:
    with domain.unit() as ctx:
        return declare(ctx, **overrides).ref


def count(domain: Domain, model: type) -> int:
    with domain.unit() as ctx:
        return ctx.session.scalar(select(func.count()).select_from(model)) or 0


def outbox_topics(domain: Domain) -> list[str]:
    with domain.unit() as ctx:
        return list(ctx.session.scalars(select(OutboxMessage.topic).order_by(OutboxMessage.id)))
