"""``/incidents``: the list with filters (GET, so a filtered list can be bookmarked) and paging."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from incidents.access.reading import visible
from incidents.enums import Severity, Status
from incidents.listing import IncidentRow, incident_rows
from incidents.queries import IncidentFilter, count_incidents
from web.pages import params as read
from web.pages.base import Pages, SignedIn

PAGE_SIZE = 25
MAX_PAGE = 100_000
T = TypeVar("T")
FILTER_FIELDS = ("status", "severity", "type", "region", "from", "to", "q")


@dataclass
class ListQuery:
    """The list's filters as typed in the URL (read by :mod:`web.pages.params`); values that do not parse are
    reported above the list, not guessed at."""

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
    values = {name: read.text(params.get(name)) for name in FILTER_FIELDS}
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
    start, end = (_reported(read.day, values[name], name, problems) for name in ("from", "to"))
    page = _reported(_page, params.get("page", ""), "page", problems)
    f = IncidentFilter(
        open_only=status == "open",
        statuses=statuses,
        severities=severities,
        types=(values["type"],) if values["type"] else (),
        regions=(values["region"],) if values["region"] else (),
        text=values["q"] or None,
        declared_from=read.start_of(start) if start else None,
        declared_to=read.end_of(end) if end else None,
    )
    return ListQuery(values, f, page or 1, problems)


def _page(value: str, name: str) -> int:
    return read.whole_number(value, name, lowest=1, highest=MAX_PAGE)


def _reported(parse: Callable[[str, str], T], value: str, name: str, problems: list[str]) -> T | None:
    """What ``parse`` reads of ``value`` (None when the query leaves it out), or None with its refusal added to the
    problems shown above the list."""
    if not value:
        return None
    try:
        return parse(value, name)
    except read.BadQuery as exc:
        problems.append(exc.message)
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
