"""``/incidents/{ref}/review``: the review exactly as :mod:`incidents.reviews` renders it, in the version the viewer
is entitled to (:mod:`incidents.access` decides: the team version, with sensitive entries for the incident's members
only; the leadership version for the leadership group, or for anyone who asks for it with ``?audience=leadership``).
The decision is made from one light row before anything is loaded; the reviews package audits unredacted views."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from markupsafe import escape
from sqlalchemy import select

from incidents.access import Act, Audience
from incidents.access.reading import admit
from incidents.errors import NotFound
from incidents.reviews import Format, render_review
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
                found, seen = admit(ctx, ref, viewer, what="review")
                status = ctx.session.scalar(select(Review.status).where(Review.incident_id == found.incident_id))
                if status is None or not (status is ReviewStatus.PUBLISHED or seen.may(Act.SEE_DRAFT_REVIEW)):
                    raise NotFound(f"{found.ref} has no published review yet.")
                audience = Audience.LEADERSHIP if asked_leadership else seen.audience
                html = render_review(
                    ctx, found.ref, actor=viewer.who, audience=audience, fmt=Format.HTML, templates=pages.reviews
                )
                return found.ref, html, audience

        found_ref, html, audience = await run_in_threadpool(read)
        page = _with_navigation(html, pages.url(request, ""), found_ref, audience)
        return HTMLResponse(page, headers={CSP_HEADER: csp_for_inline_styles(page)})

    return router
