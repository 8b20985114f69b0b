"""Bodies of the signal intake: reports as other systems send them, and Prometheus Alertmanager's webhook."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from incidents.signals.intake import BATCH_MAX, TEXT_MAX, Received
from incidents.signals.models import GroupState
from web.api.schemas import _ANY_TEXT, Label, Moment, _Request
from web.api.schemas import text as free_text

Short = Annotated[str, free_text(64)]


class SignalRequest(_Request):
    source: Annotated[
        str, free_text(64, required=True, description="Where it comes from: hotline, in_app, classifier...")
    ]
    type: Annotated[str, Field(max_length=64, description="An incident type of the policy pack, e.g. hate_harassment.")]
    severity_hint: Annotated[
        str | None, free_text(32, description="SEV0..SEV4, or a guidance pair such as life:now.")
    ] = None
    region: Short | None = None
    group_key: Label | None = Field(None, description="Reports with the same key form one group, whatever else.")
    subject: Annotated[str | None, free_text(500, description="The account, content or target it is about.")] = None
    reporter: Annotated[
        str | None, free_text(320, description="How to reach the person reporting (personal data).")
    ] = None
    text: Annotated[str, free_text(TEXT_MAX)] = ""
    occurred_at: Moment | None = None
    external_ref: Label | None = Field(None, description="Its id in the sending system: a repeat changes nothing.")


class SignalBatch(_Request):
    signals: Annotated[list[SignalRequest], Field(min_length=1, max_length=BATCH_MAX)]


class SignalView(BaseModel):
    id: int
    group: int
    repeat: bool = Field(description="The report was received before (same source and external_ref).")
    state: GroupState = Field(description="waiting for triage, attached to an incident, or dismissed")
    incident: str | None = Field(description="The incident it belongs to, when that incident is standard.")


class SignalsAccepted(BaseModel):
    signals: list[SignalView]


def signal_views(received: list[Received]) -> list[SignalView]:
    return [
        SignalView(id=r.signal_id, group=r.group_id, repeat=r.repeat, state=r.state, incident=r.standard_incident_ref)
        for r in received
    ]


def signals_accepted(received: list[Received]) -> SignalsAccepted:
    return SignalsAccepted(signals=signal_views(received))


def _plain(limit: int, minimum: int = 0) -> object:
    return Field(min_length=minimum, max_length=limit, pattern=_ANY_TEXT)


Key = Annotated[str, _plain(200)]


class AlertmanagerAlert(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: Annotated[str, Field(pattern=r"^(firing|resolved)$")]
    labels: dict[Key, Annotated[str, _plain(1000)]] = {}
    annotations: dict[Key, Annotated[str, _plain(4000)]] = {}
    startsAt: Annotated[str, _plain(64)] = ""
    endsAt: Annotated[str, _plain(64)] = ""
    generatorURL: Annotated[str, _plain(2000)] = ""
    fingerprint: Annotated[str, _plain(64, 1)]


class AlertmanagerWebhook(BaseModel):
    """Alertmanager's webhook body, version 4 (its unknown fields are kept, not refused: a newer Alertmanager may add
    some, and refusing its webhook would lose the alert)."""

    model_config = ConfigDict(extra="allow")

    version: Annotated[str, Field(pattern=r"^4$")]
    groupKey: Annotated[str, _plain(2000, 1)]
    status: Annotated[str, Field(pattern=r"^(firing|resolved)$")]
    receiver: Annotated[str, _plain(200)] = ""
    alerts: Annotated[list[AlertmanagerAlert], Field(max_length=BATCH_MAX)]
    groupLabels: dict[str, Any] = {}
    commonLabels: dict[str, Any] = {}
    externalURL: str = ""
    truncatedAlerts: int = 0


class AlertsNoted(BaseModel):
    signals: list[SignalView]
    resolved: int = Field(description="Resolved alerts noted on their incidents (never resolving them).")
