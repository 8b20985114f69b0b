"""Server-side sessions: signing out ends the session everywhere, even for a copy of the cookie."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, select

from incidents.context import Domain
from incidents.reviews import ReviewTemplates
from incidents.timesource import ManualTime
from incidents.web_sessions import SESSION_LIFETIME, WebSession
from tests.web.conftest import SignIn, serve
from tests.web.scenario import World
from web.pages import WebConfig
from web.server import WebServer


def _sign_out(client: httpx.Client) -> None:
    token = client.get("/incidents").text.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/signout", data={"csrf_token": token}).url.path == "/web/signin"


def test_a_copied_cookie_is_refused_on_every_replica_after_sign_out(
    sign_in: SignIn, world: World, domain: Domain, web_config: WebConfig, review_templates: ReviewTemplates
) -> None:
    client = sign_in(world.alice)
    stolen = dict(client.cookies)
    with (
        serve(domain, web_config, review_templates) as replica,
        httpx.Client(base_url=replica.url + "/web", cookies=stolen) as thief,
    ):
        assert thief.get(f"/incidents/{world.restricted}").status_code == 200
        _sign_out(client)
        refused = thief.get(f"/incidents/{world.restricted}")
    assert refused.status_code == 303 and refused.headers["location"] == "/web/signin"
    with domain.unit() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(WebSession)) == 0


def test_sessions_expire_and_expired_rows_are_pruned_at_sign_in(
    sign_in: SignIn, world: World, domain: Domain, time_source: ManualTime, server: WebServer
) -> None:
    first = sign_in(world.alice)
    time_source.advance(SESSION_LIFETIME + timedelta(minutes=1))
    assert first.get("/incidents").url.path == "/web/signin"
    assert sign_in(world.bob).get("/incidents").url.path == "/web/incidents"
    with domain.unit() as ctx:
        assert list(ctx.session.scalars(select(WebSession.person_key))) == [world.bob]
