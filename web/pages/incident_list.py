"""``/incidents``: the list with filters (GET, so a filtered list can be bookmarked) and paging."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from incidents.access import visible
from incidents.enums import Severity, Status
from incidents.listing import IncidentRow, incident_rows
from incidents.queries import IncidentFilter, count_incidents
from web.pages.base import Pages, SignedIn

PAGE_SIZE = 25
FILTER_FIELDS = ("status", "severity", "type", "region", "from", "to", "q")


@dataclass
class ListQuery:
    """The list's filters as typed in the URL; values that do not parse are reported, not guessed at."""

    values: dict[str, str]
    filter: IncidentFilter
    page: int = 1
    problems: list[str] = field(default_factory=list)

    def link(self, **changes: object) -> str:
        params = {**{k: v for k, v in self.values.items() if v}, "page": str(self.page)}
        params.update({k: str(v) for k, v in changes.items()})
        if params.get("page") == "1":
            params.pop("page")
        return "?" + urlencode(params) if params else "?"


def parse_query(params: Mapping[str, str], pages: Pages) -> ListQuery:
    values = {name: params.get(name, "").strip()[:100] for name in FILTER_FIELDS}
    problems: list[str] = []
    policy = pages.domain.policy
    status, severity = values["status"], values["severity"]
    statuses = (Status(status),) if status in {s.value for s in Status} else ()
    if status and not statuses and status != "open":
        problems.append(f"Unknown status {status!r}.")
    severities = (Severity(severity),) if severity in {s.value for s in Severity} else ()
    if severity and not severities:
        problems.append(f"Unknown severity {severity!r}.")
    for name, known in (("type", policy.types), ("region", policy.regions)):
        if values[name] and values[name] not in known:
            problems.append(f"Unknown {name} {values[name]!r}.")
            values[name] = ""
    start, end = (_day(values[k], problems) for k in ("from", "to"))
    try:
        page = max(1, min(int(params.get("page", "1")), 100_000))
    except ValueError:
        page = 1
    f = IncidentFilter(
        open_only=status == "open",
        statuses=statuses,
        severities=severities,
        types=(values["type"],) if values["type"] else (),
        regions=(values["region"],) if values["region"] else (),
        text=values["q"] or None,
        declared_from=datetime.combine(start, time(), tzinfo=UTC) if start else None,
        declared_to=datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC) if end else None,
    )
    return ListQuery(values, f, page, problems)


def _day(value: str, problems: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{value!r} is not a date (use YYYY-MM-DD).")
        return None


def list_router(pages: Pages) -> APIRouter:
    router = APIRouter()

    @router.get("/", include_in_schema=False)
    def home(request: Request, _viewer: SignedIn) -> Response:
        return RedirectResponse(pages.url(request, "/incidents"), status_code=303)

    @router.get("/incidents", include_in_schema=False)
    async def incidents(request: Request, viewer: SignedIn) -> Response:
        query = parse_query(request.query_params, pages)

        def read() -> tuple[list[IncidentRow], int]:
            with pages.domain.unit() as ctx:
                total = count_incidents(ctx, visible(query.filter, viewer))
                rows = incident_rows(ctx, query.filter, viewer, limit=PAGE_SIZE, offset=(query.page - 1) * PAGE_SIZE)
                return rows, total

        rows, total = await run_in_threadpool(read)
        policy = pages.domain.policy
        return pages.render(
            request,
            "incidents.html.j2",
            query=query,
            rows=rows,
            total=total,
            pages_count=max(1, -(-total // PAGE_SIZE)),
            status_options=[("open", "Open (any)"), *((s.value, s.value.capitalize()) for s in Status)],
            severity_options=[(s.value, f"{s.value} · {policy.severities[s].label}") for s in Severity],
            type_options=sorted(((name, t.label) for name, t in policy.types.items()), key=lambda o: o[1]),
            region_options=[(r, r) for r in policy.regions],
            export_query=query.link(page=1).lstrip("?"),
        )

    return router
