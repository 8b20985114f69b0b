"""The pieces assembled as ``vigil serve`` runs them: Jira sync behind `/incident action`, the sync-failure
notice, and HTTP mode serving Slack, the Jira webhook, the intake API and the health check from one app."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest

from emulators.jira.testing import running
from emulators.slack import SlackEmulator
from incidents import actions
from incidents.context import Domain
from incidents.enums import SyncState
from incidents.outbox import Topic, enqueue
from incidents.queries import incident_to_show
from tests.bot.conftest import BotUnderTest, People, bot_settings, start_runtime
from vigil.assembly import Runtime


@pytest.fixture
def jira_bot(emu: SlackEmulator, people: People, live_domain: Domain, db_url: str) -> Iterator[BotUnderTest]:
    with running("Cloud") as jira:
        settings = bot_settings(
            emu,
            db_url,
            people.announce,
            jira_url=jira.url,
            jira_email=jira.email,
            jira_api_token=jira.api_token,
            jira_project="SAFE",
        )
        runtime: Runtime = start_runtime(settings, live_domain)
        runtime.socket_mode().connect()
        emu.wait_for(lambda: emu.socket_connections > 0)
        try:
            bot = BotUnderTest(emu, live_domain, settings, runtime, people)
            bot.jira = jira  # type: ignore[attr-defined]
            yield bot
        finally:
            runtime.stop()


def test_an_action_from_slack_becomes_a_jira_issue(jira_bot: BotUnderTest) -> None:
    bot, people = jira_bot, jira_bot.people
    ref, channel = bot.declare()
    due = (date.today() + timedelta(days=14)).isoformat()
    bot.reply(
        bot.command(f"action Block the scam domain at signup <@{people.carol}> due:{due}", channel=channel.id)
    )  # returns once the command has been carried out
    bot.settle()
    action = bot.incident(ref).actions[0]
    assert action.sync_state is SyncState.SYNCED and action.tracker_key
    issue = bot.jira.issues[action.tracker_key]  # type: ignore[attr-defined]
    assert issue.summary == f"[{ref}] Block the scam domain at signup"
    assert ref.lower() in issue.labels and "incident" in issue.labels
    assert issue.duedate == due


def test_a_failed_sync_is_told_to_the_commander_once(bot: BotUnderTest) -> None:
    ref, channel = bot.declare()
    with bot.domain.unit() as ctx:
        action = actions.add_action(ctx, ref, actor=bot.people.alice, title="Rotate keys")
        message = enqueue(
            ctx.session,
            Topic.ACTION_SYNC_FAILED,
            now=ctx.now(),
            incident_id=incident_to_show(ctx, ref).id,
            payload={"action_id": action.id, "reason": "Jira rejected the project"},
        )
    bot.settle()
    bot.runtime.port.tell_sync_failed(message)  # a redelivery changes nothing
    warnings = [m for m in bot.emu.messages(channel.id) if "could not be synced to Jira" in m.text]
    assert len(warnings) == 1
    assert f"<@{bot.people.alice}>" in warnings[0].text and "Rotate keys" in warnings[0].text


def test_http_mode_serves_every_feature_from_one_app(http_bot: BotUnderTest) -> None:
    base = str(http_bot.emu.http_target).removesuffix("/slack/events")
    assert httpx.get(f"{base}/healthz").json() == {"ok": True}
    assert httpx.get(f"{base}/api/v1/openapi.json").json()["openapi"].startswith("3.")
    assert httpx.post(f"{base}/jira/webhook", json={"webhookEvent": "jira:issue_updated"}).status_code == 401
    assert httpx.post(f"{base}/api/v1/incidents", json={}).status_code == 401


def test_socket_mode_acks_leave_without_nagle_delay(emu, people: People, live_domain: Domain, db_url: str) -> None:
    """Acks are small frames sent back to back: with Nagle's algorithm on, each waited for the previous one's TCP
    ack (~20 ms at 50 commands/s, see bench.bot_ack_latency), so the connection runs with TCP_NODELAY."""
    runtime = start_runtime(bot_settings(emu, db_url, people.announce), live_domain, dispatcher=False)
    handler = runtime.socket_mode()
    handler.connect()
    try:
        emu.wait_for(lambda: emu.socket_connections > 0)
        session = handler.client.current_session
        assert session is not None and session.sock is not None
        assert session.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        ack = emu.slash_command(people.alice, people.general, "help")
        assert not ack.timed_out and "/incident declare" in str(ack.payload)
    finally:
        runtime.stop()
