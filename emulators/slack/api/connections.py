"""apps.connections.open (Socket Mode) and the OpenID Connect token/userInfo methods.

The browser half of Sign in with Slack (/openid/connect/authorize) lives in the server; these are the
Web API halves. The id_token is signed HS256 with the client secret (real Slack uses RS256 + JWKS),
which keeps verification dependency-free for the app under test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from emulators.slack.api.registry import Call, method
from emulators.slack.args import Args
from emulators.slack.errors import SlackError

ISSUER = "https://slack.com"


@method("apps.connections.open", token="app")
def connections_open(call: Call, args: Args) -> dict[str, Any]:
    """A single-use websocket URL on this emulator."""
    ticket = secrets.token_hex(16)
    with call.ws.lock:
        call.ws.socket_tickets.add(ticket)
    host = call.base_url.removeprefix("http://").rstrip("/")
    return {"url": f"ws://{host}/link/?ticket={ticket}&app_id={call.ws.app_id}"}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_jwt(claims: dict[str, Any], secret: str) -> str:
    """A compact HS256 JWT."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64url(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64url(signature)}"


def _client_credentials(call: Call, args: Args) -> tuple[str | None, str | None]:
    """client_id/secret from HTTP Basic auth (slack_sdk's way) or from form fields."""
    if call.token.startswith("Basic "):
        decoded = base64.b64decode(call.token.removeprefix("Basic ")).decode()
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return args.opt("client_id"), args.opt("client_secret")


@method("openid.connect.token", token="none")
def token(call: Call, args: Args) -> dict[str, Any]:
    """Exchange an authorization code for an access token and a signed id_token."""
    client_id, client_secret = _client_credentials(call, args)
    if client_id != call.ws.client_id:
        raise SlackError("invalid_client_id")
    if client_secret != call.ws.client_secret:
        raise SlackError("bad_client_secret")
    with call.ws.lock:
        grant = call.ws.oidc_codes.pop(args.req("code", error="invalid_code"), None)
    if grant is None:
        raise SlackError("invalid_code")
    user_id, redirect_uri, nonce, _ = grant
    if args.opt("redirect_uri") not in (None, redirect_uri):
        raise SlackError("bad_redirect_uri")
    user = call.ws.user(user_id)
    access_token = f"xoxp-{secrets.token_hex(20)}"
    with call.ws.lock:
        call.ws.user_tokens[access_token] = user_id
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": user.id,
        "aud": client_id,
        "exp": now + 3600,
        "iat": now,
        "auth_time": now,
        "https://slack.com/user_id": user.id,
        "https://slack.com/team_id": call.ws.team_id,
        "email": user.email,
        "email_verified": True,
        "name": user.real_name,
        "locale": "en-US",
    }
    if nonce:
        claims["nonce"] = nonce
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "id_token": sign_jwt(claims, call.ws.client_secret),
    }


@method("openid.connect.userInfo", token="user")
def user_info(call: Call, args: Args) -> dict[str, Any]:
    """Claims about the signed-in user, for the access token from openid.connect.token."""
    user = call.ws.user(call.actor)
    return {
        "sub": user.id,
        "https://slack.com/user_id": user.id,
        "https://slack.com/team_id": call.ws.team_id,
        "https://slack.com/team_name": call.ws.team_name,
        "https://slack.com/team_domain": call.ws.team_domain,
        "email": user.email,
        "email_verified": True,
        "name": user.real_name,
        "given_name": user.real_name.split(" ")[0],
        "family_name": user.real_name.partition(" ")[2],
        "locale": "en-US",
    }
