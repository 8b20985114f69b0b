"""The bot's delivery of nudges, against the Slack emulator: who sees what, where, and only once."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.nudges import nudge_handlers
from emulators.slack import SlackEmulator
from incidents import actions, lifecycle, timeline
from incidents.context import Domain
from incidents.dispatcher import RetryLater
from incidents.enums import Severity, Tier
from incidents.outbox import OutboxMessage
from incidents.queries import incident_to_show
from incidents.scheduling.config import SchedulingSettings
from incidents.scheduling.jobs import actions_digest, leadership_digest
from incidents.scheduling.models import Nudge, NudgeKind
from incidents.scheduling.tick import tick
from incidents.settings import Settings
from tests.helpers import declared_ref

H = timedelta(hours=1)


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def settings() -> Settings:
    return Settings(
        leadership_channel="leaders",
        scheduling=SchedulingSettings(actions_digest_channel="actions", wellbeing_url="https://support.example/eap"),
    )


class Slack:
    """The emulated workspace, its people, and the handlers under test."""

    def __init__(self, emu: SlackEmulator, domain: Domain, settings: Settings) -> None:
        self.emu, self.domain, self.settings = emu, domain, settings
        self.alice, self.dep, self.bob = emu.add_user("alice"), emu.add_user("dep"), emu.add_user("bob")
        client = WebClient(token=emu.bot_token, base_url=emu.web_api_url)
        self.handlers = nudge_handlers(client, domain, settings)

    def incident(self, *, channel: bool = True, **overrides: object) -> tuple[str, str | None]:
        fields: dict[str, object] = {"types": ["fraud_scam"], "commander": self.alice, "roles": {"deputy": self.dep}}
        ref = declared_ref(self.domain, **{**fields, **overrides})
        if not channel:
            return ref, None
        channel_id = self.emu.add_channel(ref.lower(), is_private=True, members=[self.alice, self.dep])
        with self.domain.unit() as ctx:
            lifecycle.record_channel(ctx, incident_to_show(ctx, ref).id, channel_id)
        return ref, channel_id

    def deliver(self) -> int:
        """Run the handler of every nudge row in the outbox (twice, as a retrying dispatcher might)."""
        with self.domain.unit() as ctx:
            rows = list(ctx.session.scalars(select(OutboxMessage).where(OutboxMessage.topic.like("nudge.%"))))
        for row in rows * 2:
            self.handlers[row.topic](row)
        return len(rows)

    def texts(self, channel: str) -> list[str]:
        return [m.text for m in self.emu.messages(channel)]


@pytest.fixture
def slack(emu: SlackEmulator, domain: Domain, settings: Settings) -> Slack:
    return Slack(emu, domain, settings)


def test_a_late_update_is_asked_for_in_the_channel_once(slack: Slack, domain: Domain, settings: Settings) -> None:
    _, channel = slack.incident(severity=Severity.SEV1)
    domain.time_source.advance(H)
    tick(domain, settings.scheduling)
    assert slack.deliver() == 1
    [text] = slack.texts(channel)
    assert f"<@{slack.alice}> <@{slack.dep}> a status update was due" in text and "/incident update" in text
    with domain.unit() as ctx:
        nudge = ctx.session.scalars(select(Nudge)).one()
    assert nudge.delivered_to == channel and nudge.delivery_ref == slack.emu.messages(channel)[0].ts


def test_reminders_wait_for_the_channel(slack: Slack, domain: Domain, settings: Settings) -> None:
    slack.incident(severity=Severity.SEV1, channel=False)
    domain.time_source.advance(H)
    tick(domain, settings.scheduling)
    with pytest.raises(RetryLater, match="has no channel yet"):
        slack.deliver()


def test_an_archived_channel_falls_back_to_direct_messages(slack: Slack, domain: Domain, settings: Settings) -> None:
    ref, channel = slack.incident(
        severity=Severity.SEV3, jurisdictions=["EU"], types=["data_breach"], roles={"legal": slack.bob}
    )
    with domain.unit() as ctx:
        lifecycle.resolve(ctx, ref, actor=slack.alice)
    with domain.unit() as ctx:
        lifecycle.close(ctx, ref, actor=slack.alice)
    WebClient(token=slack.emu.bot_token, base_url=slack.emu.web_api_url).conversations_archive(channel=channel)
    domain.time_source.advance(73 * H)
    tick(domain, settings.scheduling)
    slack.deliver()
    for person in (slack.alice, slack.bob):
        [dm] = slack.emu.dms(person)
        assert "GDPR Art. 33" in dm.text and "passed" in dm.text
    assert slack.emu.dms(slack.dep) == []


def test_action_owners_get_a_dm_and_restricted_incidents_are_named_by_reference(
    slack: Slack, domain: Domain, settings: Settings
) -> None:
    ref, _ = slack.incident(severity=Severity.SEV2, tier=Tier.RESTRICTED, title="Harassment of a host")
    with domain.unit() as ctx:
        actions.add_action(
            ctx, ref, actor=slack.alice, title="Block ring", owner=slack.bob, due_date=date(2026, 11, 24)
        )
        actions.add_action(
            ctx, ref, actor=slack.alice, title="Write memo", owner="cli:ops", due_date=date(2026, 11, 24)
        )
    domain.time_source.advance(2 * 24 * H)
    tick(domain, settings.scheduling)
    slack.deliver()
    [dm] = slack.emu.dms(slack.bob)
    assert f"*Block ring* on {ref} was due 2026-11-24" in dm.text and "Harassment" not in dm.text
    assert dm.unfurl_links is False and dm.unfurl_media is False


def test_a_dm_to_someone_slack_does_not_know_is_given_up_after_one_try(
    slack: Slack, domain: Domain, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    ref, _ = slack.incident(severity=Severity.SEV2)
    with domain.unit() as ctx:
        due = date(2026, 11, 24)
        actions.add_action(ctx, ref, actor=slack.alice, title="Block ring", owner="U0NOBODY1", due_date=due)
    domain.time_source.advance(2 * 24 * H)
    tick(domain, settings.scheduling)
    with caplog.at_level(logging.WARNING):
        slack.deliver()  # each handler runs twice, as a redelivery would
    dms = [c for c in slack.emu.calls_to("chat.postMessage") if c.args.get("channel") == "U0NOBODY1"]
    assert [c.error for c in dms] == ["channel_not_found"]
    [line] = [r for r in caplog.records if "U0NOBODY1" in r.getMessage()]
    assert line.exc_info is None and line.getMessage().endswith("Slack answered channel_not_found")
    with domain.unit() as ctx:
        nudge = ctx.session.scalars(select(Nudge).where(Nudge.kind == NudgeKind.ACTION_OVERDUE)).one()
        assert nudge.delivered_at is not None and nudge.delivered_to is None


def test_checkin_offers_support_privately_and_records_no_answer(
    slack: Slack, domain: Domain, settings: Settings
) -> None:
    ref, channel = slack.incident(severity=Severity.SEV1, roles={"deputy": slack.dep, "wellbeing": slack.bob})
    with domain.unit() as ctx:
        timeline.add_note(ctx, ref, actor=slack.alice, text="Graphic description", sensitive=True)
        lifecycle.resolve(ctx, ref, actor=slack.alice)
    with domain.unit() as ctx:
        lifecycle.close(ctx, ref, actor=slack.alice)
    tick(domain, settings.scheduling)
    slack.deliver()
    [dm] = slack.emu.dms(slack.dep)
    assert "optional and private" in dm.text and "Graphic" not in dm.text
    [button] = dm.blocks[-1]["elements"]
    assert button["url"] == "https://support.example/eap"
    assert f"<@{slack.bob}>" in str(dm.blocks)
    assert not any("check" in t.lower() for t in slack.texts(channel))  # nothing in the channel


def test_digests_go_to_their_channels_without_restricted_detail(
    slack: Slack, domain: Domain, settings: Settings
) -> None:
    leaders = slack.emu.add_channel("leaders")
    actions_channel = slack.emu.add_channel("actions")
    open_ref, _ = slack.incident(severity=Severity.SEV1, title="Threats against a host")
    secret_ref, _ = slack.incident(severity=Severity.SEV0, tier=Tier.RESTRICTED, title="Hidden camera report")
    with domain.unit() as ctx:
        actions.add_action(ctx, open_ref, actor=slack.alice, title="Ban", owner=slack.bob, due_date=date(2026, 11, 24))
        actions.add_action(ctx, secret_ref, actor=slack.alice, title="Warn", due_date=date(2026, 11, 24))
    domain.time_source.advance(timedelta(days=7) - 3 * H)  # Monday 09:00
    leadership_digest(domain, settings.scheduling, "leaders")
    actions_digest(domain, settings.scheduling)
    slack.deliver()
    [summary] = slack.emu.messages(leaders)
    shown = str(summary.blocks)
    assert "Declared:* 2 (1 restricted)" in shown and open_ref in shown
    assert secret_ref not in shown and "Hidden camera" not in shown
    [overdue] = slack.emu.messages(actions_channel)
    shown = str(overdue.blocks)
    assert f"{open_ref}: Ban, <@{slack.bob}>" in shown and secret_ref not in shown
    assert "1 on restricted incidents, not listed here." in shown
