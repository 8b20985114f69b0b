"""Sign in with Slack end to end against the emulator's OpenID Connect endpoints; sessions; sign-out; CSRF."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import httpx
import yaml
from sqlalchemy import select

from emulators.slack import SlackEmulator
from incidents.context import Domain
from incidents.models import AuditEvent
from incidents.people import upsert_person
from incidents.reviews import ReviewTemplates
from tests.web.conftest import SignIn, other_issuer, serve
from tests.web.scenario import World
from web.pages import WebConfig
from web.server import WebServer

PAGES = ("/incidents", "/incidents/{ref}", "/incidents/{ref}/review", "/trends", "/export/incidents.csv",
         "/export/clocks.csv")  # fmt: skip


def test_nothing_is_visible_signed_out(server: WebServer, world: World) -> None:
    with httpx.Client(base_url=server.url + "/web") as client:
        for page in PAGES:
            response = client.get(page.format(ref=world.standard))
            assert response.status_code == 303 and response.headers["location"] == "/web/signin", page
        signin = client.get("/signin")
    assert signin.status_code == 200 and "Sign in with Slack" in signin.text
    assert world.standard not in signin.text and "Scam wave" not in signin.text


def test_sign_in_with_slack_lands_on_the_page_asked_for(server: WebServer, world: World, emu: SlackEmulator,
                                                        domain: Domain) -> None:  # fmt: skip
    emu.oidc_login_as(world.bob)
    with httpx.Client(base_url=server.url + "/web", follow_redirects=True) as client:
        client.get(f"/incidents/{world.standard}")  # remembered while signing in
        landed = client.get("/signin/start")
        set_cookie = [r.headers["set-cookie"].lower() for r in landed.history if "set-cookie" in r.headers][-1]
    assert landed.url.path == f"/web/incidents/{world.standard}"
    assert "Bob Okafor" in landed.text and "Scam wave targeting new hosts" in landed.text
    assert set_cookie.startswith("vigil_session=")
    assert {"path=/web", "httponly", "samesite=lax"} <= {part.strip() for part in set_cookie.split(";")}
    with domain.unit() as ctx:
        actions = list(ctx.session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "web.sign_in")))
    assert actions == [world.bob]


def test_the_return_path_kept_while_signing_in_is_bounded(server: WebServer, world: World, emu: SlackEmulator) -> None:
    """The probe: a signed-out request's path and query went into the cookie whole (a 10 KB query made a 13 KB
    cookie, which browsers drop). A long query is left behind; the path is kept."""
    emu.oidc_login_as(world.bob)
    with httpx.Client(base_url=server.url + "/web", follow_redirects=True) as client:
        asked = client.get(f"/incidents/{world.standard}", params={"q": "x" * 10_000}, follow_redirects=False)
        assert asked.status_code == 303 and len(asked.headers["set-cookie"]) < 4096
        landed = client.get("/signin/start")
    assert landed.url.path == f"/web/incidents/{world.standard}"
    with httpx.Client(base_url=server.url + "/web", follow_redirects=True) as client:
        client.get("/incidents", params={"severity": "SEV2", "q": "scam"})
        landed = client.get("/signin/start")
    assert (landed.url.path, landed.url.query) == ("/web/incidents", b"severity=SEV2&q=scam")


def test_declining_at_slack_leaves_you_signed_out(server: WebServer, emu: SlackEmulator, world: World) -> None:
    emu.oidc_login_as(None)
    with httpx.Client(base_url=server.url + "/web", follow_redirects=True) as client:
        back = client.get("/signin/start")
        assert back.url.path == "/web/signin" and "Sign-in did not complete (you declined)" in back.text
        assert client.get("/incidents").url.path == "/web/signin"


def test_a_forged_session_cookie_is_ignored(server: WebServer, world: World) -> None:
    forged = json.dumps({"viewer": {"key": world.alice, "name": "x"}})
    with httpx.Client(base_url=server.url + "/web", cookies={"vigil_session": forged}) as client:
        assert client.get(f"/incidents/{world.restricted}").status_code == 303


def test_sign_out_is_a_form_protected_against_csrf(sign_in: SignIn, world: World) -> None:
    client = sign_in(world.bob)
    refused = client.post("/signout", data={"csrf_token": "guessed"})
    assert refused.status_code == 403 and "expired" in refused.text
    assert client.get("/incidents").url.path == "/web/incidents"
    token = client.get("/incidents").text.split('name="csrf_token" value="')[1].split('"')[0]
    done = client.post("/signout", data={"csrf_token": token})
    assert done.url.path == "/web/signin" and "You are signed out." in done.text
    assert client.get("/incidents").url.path == "/web/signin"


def test_any_openid_provider_maps_people_by_verified_email(
    domain: Domain, web_config: WebConfig, review_templates: ReviewTemplates, emu: SlackEmulator, sign_in: SignIn
) -> None:
    with domain.unit() as ctx:
        upsert_person(ctx, "U0KNOWN", display_name="Known Person", email="Known.Person@example.com")
    known = emu.add_user("known", "Known Person", "known.person@example.com")
    stranger = emu.add_user("stranger", "Stranger", "stranger@example.com")
    with serve(domain, other_issuer(web_config), review_templates) as generic:
        page = sign_in(known, via=generic).get("/incidents")
        assert page.url.path == "/web/incidents" and "Known Person" in page.text
        emu.oidc_login_as(stranger)
        with httpx.Client(base_url=generic.url + "/web", follow_redirects=True) as client:
            refused = client.get("/signin/start")
    assert refused.url.path == "/web/signin" and "not linked to anyone Vigil knows" in refused.text
    with domain.unit() as ctx:
        assert ctx.session.scalar(select(AuditEvent.actor).where(AuditEvent.action == "web.sign_in")) == "U0KNOWN"


def test_sign_in_asks_slack_for_what_the_app_manifest_grants(
    domain: Domain, web_config: WebConfig, review_templates: ReviewTemplates
) -> None:
    """The README's Production section creates the Slack app from the manifest: Slack refuses a redirect URL or a
    scope the app was not given, so both must be in it as the sign-in asks for them."""
    manifest = yaml.safe_load((Path(__file__).resolve().parents[2] / "slack-app-manifest.yaml").read_text())
    [redirect] = manifest["oauth_config"]["redirect_urls"]
    host = httpx.URL(redirect).copy_with(path="/")
    config = replace(web_config, base_url=str(host).rstrip("/"))
    with serve(domain, config, review_templates) as running, httpx.Client(base_url=running.url + "/web") as client:
        authorize = httpx.URL(client.get("/signin/start").headers["location"])
    assert authorize.params["redirect_uri"] == redirect
    assert set(authorize.params["scope"].split()) == set(manifest["oauth_config"]["scopes"]["user"])
