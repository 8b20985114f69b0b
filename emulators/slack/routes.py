"""Non-API endpoints Slack serves from other hosts: response_urls, file upload URLs and OIDC pages."""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import urlencode

from aiohttp import BodyPartReader, web

from emulators.slack.api.connections import ISSUER
from emulators.slack.blockkit import message_block_problems
from emulators.slack.models import Message, ResponseUrlPost
from emulators.slack.state import Workspace

MAX_RESPONSE_URL_USES = 5


class Routes:
    """aiohttp handlers sharing the workspace; `base_url` is filled in once the port is known."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.base_url = ""

    async def response_url(self, request: web.Request) -> web.Response:
        """Record what the app posted; in_channel posts and replace/delete_original change the channel."""
        try:
            body: dict[str, Any] = json.loads(await request.read())
        except json.JSONDecodeError:
            return web.Response(status=400, text="invalid_payload")
        if not isinstance(body, dict):
            return web.Response(status=400, text="invalid_payload")
        if "blocks" in body and message_block_problems(body["blocks"]):
            return web.Response(status=400, text="invalid_blocks")
        if not body.get("delete_original") and not body.get("text") and not body.get("blocks"):
            return web.Response(status=400, text="no_text")
        with self.ws.lock:
            target = self.ws.response_urls.get(request.match_info["key"])
            if target is None or target.uses >= MAX_RESPONSE_URL_USES:
                return web.Response(status=404, text="used_url" if target else "no_service")
            target.uses += 1
            response_type = body.get("response_type", "ephemeral")
            self.ws.responses.append(
                ResponseUrlPost(
                    channel=target.channel,
                    user=target.user,
                    response_type=response_type,
                    text=body.get("text"),
                    blocks=body.get("blocks"),
                    replace_original=bool(body.get("replace_original")),
                    delete_original=bool(body.get("delete_original")),
                    body=body,
                    url_key=request.match_info["key"],
                    ts=self.ws.next_ts(),
                    message_ts=target.message_ts,
                )
            )
            self._apply(target.channel, target.message_ts, body, response_type)
        return web.Response(text="ok")

    def _apply(self, channel: str, message_ts: str | None, body: dict[str, Any], response_type: str) -> None:
        messages = self.ws.messages.get(channel, [])
        original = next((m for m in messages if m.ts == message_ts), None)
        if original is not None and body.get("delete_original"):
            messages.remove(original)
        elif original is not None and body.get("replace_original"):
            original.text, original.blocks = body.get("text", ""), body.get("blocks")
        elif response_type == "in_channel":
            messages.append(
                Message(
                    channel=channel,
                    ts=self.ws.next_ts(),
                    text=body.get("text", ""),
                    user=self.ws.bot_user_id,
                    bot_id=self.ws.bot_id,
                    blocks=body.get("blocks"),
                    thread_ts=body.get("thread_ts"),
                )
            )

    async def upload(self, request: web.Request) -> web.Response:
        """The upload_url from files.getUploadURLExternal: raw bytes or a multipart `file` part."""
        with self.ws.lock:
            file_id = self.ws.uploads.pop(request.match_info["key"], None)
        if file_id is None:
            return web.Response(status=404, text="Not Found")
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            part = await reader.next()
            content = await part.read() if isinstance(part, BodyPartReader) else b""
        else:
            content = await request.read()
        with self.ws.lock:
            self.ws.files[file_id].content = bytes(content)
        return web.Response(text=f"OK - {len(content)}")

    async def authorize(self, request: web.Request) -> web.Response:
        """OIDC authorization: auto-approves as the user chosen with emu.oidc_login_as()."""
        query = request.query
        if query.get("client_id") != self.ws.client_id or not query.get("redirect_uri"):
            return web.Response(status=400, text="invalid_client_id or missing redirect_uri")
        redirect, state = query["redirect_uri"], query.get("state", "")
        if "openid" not in query.get("scope", "").replace(",", " ").split():
            params = {"error": "invalid_scope", "state": state}
        elif query.get("response_type", "code") != "code":
            params = {"error": "unsupported_response_type", "state": state}
        elif self.ws.oidc_login_user is None:
            params = {"error": "access_denied", "state": state}
        else:
            code = f"{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
            with self.ws.lock:
                self.ws.oidc_codes[code] = (
                    self.ws.oidc_login_user,
                    redirect,
                    query.get("nonce"),
                    self.ws.client_id,
                )
            params = {"code": code, "state": state}
        separator = "&" if "?" in redirect else "?"
        raise web.HTTPFound(f"{redirect}{separator}{urlencode(params)}")

    async def openid_configuration(self, request: web.Request) -> web.Response:
        """Discovery document pointing at this emulator."""
        return web.json_response(
            {
                "issuer": ISSUER,
                "authorization_endpoint": f"{self.base_url}openid/connect/authorize",
                "token_endpoint": f"{self.base_url}api/openid.connect.token",
                "userinfo_endpoint": f"{self.base_url}api/openid.connect.userInfo",
                "jwks_uri": f"{self.base_url}openid/connect/keys",
                "scopes_supported": ["openid", "profile", "email"],
                "response_types_supported": ["code"],
                "response_modes_supported": ["form_post"],
                "grant_types_supported": ["authorization_code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["HS256"],
                "claims_supported": ["sub", "auth_time", "iss", "email", "email_verified", "name", "nonce"],
                "claims_parameter_supported": False,
                "request_parameter_supported": False,
                "request_uri_parameter_supported": True,
                "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            }
        )

    async def jwks(self, request: web.Request) -> web.Response:
        """No public keys: id_tokens are HS256 with the client secret."""
        return web.json_response({"keys": []})
