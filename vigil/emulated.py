"""Settings for the runs against the bundled Slack emulator (``vigil demo``, ``vigil try``, the benches), and the
emulated PagerDuty account that the demo and ``vigil try`` page.

They come from the arguments alone, never from the environment or a config file: a person who tries Vigil in
the shell they use for the real workspace must not have the demo file Jira issues in their real project, or
reach their real workspace with the emulator's data.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from emulators.pagerduty import Incident, PagerDutyEmulator, Service, User
from emulators.slack import SlackEmulator
from incidents.context import Domain
from incidents.paging.config import DEFAULT_SERVICE
from incidents.paging.service import dedup_key
from incidents.paging.wiring import build_pager
from incidents.policy import load_policy
from incidents.settings import Settings

if TYPE_CHECKING:
    from incidents.paging.delivery import Pager


class _GivenOnly(Settings):
    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def emulated_settings(emu: SlackEmulator, database_url: str, **extra: Any) -> Settings:
    """Vigil pointed at ``emu`` and ``database_url``, plus ``extra`` settings, and nothing else."""
    return _GivenOnly(
        database_url=database_url,
        slack_bot_token=emu.bot_token,
        slack_signing_secret=emu.signing_secret,
        slack_api_url=emu.web_api_url,
        **extra,
    )


WEBHOOK_PATH = "/pagerduty/webhook"
"""Where Vigil answers PagerDuty's webhooks (:mod:`web.pagerduty_webhook`)."""
ESCALATION_POLICY = "Trust & Safety"


@dataclass(frozen=True)
class EmulatedPaging:
    """An emulated PagerDuty account for the policy's ``default`` paging service: one person on call for it.

    Its service carries the policy's label, so the page PagerDuty shows and the channel's "Paging …" line name the
    same thing."""

    emu: PagerDutyEmulator
    service: Service
    on_call: User
    webhook_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @classmethod
    def start(cls, emu: PagerDutyEmulator, on_call: tuple[str, str]) -> EmulatedPaging:
        """The account on ``emu`` (started): ``on_call`` is the person's name and e-mail, which should be their
        Slack e-mail too, so that Vigil invites them to the incident's channel when it learns they are on call."""
        person = emu.add_user(*on_call)
        policy = emu.add_escalation_policy(ESCALATION_POLICY)
        emu.set_on_call(policy, [person])
        label = load_policy().paging.services[DEFAULT_SERVICE].label  # the shipped pack: the settings name none
        return cls(emu, emu.add_service(label, escalation_policy=policy), person)

    def settings(self) -> dict[str, Any]:
        """The settings that page this account and accept its webhooks (for :func:`emulated_settings`)."""
        return {
            "pagerduty_events_url": f"{self.emu.url}/v2/enqueue",
            "pagerduty_routing_key": self.service.integration_key,
            "pagerduty_api_url": self.emu.url,
            "pagerduty_api_token": self.emu.api_token,
            "pagerduty_webhook_secret": self.webhook_secret,
        }

    def pager(self, domain: Domain, settings: Settings) -> Pager:
        """Vigil's PagerDuty side for ``domain``, trusting the emulator's own certificate (the official client
        takes https:// addresses only). The policy's ``default`` service is pointed at the emulated one, so Vigil
        can ask who is on call."""
        paging = domain.policy.paging
        default = paging.services[DEFAULT_SERVICE].model_copy(update={"pagerduty_service_id": self.service.id})
        services = {**paging.services, DEFAULT_SERVICE: default}
        domain.policy = domain.policy.model_copy(update={"paging": paging.model_copy(update={"services": services})})
        pager = build_pager(domain, settings, verify=self.emu.ssl_context())
        assert pager is not None, "settings() sets the routing key"
        return pager

    def deliver_to(self, base_url: str) -> None:
        """Send PagerDuty's webhooks (acknowledgements) to the Vigil listening at ``base_url``."""
        self.emu.subscribe(f"{base_url}{WEBHOOK_PATH}", secret=self.webhook_secret)

    def page_for(self, ref: str) -> Incident | None:
        """The PagerDuty incident Vigil opened for the incident ``ref`` (on this service), if any yet."""
        key = dedup_key(ref, DEFAULT_SERVICE)
        return next((i for i in reversed(self.emu.incidents) if i.dedup_key == key), None)
