"""``POST /api/v1/signals`` and ``POST /api/v1/alertmanager``: reports in, grouped by the domain
(:mod:`incidents.signals`). Their own scope, ``signals:write``: a hotline's integration may report without being
able to declare or read incidents."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse

from incidents.apikeys.service import SIGNALS_WRITE
from incidents.context import Ctx
from incidents.models import Incident
from incidents.signals.intake import Report, receive
from incidents.signals.resolved import note_resolved
from web.api.admission import ApiRoute
from web.api.bodies import PREFIX
from web.api.dependencies import Caller, IntakeDep
from web.api.operations import IdempotencyKey, operation
from web.api.signal_schemas import (
    AlertmanagerAlert,
    AlertmanagerWebhook,
    AlertsNoted,
    SignalBatch,
    SignalRequest,
    SignalsAccepted,
    signal_views,
)

ALERTMANAGER = "alertmanager"
MAX_SIGNAL_BODY = 2 * 1024 * 1024
"""A batch of 500 reports of a few kilobytes each."""

router = APIRouter(prefix=PREFIX, route_class=ApiRoute, tags=["signals"])


@router.post(
    "/signals",
    status_code=201,
    response_model=SignalsAccepted,
    operation_id="send_signals",
    **operation(SIGNALS_WRITE, write=True, by_ref=False, max_body=MAX_SIGNAL_BODY),
)
async def send_signals(
    request: Request,
    body: Annotated[SignalRequest | SignalBatch, Body()],
    intake: IntakeDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Report one signal, or a batch of up to 500 (``{"signals": [...]}``), stored once per source and
    ``external_ref``. Reports about one target or wave form one group: it joins the incident already open for
    it, or waits for triage, or declares by itself when the policy's thresholds say so."""
    items = body.signals if isinstance(body, SignalBatch) else [body]
    reports = [Report(**item.model_dump()) for item in items]
    return await intake.calls.signals(request, body, idempotency_key, reports)


@router.post(
    "/alertmanager",
    status_code=201,
    response_model=AlertsNoted,
    operation_id="alertmanager_webhook",
    **operation(SIGNALS_WRITE, write=True, by_ref=False, max_body=MAX_SIGNAL_BODY),
)
def alertmanager_webhook(
    request: Request, body: AlertmanagerWebhook, intake: IntakeDep, principal: Caller
) -> JSONResponse:
    """Prometheus Alertmanager's webhook (``webhook_configs`` with ``authorization.credentials`` set to a key with
    ``signals:write``). Firing alerts are signals grouped by Alertmanager's group; its repeats and retries change
    nothing; a resolved alert is noted on its incident and never resolves it. Labels ``vigil_type`` (an incident
    type; default ``platform_outage``), ``vigil_severity`` (a severity hint) and ``region`` steer them."""
    group = f"{ALERTMANAGER}:{hashlib.sha256(body.groupKey.encode()).hexdigest()[:40]}"
    firing = [_alert_report(alert, group) for alert in body.alerts if alert.status == "firing"]
    resolved = [alert for alert in body.alerts if alert.status == "resolved"]

    def work(ctx: Ctx) -> tuple[AlertsNoted, Incident | None]:
        received = receive(ctx, firing, actor=principal.actor)
        noted = sum(note_resolved(ctx, ALERTMANAGER, _alert_ref(a), _alert_name(a)) for a in resolved)
        return AlertsNoted(signals=signal_views(received), resolved=noted), None

    return intake.calls.write(request, body, None, work)


def _alert_report(alert: AlertmanagerAlert, group: str) -> Report:
    labels = alert.labels
    summary = alert.annotations.get("summary") or alert.annotations.get("description") or ""
    return Report(
        source=ALERTMANAGER,
        type=labels.get("vigil_type", "platform_outage"),
        text=f"{_alert_name(alert)}: {summary}"[:4000] if summary else _alert_name(alert),
        severity_hint=labels.get("vigil_severity"),
        region=labels.get("region"),
        group_key=group,
        occurred_at=_started(alert),
        external_ref=_alert_ref(alert),
    )


def _alert_name(alert: AlertmanagerAlert) -> str:
    return alert.labels.get("alertname", "alert")[:200]


def _alert_ref(alert: AlertmanagerAlert) -> str:
    """One firing of one alert: Alertmanager repeats it with the same fingerprint and start."""
    return f"{alert.fingerprint}@{alert.startsAt}"[:200]


def _started(alert: AlertmanagerAlert) -> datetime | None:
    try:
        started = datetime.fromisoformat(alert.startsAt)
    except ValueError:
        return None
    return started if started.tzinfo is not None else None
