"""``vigil demo``: a scripted incident, end to end, against the local Slack and PagerDuty emulators.

Starts the emulators and the bot (Socket Mode, on SQLite in a temporary directory unless VIGIL_DATABASE_URL is
set), plays an incident the way responders would run it in Slack, then prints what Slack received and the
incident as Vigil recorded it. The incident is a SEV1, so the policy pages the on-call person (sam) in PagerDuty;
sam acknowledges there, and PagerDuty's webhook brings the acknowledgement back to the channel, as in production.
Socket Mode has no HTTP server of its own, so a small one answers ``/pagerduty/webhook`` only. Nothing leaves this
machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.ids import Field, ViewId
from emulators.pagerduty import PagerDutyEmulator
from emulators.slack import SlackEmulator
from incidents import migrate
from incidents.context import Domain
from incidents.outbox import PENDING, OutboxMessage, Topic
from incidents.people import Names, people_of
from incidents.queries import incident_to_show
from vigil.assembly import Runtime
from vigil.cli import render
from vigil.cli.parser import Definition
from vigil.emulated import EmulatedPaging, emulated_settings
from vigil.warm import warm
from web.app import build_web_app
from web.pagerduty_webhook import pagerduty_webhook_router
from web.server import WebServer

REPLY_WAIT_S = 1.0
ON_CALL = "sam"
"""The demo's person on call in PagerDuty."""


class Demo:
    def __init__(self, emu: SlackEmulator, runtime: Runtime, people: dict[str, str], paging: EmulatedPaging) -> None:
        self.emu, self.runtime, self.people, self.paging = emu, runtime, people, paging
        self.names = {v: k for k, v in people.items()}

    def say(self, who: str, channel: str, text: str) -> None:
        ack = self.emu.slash_command(self.people[who], channel, text)
        print(f"  {who}: /incident {self.named(text)}".rstrip())
        if not (ack.payload or {}).get("text"):
            with contextlib.suppress(TimeoutError):  # commands that open a form answer with the form instead
                self.emu.wait_for(lambda: self.emu.replies_to(ack), timeout=REPLY_WAIT_S)
        self.settle()
        replies = [(ack.payload or {}).get("text")] + [post.text for post in self.emu.replies_to(ack)]
        for reply in filter(None, replies):
            print(f"    vigil (only to {who}): {self.named(reply)}")

    def modal(self, who: str, callback: str, values: dict[str, Any]) -> None:
        user = self.people[who]
        view = self.emu.wait_for(
            lambda: next(
                (
                    v
                    for v in self.emu.views.values()
                    if v.user == user and not v.closed and v.view.get("callback_id") == callback
                ),
                None,
            )
        )
        asked = next((b["text"]["text"] for b in view.view["blocks"] if b["type"] == "section"), None)
        if asked:
            print(f"  the form asks {who}: {self.named(asked)}")
        self.emu.submit_view(view.id, user, {str(k): {str(k): v} for k, v in values.items()})
        shown = {str(k): [self.names.get(x, x) for x in v] if isinstance(v, list) else v for k, v in values.items()}
        print(f"  {who} fills in the form: {shown}")
        self.settle()

    def named(self, text: str) -> str:
        """Slack ids in a text replaced by the demo's names, and Slack's escapes undone, for reading."""
        for user, name in self.names.items():
            text = text.replace(f"<@{user}>", f"@{name}")
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")  # as Slack shows them

    def settle(self) -> None:
        """Wait until everything is delivered but a page's acknowledgement deadline, minutes away."""

        def idle() -> bool:
            with self.runtime.domain.unit() as ctx:
                deadline = (OutboxMessage.topic == Topic.PAGE_ACK_DUE) & (OutboxMessage.available_at > ctx.now())
                waiting = (OutboxMessage.state == PENDING) & ~deadline
                return ctx.session.query(OutboxMessage).filter(waiting).count() == 0

        self.emu.wait_for(idle, timeout=30)

    def page_and_acknowledge(self, ref: str) -> None:
        """Show the page PagerDuty received for ``ref``, then have the on-call person acknowledge it there and
        wait until the webhook has brought that back to the channel."""
        pd = self.paging.emu
        page = self.emu.wait_for(lambda: self.paging.page_for(ref), timeout=30)
        self.settle()  # Vigil asks PagerDuty who is on call and says so in the channel
        who = ", ".join(person.name for person in page.assignees) or "nobody"
        print(f'  PagerDuty pages {who} for {ref}: "{page.summary}"')
        pd.acknowledge(page, by=self.paging.on_call)
        print(f"  {ON_CALL} acknowledges the page in PagerDuty")
        self.quiet()
        self.settle()

    def quiet(self) -> None:
        """Wait until every webhook PagerDuty has sent so far is delivered."""
        self.paging.emu.wait_for_webhooks(len(self.paging.emu.sent_webhooks), timeout=30)

    def show_slack(self) -> None:
        print("\nWhat Slack received")
        for channel in self.emu.channels.values():
            if channel.is_im:
                title = f"DM with {self.names.get(channel.dm_user or '', channel.dm_user)}"
            else:
                kind = "private" if channel.is_private else "public"
                members = ", ".join(sorted(self.names.get(m, "vigil") for m in channel.members))
                title = f"#{channel.name} ({kind}; members {members})"
            print(f"\n  {title}")
            if channel.topic:
                print(f"    topic: {self.named(channel.topic)}")
            pinned = {p.ts for p in self.emu.pins(channel.id)}
            for message in self.emu.messages(channel.id):
                mark = "📌 " if message.ts in pinned else ""
                edits = f" (edited {len(message.edits)} times)" if message.edits else ""
                author = self.names.get(message.user, "vigil")
                text = self.named(message.text.splitlines()[0] if message.text else "")
                print(f"    {mark}{author}: {text}{edits}")
            for bookmark in self.emu.bookmarks(channel.id):
                print(f"    bookmark: {bookmark.title} → {bookmark.link}")


def _email(name: str) -> str:
    return f"{name}@example.com"


def _seed(emu: SlackEmulator) -> tuple[dict[str, str], str, str]:
    """The people (with e-mail addresses: PagerDuty names the on-call person by theirs) and channels."""
    people = {name: emu.add_user(name, name, _email(name)) for name in ("maya", "sam", "lee", "ari")}
    general = emu.add_channel("trust-and-safety", members=list(people.values()))
    announce = emu.add_channel("incidents", members=list(people.values()))
    return people, general, announce


def demo(args: argparse.Namespace) -> int:
    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        emu = stack.enter_context(SlackEmulator())
        paging = EmulatedPaging.start(stack.enter_context(PagerDutyEmulator()), (ON_CALL.title(), _email(ON_CALL)))
        url = os.environ.get("VIGIL_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'vigil-demo.db'}"
        migrate.upgrade(url)
        people, general, announce = _seed(emu)
        settings = emulated_settings(
            emu, url, slack_app_token=emu.app_token, announce_channel=announce, **paging.settings()
        )
        domain = Domain.from_settings(settings)
        stack.callback(domain.engine.dispose)
        runtime = Runtime(settings, domain, pager=paging.pager(domain, settings))
        stack.callback(runtime.stop)
        warm(domain, runtime.templates, settings)  # as `vigil serve` does: on a busy machine too, forms ack in 3 s
        webhooks = WebServer(
            build_web_app(domain, [pagerduty_webhook_router(domain, settings.pagerduty_webhook_secret)])
        )
        stack.enter_context(webhooks)
        stack.callback(paging.emu.stop)  # before the server it delivers to: no webhook knocks on a closed port
        paging.deliver_to(webhooks.url)
        runtime.start_dispatcher(poll=0.1)
        runtime.socket_mode().connect()
        emu.wait_for(lambda: emu.socket_connections > 0)
        played = Demo(emu, runtime, people, paging)
        ref = _play(played, general)
        played.quiet()  # the resolve's webhook, before anything stops
        played.show_slack()
        _show_record(runtime, ref)
    return 0


def _show_record(runtime: Runtime, ref: str) -> None:
    """The incident as the terminal shows it, people by name: anyone the bot has not met yet is looked up first,
    as the bot does before rendering a review."""
    with runtime.domain.unit() as ctx:
        keys = people_of(incident_to_show(ctx, ref))
    runtime.port.people.learn(keys)
    with runtime.domain.unit() as ctx:
        incident = incident_to_show(ctx, ref)
        print("\nThe incident as Vigil recorded it\n")
        print(render.incident_detail(incident, ctx.now(), Names.of_incident(ctx, incident)))


def _play(demo: Demo, general: str) -> str:
    emu, p = demo.emu, demo.people
    print("A host reports threats from a guest after a cancelled stay.\n")
    demo.say("maya", general, "")
    demo.modal(
        "maya",
        ViewId.DECLARE,
        {
            Field.TITLE: "Threats against a host after a cancelled stay",
            Field.TYPES: ["threat_violence"],
            Field.SEVERITY: "SEV1",
            Field.REGION: "EMEA",
            Field.RESPONDERS: [p["sam"]],
        },
    )
    with demo.runtime.domain.unit() as ctx:
        incident = incident_to_show(ctx, f"INC-{datetime.now(UTC).year}-0001")
        ref, channel = incident.ref, incident.slack_channel_id
    assert channel is not None
    demo.page_and_acknowledge(ref)
    demo.say("maya", channel, f"role <@{p['lee']}> legal")
    demo.say("maya", channel, f"role <@{p['sam']}> scribe")
    emu.message_event(p["sam"], channel, "Host shared screenshots of the messages; evidence ref CASE-4471")
    emu.reaction_added(p["sam"], channel, emu.messages(channel)[-1].ts, "pushpin")
    print("  sam posts the evidence reference and pins it to the timeline with :pushpin:")
    demo.say("maya", channel, "update")
    demo.modal(
        "maya",
        ViewId.UPDATE,
        {
            Field.STATUS: "investigating",
            Field.SUMMARY: "Guest account suspended; host contacted and safe",
            Field.NEXT_STEPS: "Legal prepares the DSA Art. 18 notice",
        },
    )
    due = (datetime.now(UTC) + timedelta(days=7)).date()
    demo.say("sam", channel, f"action Add cancellation-threat keywords to review queue <@{p['ari']}> due:{due}")
    demo.say("lee", channel, "clock eu_dsa_art18 EUROPOL-2026-118")
    demo.say("maya", channel, f"handoff <@{p['sam']}>")
    prompt = emu.wait_for(lambda: next(iter(emu.dms(p["sam"])), None))
    emu.block_action(p["sam"], prompt, "incident-handoff-accept")
    print("  sam accepts command with the button")
    demo.settle()
    demo.say("sam", channel, "status mitigated no further contact possible")
    demo.say("sam", channel, "resolve host safe; police informed")  # steps are still open: a form asks first
    demo.modal("sam", ViewId.RESOLVE, {Field.NOTE: "host safe; police informed; legal follows up the steps"})
    return ref


def _define_demo(p: argparse.ArgumentParser) -> None:
    p.set_defaults(handler=demo)


DEFINITIONS: dict[str, Definition] = {"demo": _define_demo}
