"""CSV downloads: the incident list (with the list's filters) and the figures behind each trends chart."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from incidents.access import counts_restricted
from incidents.effects import audit
from incidents.errors import NotFound
from incidents.listing import all_incident_rows
from incidents.spreadsheets import CHARTS, chart_csv, collect_trends, incident_csv
from web.pages.base import Pages, SignedIn
from web.pages.incident_list import parse_query
from web.pages.trends import parse_weeks


def csv_response(lines: list[str], filename: str) -> Response:
    return Response(
        "".join(lines),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


def export_router(pages: Pages) -> APIRouter:
    router = APIRouter()

    @router.get("/export/incidents.csv", include_in_schema=False)
    async def incidents_csv(request: Request, viewer: SignedIn) -> Response:
        query = parse_query(request.query_params, pages)

        def read() -> list[str]:
            with pages.domain.unit() as ctx:
                rows = list(all_incident_rows(ctx, query.filter, viewer))
                restricted = sum(r.tier.is_restricted for r in rows)
                audit(ctx, viewer.key, "web.export_incidents", None, rows=len(rows), restricted=restricted)
                return list(incident_csv(rows))

        lines = await run_in_threadpool(read)
        return csv_response(lines, f"vigil-incidents-{pages.domain.time_source.now():%Y-%m-%d}.csv")

    @router.get("/export/{chart}.csv", include_in_schema=False)
    async def chart_export(request: Request, chart: str, viewer: SignedIn) -> Response:
        if chart not in CHARTS:
            raise NotFound(f"No chart {chart!r}.")
        weeks = parse_weeks(request.query_params.get("weeks"))

        def read() -> list[str]:
            with pages.domain.unit() as ctx:
                trends = collect_trends(ctx, weeks, standard_only=not counts_restricted(viewer.who.kind))
                return list(chart_csv(chart, trends))

        lines = await run_in_threadpool(read)
        return csv_response(lines, f"vigil-{chart}-{weeks}w-{pages.domain.time_source.now():%Y-%m-%d}.csv")

    return router
