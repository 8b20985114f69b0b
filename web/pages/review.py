"""``/incidents/{ref}/review``: the review exactly as :mod:`incidents.reviews` renders it, for the audience the
viewer is entitled to (members and standard incidents: team; the leadership group on restricted incidents: the
redacted leadership version). The reviews package checks membership and audits unredacted views."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from markupsafe import escape
from sqlalchemy import select

from incidents.access import open_incident
from incidents.errors import NotFound
from incidents.reviews import Audience, Format, render_review
from incidents.reviews.models import Review, ReviewStatus
from web.pages.base import Pages, SignedIn
from web.pages.security import CSP_HEADER, csp_for_inline_styles


def _with_navigation(html: str, base: str, ref: str, audience: Audience) -> str:
    """The standalone review page with a bar back to the incident (styled by the app's stylesheet)."""
    other = Audience.TEAM if audience is Audience.LEADERSHIP else Audience.LEADERSHIP
    bar = (
        f'<nav class="vigil-bar"><a href="{base}/incidents/{escape(ref)}">← {escape(ref)}</a>'
        f'<a href="{base}/incidents">All incidents</a>'
        + (f'<a href="?audience={other.value}">Leadership version</a>' if audience is Audience.TEAM else "")
        + "</nav>"
    )
    link = f'<link rel="stylesheet" href="{base}/static/review-bar.css">'
    head_end, body_start = html.find("</head>"), html.find("<body>")
    if head_end < 0 or body_start < head_end:
        return html
    body_start += len("<body>")
    return html[:head_end] + link + html[head_end:body_start] + bar + html[body_start:]


def review_router(pages: Pages) -> APIRouter:
    router = APIRouter()

    @router.get("/incidents/{ref}/review", include_in_schema=False)
    async def review_page(request: Request, ref: str, viewer: SignedIn) -> Response:
        asked_leadership = request.query_params.get("audience") == Audience.LEADERSHIP.value

        def read() -> tuple[str, str, Audience]:
            with pages.domain.unit() as ctx:
                incident, seen = open_incident(ctx, ref, viewer, what="review")
                status = ctx.session.scalar(select(Review.status).where(Review.incident_id == incident.id))
                if status is None or not (seen.member or status is ReviewStatus.PUBLISHED):
                    raise NotFound(f"{incident.ref} has no published review yet.")
                audience = Audience.LEADERSHIP if seen.redacted or asked_leadership else Audience.TEAM
                html = render_review(
                    ctx, incident.ref, actor=viewer.key, audience=audience, fmt=Format.HTML, templates=pages.reviews
                )
                return incident.ref, html, audience

        found_ref, html, audience = await run_in_threadpool(read)
        page = _with_navigation(html, pages.url(request, ""), found_ref, audience)
        return HTMLResponse(page, headers={CSP_HEADER: csp_for_inline_styles(page)})

    return router
