"""Schemathesis drives the live API from its own OpenAPI document: every operation with schema-valid and
schema-invalid data, then stateful runs that follow the document's links (declare → read, timeline, update).

No answer may be a server error or break the document (status, content type, body schema, headers); invalid
data must be refused; calls without the key must be refused. Bounded so both databases take well under a minute.
"""

from __future__ import annotations

from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from pydantic import ValidationError
from schemathesis import checks
from schemathesis.generation.modes import GenerationMode
from sqlalchemy import select

from incidents.apikeys.service import SCOPES
from incidents.context import Domain
from incidents.models import AuditEvent
from tests.api.conftest import MakeKey
from web.api.schemas import DeclareRequest
from web.server import WebServer

pytestmark = pytest.mark.slow  # a fuzzing sweep: the handwritten API tests cover each behaviour in the quick tier

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.negative_data_rejection,
    checks.ignored_auth,
    checks.missing_required_header,
    checks.unsupported_method,
]
STATEFUL_CHECKS = [*CHECKS, checks.use_after_free, checks.ensure_resource_availability]
SETTINGS = hypothesis.settings(
    max_examples=12,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)


@pytest.fixture
def live_schema(api: WebServer, make_key: MakeKey) -> tuple[Any, dict[str, str]]:
    schema = schemathesis.openapi.from_url(f"{api.url}/api/v1/openapi.json")

    @schema.hook("map_body")
    def plausible_declares(context: Any, body: Any) -> Any:
        """Random titles, types and regions are nearly always refused by the policy; give valid bodies a
        chance to declare, so the stateful runs reach the operations that need an incident."""
        if context.operation is None or context.operation.label != "POST /api/v1/incidents":
            return body
        try:
            DeclareRequest.model_validate(body)
        except ValidationError:
            return body  # a deliberately invalid body: leave it invalid
        return {
            **body,
            "title": "Generated report",
            "types": ["fraud_scam"],
            "region": None,
            "commander_email": None,
            "occurred_at": None,
            "detected_at": None,
        }

    return schema, {"Authorization": f"Bearer {make_key('schemathesis', SCOPES, all_tiers=True)}"}


def test_every_operation_with_valid_and_invalid_data(live_schema: tuple[Any, dict[str, str]]) -> None:
    schema, auth = live_schema
    operations = [result.ok() for result in schema.get_all_operations()]
    # incidents: 5; parties: list, add, erase; referrals: list, open, change; tasks: list, complete, skip;
    # signals: send, alertmanager; legal holds: list, place, release
    assert len(operations) == 19
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                case.call_and_validate(headers=auth, checks=CHECKS)

            run()


def test_stateful_runs_follow_the_links(live_schema: tuple[Any, dict[str, str]], domain: Domain) -> None:
    schema, auth = live_schema

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": auth}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=STATEFUL_CHECKS, headers=auth, recorder=self.recorder)

    Workflow.run(settings=hypothesis.settings(SETTINGS, max_examples=10, stateful_step_count=6))
    with domain.unit() as ctx:
        calls = ctx.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "api.call")).all()
    followed = {(c["method"], c["path"].count("/"), c["status"]) for c in calls}
    assert {("POST", 3, 201), ("GET", 4, 200)} <= followed, followed  # declared, then read through the link
