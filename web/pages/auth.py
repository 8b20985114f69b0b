"""Sign in with Slack, or any OpenID Connect provider, through Authlib's Starlette client.

The provider is found by discovery (``<issuer>/.well-known/openid-configuration``); the authorization-code flow
keeps its state and nonce in the signed session cookie, so any replica can finish a sign-in another began.
A signed-in user is a Vigil person: with Slack, their Slack user id (``https://slack.com/user_id``); with another
provider, the Slack user Vigil knows by the same verified e-mail address. Anyone else is refused.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from incidents.effects import audit
from incidents.errors import VigilError
from incidents.people import person_by_email, upsert_person
from incidents.web_sessions import SessionPerson, end_session, start_session
from web.pages.authlib_client import OAuth, OAuthError
from web.pages.base import RETURN_KEY, SESSION_KEY, Pages
from web.pages.security import require_csrf

log = logging.getLogger(__name__)
SLACK_USER_CLAIM = "https://slack.com/user_id"
SLACK_TEAM_CLAIM = "https://slack.com/team_id"


def oidc_client(pages: Pages) -> Any:
    config = pages.config
    oauth = OAuth()
    return oauth.register(
        "vigil",
        client_id=config.client_id,
        client_secret=config.client_secret,
        server_metadata_url=config.discovery_url,
        client_kwargs={"scope": "openid email profile", "token_endpoint_auth_method": "client_secret_basic"},
    )


async def _accept_symmetric_tokens(client: Any, secret: str) -> None:
    """Providers that sign ID tokens with HS256 use the client secret as the key (OpenID Connect Core §10.1);
    Authlib verifies against the provider's key set, so the secret joins that set."""
    metadata = await client.load_server_metadata()
    algorithms = metadata.get("id_token_signing_alg_values_supported") or []
    if not any(str(alg).startswith("HS") for alg in algorithms) or metadata.get("_vigil_oct"):
        return
    keys = (await client.fetch_jwk_set()).get("keys", [])
    encoded = base64.urlsafe_b64encode(secret.encode()).rstrip(b"=").decode()
    client.server_metadata["jwks"] = {"keys": [*keys, {"kty": "oct", "k": encoded}]}
    client.server_metadata["_vigil_oct"] = True


def auth_router(pages: Pages) -> APIRouter:
    router = APIRouter()
    client = oidc_client(pages)

    def callback_url(request: Request) -> str:
        base = pages.config.base_url
        path = pages.url(request, "/auth/callback")
        return f"{base}{path}" if base else str(request.url.replace(path=path, query=""))

    @router.get("/signin", include_in_schema=False)
    def signin(request: Request) -> Response:
        if pages.optional_viewer(request) is not None:
            return RedirectResponse(pages.url(request, "/incidents"), status_code=303)
        message = request.session.pop("flash", None)
        provider = "Slack" if pages.config.issuer_is_slack else "your organisation's account"
        return pages.render(request, "signin.html.j2", message=message, provider=provider)

    @router.get("/signin/start", include_in_schema=False)
    async def signin_start(request: Request) -> Response:
        try:
            redirect: Response = await client.authorize_redirect(request, callback_url(request))
            return redirect
        except Exception as exc:
            log.warning("sign-in provider unreachable at %s: %s", pages.config.discovery_url, exc)
            return pages.error(
                request, 502, "Sign-in is unavailable", "The sign-in provider did not answer. Try again in a minute."
            )

    @router.get("/auth/callback", include_in_schema=False)
    async def auth_callback(request: Request) -> Response:
        try:
            await _accept_symmetric_tokens(client, pages.config.client_secret)
            token = await client.authorize_access_token(request)
            claims = dict(token.get("userinfo") or {})
            claims.update(await client.userinfo(token=token))
        except OAuthError as exc:
            reason = (
                "you declined" if exc.error == "access_denied" else (exc.description or exc.error or "unknown error")
            )
            log.info("sign-in refused: %s", reason)
            request.session["flash"] = f"Sign-in did not complete ({reason})."
            return RedirectResponse(pages.url(request, "/signin"), status_code=303)
        try:
            person = await run_in_threadpool(_person_for, pages, claims)
        except VigilError as exc:
            request.session["flash"] = exc.message
            return RedirectResponse(pages.url(request, "/signin"), status_code=303)
        target = request.session.get(RETURN_KEY)
        request.session.clear()  # a new session on every sign-in: nothing from before survives (fixation)
        request.session[SESSION_KEY] = await run_in_threadpool(_start_session, pages, person)
        if isinstance(claims.get(SLACK_TEAM_CLAIM), str):
            request.session["team"] = claims[SLACK_TEAM_CLAIM]
        if not (isinstance(target, str) and target.startswith(pages.url(request, "/")) and "//" not in target):
            target = pages.url(request, "/incidents")
        return RedirectResponse(target, status_code=303)

    @router.post("/signout", include_in_schema=False, dependencies=[Depends(require_csrf)])
    def signout(request: Request) -> Response:
        session_id = request.session.get(SESSION_KEY)
        if isinstance(session_id, str):
            with pages.domain.unit() as ctx:
                end_session(ctx, session_id)
        request.session.clear()
        request.session["flash"] = "You are signed out."
        return RedirectResponse(pages.url(request, "/signin"), status_code=303)

    return router


def _start_session(pages: Pages, person: SessionPerson) -> str:
    with pages.domain.unit() as ctx:
        return start_session(ctx, person)


def _person_for(pages: Pages, claims: dict[str, Any]) -> SessionPerson:
    """The Vigil person behind the provider's claims (what the session keeps), recorded in the audit log."""
    email = claims.get("email") if claims.get("email_verified", True) is not False else None
    name = str(claims.get("name") or email or claims.get("sub") or "")
    with pages.domain.unit() as ctx:
        slack_id = claims.get(SLACK_USER_CLAIM) if pages.config.issuer_is_slack else None
        key = slack_id if isinstance(slack_id, str) and slack_id else person_by_email(ctx, email)
        if key is None:
            raise VigilError(
                "Your account is not linked to anyone Vigil knows: sign in with the e-mail address of your Slack "
                "account, or ask an administrator."
            )
        person = upsert_person(ctx, key, display_name=name if slack_id else None, email=email if slack_id else None)
        audit(ctx, key, "web.sign_in", None, issuer=pages.config.issuer)
        return SessionPerson(key, person.display_name or name, person.email or email)
