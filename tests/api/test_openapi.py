"""The checked-in OpenAPI document is the one the code generates, and the one the API serves; it documents the
security scheme, the error shape and the links between operations."""

from __future__ import annotations

import json

import httpx

from web.api.openapi import CHECKED_IN, render
from web.api.routes import router
from web.server import WebServer

REGENERATE = "web/api/openapi.json is out of date with the API: run `.venv/bin/python -m web.api` and commit it"


def test_the_checked_in_document_is_the_one_the_code_generates() -> None:
    assert render(router) == CHECKED_IN.read_text(), REGENERATE


def test_the_served_document_is_the_checked_in_one(api: WebServer) -> None:
    served = httpx.get(f"{api.url}/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.json() == json.loads(CHECKED_IN.read_text()), REGENERATE


def test_the_document_describes_security_errors_and_links() -> None:
    doc = json.loads(CHECKED_IN.read_text())
    assert doc["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "vigil_<prefix>_<secret>",
        "description": "An API key from `vigil api-keys create`, sent as `Authorization: Bearer <token>`.",
    }
    operations = {op["operationId"]: op for path in doc["paths"].values() for op in path.values()}
    assert set(operations) == {
        "declare_incident",
        "add_timeline_entry",
        "post_update",
        "get_incident",
        "list_incidents",
        "list_parties",
        "add_party",
        "erase_party",
        *("list_referrals", "open_referral", "change_referral"),
        *("list_tasks", "complete_task", "skip_task"),
        *("send_signals", "alertmanager_webhook"),
        *("list_holds", "place_hold", "release_hold"),
    }
    for op in operations.values():
        assert op["security"] and {"401", "403", "422", "429"} <= set(op["responses"])
        assert op["responses"]["422"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorBody"
        }
    assert set(operations["declare_incident"]["responses"]["201"]["links"]) == {
        "GetIncident",
        "AddTimelineEntry",
        "PostUpdate",
    }
