"""The policy pack's ``paging`` section: which services to page for which incidents, and how soon someone must
acknowledge. Routing keys and tokens are secrets: they live in the settings, never here."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from incidents.enums import Severity

ServiceName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PagingService(_Strict):
    label: str = Field(min_length=1, max_length=75, description="how people name it (`/incident page <label>`)")
    provider: Literal["pagerduty", "jsm"] = "pagerduty"
    pagerduty_service_id: str | None = Field(
        default=None,
        pattern=r"^[A-Z0-9]{2,32}$",
        description="the service's PagerDuty id (PABC123): who is on call is asked of its escalation policy "
        "(with VIGIL_PAGERDUTY_API_TOKEN); not a secret",
    )


class PagingRoute(_Strict):
    """Incidents matching every listed filter (an empty list matches all) page ``page`` at once and, if nobody
    acknowledges in time, each service of ``escalate`` in turn."""

    severities: list[Severity] = Field(default_factory=list)
    types: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    page: list[ServiceName] = Field(min_length=1)
    escalate: list[ServiceName] = Field(default_factory=list)
    at_declare: bool = True

    def matches(self, severity: Severity, types: list[str], region: str | None) -> bool:
        return (
            (not self.severities or severity in self.severities)
            and (not self.types or bool(set(self.types) & set(types)))
            and (not self.regions or region in self.regions)
        )


class PagingPolicy(_Strict):
    services: dict[ServiceName, PagingService] = Field(default_factory=dict)
    routes: list[PagingRoute] = Field(default_factory=list)
    acknowledge_within_minutes: dict[Severity, int] = Field(
        default_factory=dict, description="escalate a page nobody acknowledged within this many minutes"
    )

    def route_for(self, severity: Severity, types: list[str], region: str | None) -> PagingRoute | None:
        return next((r for r in self.routes if r.matches(severity, types, region)), None)
