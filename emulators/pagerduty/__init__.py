"""A local PagerDuty (Events API v2, REST API v2, v3 webhooks) and Jira Service Management alerts emulator.

For tests of Vigil's paging: it validates requests like the real services, keeps incidents and alerts, sends signed
webhooks with retries, rate-limits events and fails on demand::

    emu = PagerDutyEmulator().start()                   # HTTPS on 127.0.0.1:<free port>
    alice = emu.add_user("Alice", "alice@example.com")
    policy = emu.add_escalation_policy("Trust & Safety")
    emu.set_on_call(policy, [alice])
    service = emu.add_service("Vigil", escalation_policy=policy)
    emu.subscribe("http://127.0.0.1:8080/pagerduty", secret="s3cret")

    events = pagerduty.EventsApiV2Client(service.integration_key, base_url=emu.url, verify=emu.ssl_context())
    key = events.trigger("Spam wave", "vigil", dedup_key="INC-1")
    emu.acknowledge(key, by=alice)                      # -> incident.acknowledged webhook, signed
    rest = pagerduty.RestApiV2Client(emu.api_token, base_url=emu.url, verify=emu.ssl_context())
    rest.list_all("oncalls", params={"escalation_policy_ids[]": [policy.id]})
    emu.stop()

:mod:`emulators.pagerduty.testing` builds clients with the client's own retries turned off. JSM alerts are served
by the same process under ``/jsm/ops/integration/v2/alerts`` (``Authorization: GenieKey <emu.jsm_api_key>``), and
its outgoing webhooks go to ``emu.jsm_subscribe(url, headers)`` when an alert is acted on
(``emu.jsm_acknowledge(alias, by="sam@example.org")``). A person is paged as PagerDuty's REST API allows:
``POST /incidents`` assigned to their user.

The modules: ``server`` (life cycle, test API), ``state`` and ``model`` (the account), ``events_validate`` and
``routes_events`` (Events API), ``ratelimit``, ``routes_rest``, ``routes_incidents`` and ``render`` (REST),
``webhooks``, ``faults``, ``tls``, ``jsm_state``, ``jsm`` and ``jsm_webhooks`` (JSM).
"""

from emulators.pagerduty.faults import RequestRecord
from emulators.pagerduty.jsm_state import Alert, AlertRequest, JsmIntegration
from emulators.pagerduty.model import EscalationPolicy, Incident, Schedule, Service, User
from emulators.pagerduty.server import PagerDutyEmulator
from emulators.pagerduty.webhooks import Delivery, Subscription, Webhook

__all__ = [
    "Alert",
    "AlertRequest",
    "Delivery",
    "EscalationPolicy",
    "Incident",
    "JsmIntegration",
    "PagerDutyEmulator",
    "RequestRecord",
    "Schedule",
    "Service",
    "Subscription",
    "User",
    "Webhook",
]
