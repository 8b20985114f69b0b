"""``vigil demo``: a scripted incident, end to end, against the local Slack emulator.

Starts the emulator and the bot (Socket Mode, on SQLite in a temporary directory unless VIGIL_DATABASE_URL is
set), plays an incident the way responders would run it in Slack, then prints what Slack received and the
incident as Vigil recorded it. Nothing leaves this machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.ids import Field, ViewId
from bot.runtime import Runtime
from emulators.slack import SlackEmulator
from incidents import migrate
from incidents.context import Domain
from incidents.outbox import PENDING, OutboxMessage
from incidents.people import Names, people_of
from incidents.queries import get_incident
from vigil.cli import render
from vigil.cli.parser import Definition
from vigil.emulated import emulated_settings

REPLY_WAIT_S = 1.0


class Demo:
    def __init__(self, emu: SlackEmulator, runtime: Runtime, people: dict[str, str]) -> None:
        self.emu, self.runtime, self.people = emu, runtime, people
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
        self.emu.submit_view(view.id, user, {str(k): {str(k): v} for k, v in values.items()})
        shown = {str(k): [self.names.get(x, x) for x in v] if isinstance(v, list) else v for k, v in values.items()}
        print(f"  {who} fills in the form: {shown}")
        self.settle()

    def named(self, text: str) -> str:
        """Slack ids in a text replaced by the demo's names, for reading."""
        for user, name in self.names.items():
            text = text.replace(f"<@{user}>", f"@{name}")
        return text

    def settle(self) -> None:
        def idle() -> bool:
            with self.runtime.domain.unit() as ctx:
                return ctx.session.query(OutboxMessage).filter(OutboxMessage.state == PENDING).count() == 0

        self.emu.wait_for(idle, timeout=30)

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


def _seed(emu: SlackEmulator) -> tuple[dict[str, str], str, str]:
    people = {name: emu.add_user(name) for name in ("maya", "sam", "lee", "ari")}
    general = emu.add_channel("trust-and-safety", members=list(people.values()))
    announce = emu.add_channel("incidents", members=list(people.values()))
    return people, general, announce


def demo(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp, SlackEmulator() as emu:
        url = os.environ.get("VIGIL_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'vigil-demo.db'}"
        migrate.upgrade(url)
        people, general, announce = _seed(emu)
        settings = emulated_settings(emu, url, slack_app_token=emu.app_token, announce_channel=announce)
        domain = Domain.from_settings(settings)
        runtime = Runtime(settings, domain)
        runtime.start_dispatcher(poll=0.1)
        runtime.socket_mode().connect()
        emu.wait_for(lambda: emu.socket_connections > 0)
        try:
            ref = _play(Demo(emu, runtime, people), general)
            Demo(emu, runtime, people).show_slack()
            _show_record(runtime, ref)
        finally:
            runtime.stop()
            domain.engine.dispose()
    return 0


def _show_record(runtime: Runtime, ref: str) -> None:
    """The incident as the terminal shows it, people by name: anyone the bot has not met yet is looked up first,
    as the bot does before rendering a review."""
    with runtime.domain.unit() as ctx:
        keys = people_of(get_incident(ctx, ref))
    runtime.port.people.learn(keys)
    with runtime.domain.unit() as ctx:
        incident = get_incident(ctx, ref)
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
        incident = get_incident(ctx, f"INC-{datetime.now(UTC).year}-0001")
        ref, channel = incident.ref, incident.slack_channel_id
    assert channel is not None
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
    demo.say("sam", channel, "resolve host safe; police informed")
    return ref


def _define_demo(p: argparse.ArgumentParser) -> None:
    p.set_defaults(handler=demo)


DEFINITIONS: dict[str, Definition] = {"demo": _define_demo}
