"""Everything an incident shows beyond its members, and what its team sees, as one searchable text each.

Leadership surfaces: the leadership review (Markdown, HTML, the Slack summary posted to the leadership channel),
the web list, page and CSV as a leadership-group member who is not on the incident sees them, the weekly leadership
digest, a page's payload (what reaches a responder's lock screen), the analysts' reporting views (PostgreSQL), the
words the channel is named by, and, for restricted incidents, the Jira tickets of its actions and referrals.

Beyond the members, without being leadership: the team review as posted to the incident's channel, and for a
standard incident its web page and team review as anyone else in the workspace reads them. They read its free text
as typed, but never the people its fields hold by definition (who reported a note, a report's reporter).
"""

from __future__ import annotations

import html
import json
from datetime import timedelta

from sqlalchemy import text

from bot.review_blocks import review_summary
from incidents.access import ViewerKind, Who, make_viewer, sight
from incidents.channel_words import channel_words
from incidents.context import Ctx, Domain
from incidents.listing import incident_rows
from incidents.paging.content import page_content
from incidents.queries import IncidentFilter, incident_to_show
from incidents.referrals.service import kind_label, referrals_of
from incidents.reviews import Audience, Format, load_templates, render_review, review_document
from incidents.scheduling.jobs import weekly_summary
from incidents.spreadsheets import incident_csv
from incidents.tracker.content import SyncConfig, desired, desired_referral
from web.pages.incident import incident_view

LEADER = "U0LEADER"
OUTSIDER = "U0OUTSIDER"
"""Someone in the workspace who is on no incident."""
_TEMPLATES = load_templates()


def readable(text: str) -> str:
    """As a person reads it: entities decoded, Markdown escapes dropped, whitespace folded, any case."""
    return " ".join(html.unescape(text).replace("\\", "").split()).casefold()


def leadership_text(domain: Domain, ref: str) -> str:
    parts: list[str] = []
    with domain.unit() as ctx:
        for fmt in Format:
            parts.append(
                render_review(ctx, ref, actor=LEADER, audience=Audience.LEADERSHIP, fmt=fmt, templates=_TEMPLATES)
            )
        document = review_document(ctx, ref, actor=LEADER, audience=Audience.LEADERSHIP)
        parts.append(json.dumps(review_summary(document, file_name=f"{ref}.html"), ensure_ascii=False))
        viewer = make_viewer(LEADER, "Lena", None, [LEADER])
        rows = incident_rows(ctx, IncidentFilter(text=ref), viewer, limit=10)
        parts += list(incident_csv(rows))
        incident = incident_to_show(ctx, ref)
        seen = sight(incident, viewer)
        assert seen is not None and seen.redacted
        parts.append(json.dumps(incident_view(ctx, incident, seen, None), default=str, ensure_ascii=False))
        parts.append(json.dumps(weekly_summary(ctx, ctx.now() + timedelta(days=1)), ensure_ascii=False))
        web = SyncConfig(project="SAFE", web_base_url="https://vigil.example.org")
        parts.append(json.dumps(page_content(incident, ctx.policy, web).as_event(), ensure_ascii=False))
        parts.append(channel_words(incident))  # the channel's name is a slug of them: never more than they say
        parts += _reporting_rows(ctx, ref)
        if incident.tier.is_restricted:
            config = SyncConfig(project="SAFE", web_base_url="https://vigil.example.org")
            parts += [json.dumps(desired(config, incident, a), ensure_ascii=False) for a in incident.actions]
            parts += [
                json.dumps(desired_referral(config, incident, r, kind_label(ctx.policy, r.kind)), ensure_ascii=False)
                for r in referrals_of(incident)
            ]
    return readable("\n".join(parts))


def _reporting_rows(ctx: Ctx, ref: str) -> list[str]:
    """What the analysts' views hold about the incident (PostgreSQL only: SQLite has no views)."""
    if ctx.session.get_bind().dialect.name != "postgresql":
        return []
    views = ctx.session.execute(
        text(
            "SELECT table_name FROM information_schema.views"
            " WHERE table_schema = 'reporting' AND table_name <> 'version'"
        )
    ).scalars()
    return [
        json.dumps(dict(row._mapping), default=str, ensure_ascii=False)
        for view in views
        for row in ctx.session.execute(text(f"SELECT * FROM reporting.{view} WHERE ref = :ref"), {"ref": ref})
    ]


def beyond_members_text(domain: Domain, ref: str, member: str) -> str:
    """What is read of the incident beyond its members without being leadership (see the module's docstring)."""
    with domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        channel = Who(ViewerKind.CHANNEL, member)
        parts = [
            json.dumps(review_summary(review_document(ctx, ref, actor=channel, audience=Audience.TEAM), file_name="r"))
        ]
        parts.append(
            render_review(ctx, ref, actor=channel, audience=Audience.TEAM, fmt=Format.HTML, templates=_TEMPLATES)
        )
        if not incident.tier.is_restricted:
            outsider = make_viewer(OUTSIDER, "Olga", None, [])
            seen = sight(incident, outsider)
            assert seen is not None and not seen.member and not seen.redacted
            parts.append(json.dumps(incident_view(ctx, incident, seen, None), default=str, ensure_ascii=False))
            parts.append(
                render_review(
                    ctx, ref, actor=outsider.who, audience=Audience.TEAM, fmt=Format.MARKDOWN, templates=_TEMPLATES
                )
            )
    return readable("\n".join(parts))


def team_text(domain: Domain, ref: str, member: str) -> str:
    """The control: what the incident's members read, proving each planted value reached the incident."""
    with domain.unit() as ctx:
        review = render_review(
            ctx, ref, actor=member, audience=Audience.TEAM, fmt=Format.MARKDOWN, templates=_TEMPLATES
        )
        incident = incident_to_show(ctx, ref)
        viewer = make_viewer(member, "member", None, [])
        seen = sight(incident, viewer)
        assert seen is not None and seen.member
        page = json.dumps(incident_view(ctx, incident, seen, None), default=str, ensure_ascii=False)
    return readable(review + page)
