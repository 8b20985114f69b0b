"""Chaos bench: incidents through two ``vigil serve`` replicas on one PostgreSQL while Slack and Jira misbehave
and replicas die; then it checks that nothing was lost or done twice.

Usage: ``.venv/bin/python -m bench.chaos [--incidents 1000] [--kill-every 30] [--seed 1] [--socket-mode]``

In HTTP mode (the default) the replicas run ``vigil serve --http``: Slack (the emulator) sends its requests to a
small round-robin front in this process, which passes each to the next replica that answers, as a load balancer
would; the intake API goes through the same front. Each incident is declared from Slack (``/incident declare``) or
from the API, alternately. With ``--socket-mode`` the replicas run ``vigil serve`` and each holds its own Socket
Mode connection: Slack hands each envelope to one of the open connections, and a killed replica connects again
when it is restarted. Socket Mode replicas serve no intake API, so every incident is declared from Slack there.
Every third incident is declared SEV1, which the shipped policy pages at declare (PagerDuty's ``default`` service,
de-duplication key ``<REF>/default``); the others SEV3. Then each incident gets a role, notes, a severity change, a
status, an action (tracked to Jira) and is resolved, all as slash commands in its channel; every other SEV1
incident is resolved only once its page went out, the rest whenever they get there (so a resolution may overtake
its page).
Meanwhile Slack answers ~10% of Web API calls with HTTP 500 and loses ~1% of answers after carrying the call out,
with its rate tiers on; Jira answers ~10% with 500 and is down for one window; PagerDuty (its emulator, over HTTPS,
with its 120 events a minute) answers ~10% of Events API calls with 500, loses ~1% of answers and is down for
another window; every ``--kill-every`` seconds one replica gets SIGKILL (or, now and then, SIGTERM) and is started
again. The replicas trust the PagerDuty emulator's CA through ``SSL_CERT_FILE`` (its PEM written to the work
folder), which the official client's HTTP library reads for its default context: Vigil's code is run unchanged.

A command whose ack did not arrive (its replica died under it) is typed again, as a person would, once the
database shows it did not take effect. After the load the faults stop, the outbox drains, and the bench checks what
Slack, Jira and the database hold: one channel, one pinned card showing the current severity and status and at
most one announcement per incident; each posted timeline entry in its channel once; each note once and in the order
sent; one Jira issue per action; for each SEV1 incident one page in Vigil and one PagerDuty incident (none for
an incident whose resolution overtook its trigger), resolved there by exactly one resolve event, and no page for
the others; an empty outbox (an acknowledgement deadline not yet due is not waiting); no nudge sent twice. It
prints the figures and exits 1 on any duplicate or loss.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import httpx
from aiohttp import web
from sqlalchemy import ColumnElement, func, or_, select

from emulators.jira.server import JiraEmulator
from emulators.pagerduty import Incident as PagerDutyIncident
from emulators.pagerduty import PagerDutyEmulator, tls
from emulators.slack import SlackEmulator
from emulators.slack.errors import AckTimeoutError
from incidents.apikeys import service as apikeys
from incidents.context import Domain
from incidents.enums import Severity, Status, TimelineKind
from incidents.models import Action, Incident, TimelineEntry
from incidents.outbox import DONE, FAILED, PENDING, OutboxMessage, Topic
from incidents.paging.config import DEFAULT_SERVICE
from incidents.paging.models import Page, PageState
from incidents.paging.service import dedup_key
from incidents.scheduling.models import Nudge
from incidents.settings import Settings
from tests.dbs import fresh_database

VIGIL = Path(sys.executable).with_name("vigil")
JIRA_PROJECT = "SAFE"
POSTED = {"severity", "status", "role", "action"}
"""Timeline kinds the scenario records that Vigil posts to the incident channel (bot/blocks/messages.py)."""


@dataclass(frozen=True)
class Chaos:
    """What the run does; the defaults are the CI-sized run."""

    incidents: int = 12
    concurrency: int = 6
    seed: int = 1
    kill_every: float = 30.0
    sigterm_every: int = 4
    slack_failure_rate: float = 0.10
    slack_lost_rate: float = 0.01
    jira_failure_rate: float = 0.10
    jira_outage_at: float = 10.0
    jira_outage_seconds: float = 60.0
    sev1_every: int = 3
    """Every this-many-th incident is declared SEV1 (paged at declare); 0: none."""
    pagerduty_failure_rate: float = 0.10
    pagerduty_lost_rate: float = 0.01
    pagerduty_outage_at: float = 40.0
    pagerduty_outage_seconds: float = 60.0
    page_wait_seconds: float = 240.0
    """How long a SEV1 incident that waits for its page waits before it is resolved anyway."""
    drain_seconds: float = 180.0
    rate_window_s: float = 60.0
    """Slack's rate-limit window: its minute, or shorter to fit a short run (the tiers keep their proportions)."""
    socket_mode: bool = False
    """Replicas on Socket Mode (one connection each) instead of HTTP behind the front."""


# the round-robin front ------------------------------------------------------------------------------------------


class Front:
    """A load balancer in a thread: each request goes to the next replica; one that refuses the connection (dead,
    or restarting) is skipped; one that drops a request under way answers 502, as a real balancer would."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self._turn = itertools.count()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="front", daemon=True)
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    def __enter__(self) -> Front:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._open(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _open(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app = web.Application(client_max_size=2**20)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        for _ in self.ports:
            port = self.ports[next(self._turn) % len(self.ports)]
            try:
                async with self._session.request(
                    request.method, f"http://127.0.0.1:{port}{request.path_qs}", data=body, headers=headers
                ) as answer:
                    payload = await answer.read()
                    kept = {k: v for k, v in answer.headers.items() if k.lower() in ("content-type", "retry-after")}
                    return web.Response(status=answer.status, body=payload, headers=kept)
            except aiohttp.ClientConnectorError:
                continue
            except (aiohttp.ClientError, TimeoutError):
                return web.Response(status=502, text="the replica dropped the request")
        return web.Response(status=503, text="no replica answers")


# replicas --------------------------------------------------------------------------------------------------------


class Replica:
    """One ``vigil serve`` process, restartable on the same port: ``--http`` on it, or (``connected`` given) Socket
    Mode with its operator endpoints (``/readyz``) on it, ready once ``connected()`` says its connection is open."""

    def __init__(self, port: int, env: dict[str, str], log: Path, connected: Callable[[], bool] | None = None) -> None:
        self.port, self.env, self.log, self.connected = port, env, log, connected
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        argv = [str(VIGIL), "serve", "--host", "127.0.0.1"]
        env = dict(self.env)
        if self.connected is None:
            argv += ["--http", "--port", str(self.port)]
        else:
            env["VIGIL_METRICS_PORT"] = str(self.port)
        with self.log.open("a") as errors:
            self.process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=errors)

    def ready(self) -> bool:
        try:
            answers = httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False
        return answers and (self.connected is None or self.connected())

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready():
            if self.process is not None and self.process.poll() is not None:
                self.start()  # it died starting (Slack failed auth.test, say): start it again
            if time.monotonic() > deadline:
                raise RuntimeError(f"replica on port {self.port} did not become ready; see {self.log}")
            time.sleep(0.2)

    def stop(self, sig: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Killer:
    """Every ``every`` seconds one replica (in turn) gets SIGKILL (every ``sigterm_every``-th time SIGTERM) and
    is started again."""

    replicas: list[Replica]
    every: float
    sigterm_every: int
    kills: Counter[str] = field(default_factory=Counter)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        for n in itertools.count():
            if self._stop.wait(self.every):
                return
            replica = self.replicas[n % len(self.replicas)]
            sig = signal.SIGTERM if n % self.sigterm_every == self.sigterm_every - 1 else signal.SIGKILL
            replica.stop(sig)
            self.kills[sig.name] += 1
            replica.start()
            replica.wait_ready()

    def stop(self) -> None:
        self._stop.set()


# the scenario ----------------------------------------------------------------------------------------------------


@dataclass
class Sent:
    """What the scenario asked of one incident, to check against what Slack, Jira and the database hold."""

    title: str
    severity: Severity = Severity.SEV3
    notes: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    lost: str | None = None


@dataclass
class Run:
    emu: SlackEmulator
    domain: Domain
    front: Front | None
    """Where the intake API is served (None in Socket Mode: every incident is declared from Slack)."""
    token: str
    users: list[str]
    general: str
    sev1_every: int = 0
    page_wait_seconds: float = 240.0
    retyped: Counter[str] = field(default_factory=Counter)
    page_waits: list[float] = field(default_factory=list)

    def channel_of(self, title: str) -> str | None:
        with self.domain.unit() as ctx:
            return ctx.session.scalars(select(Incident.slack_channel_id).where(Incident.title == title)).first()

    def holds(self, title: str, check: Callable[[Incident], bool]) -> bool:
        with self.domain.unit() as ctx:
            found = ctx.session.scalars(select(Incident).where(Incident.title == title)).first()
            return found is not None and check(found)

    def command(self, user: str, channel: str, text: str) -> bool:
        """Type a slash command; whether Slack got an ack."""
        try:
            return self.emu.slash_command(user, channel, text).status == 200
        except AckTimeoutError:
            return False

    def until(self, done: Callable[[], bool], seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not done():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def ensure(self, what: str, send: Callable[[], bool], done: Callable[[], bool]) -> bool:
        """Send until it took effect, as a person retypes a command that failed (and only then: typing it again
        while the first may still land would be a duplicate of the person's own making)."""
        for attempt in range(6):
            acked = send()
            if self.until(done, 5 if acked else 15):
                return True
            self.retyped[what] += 1
            time.sleep(attempt)
        return False

    def declare_by_api(self, n: int, title: str, severity: Severity) -> bool:
        assert self.front is not None
        body = {"title": title, "types": ["other"], "severity": severity.value}
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": f"chaos-{n}"}
        try:
            answer = httpx.post(f"{self.front.url}/api/v1/incidents", json=body, headers=headers, timeout=30)
        except httpx.TransportError:
            return False
        return answer.status_code in (200, 201)

    def entries(self, title: str, kind: TimelineKind) -> list[str]:
        with self.domain.unit() as ctx:
            query = (
                select(TimelineEntry.text)
                .join(Incident)
                .where(Incident.title == title, TimelineEntry.kind == kind)
                .order_by(TimelineEntry.at, TimelineEntry.seq)
            )
            return list(ctx.session.scalars(query))

    def play(self, n: int) -> Sent:
        """One incident's life, from declare to resolve."""
        sev1 = bool(self.sev1_every) and n % self.sev1_every == 0
        sent = Sent(title=f"Chaos incident {n:04d}", severity=Severity.SEV1 if sev1 else Severity.SEV3)
        lead, helper = self.users[n % len(self.users)], self.users[(n + 1) % len(self.users)]

        def about(check: Callable[[Incident], bool]) -> Callable[[], bool]:
            return lambda: self.holds(sent.title, check)

        if n % 2 and self.front is not None:
            declared = self.ensure(
                "declare", lambda: self.declare_by_api(n, sent.title, sent.severity), about(lambda i: True)
            )
        else:
            text = f"declare {sent.severity.value} {sent.title}"
            declared = self.ensure("declare", lambda: self.command(lead, self.general, text), about(lambda i: True))
        provisioned = declared and self.until(lambda: self.channel_of(sent.title) is not None, 180)
        channel = self.channel_of(sent.title) if provisioned else None
        if channel is None:
            sent.lost = "channel" if declared else "declare"
            return sent

        def note(text: str) -> None:
            sent.notes.append(text)
            self.ensure(
                "note",
                lambda: self.command(lead, channel, f"note {text}"),
                lambda: text in self.entries(sent.title, TimelineKind.NOTE),
            )

        steps: list[tuple[str, str, Callable[[], bool]]] = [
            ("role", f"role <@{helper}> scribe", about(lambda i: helper in i.current_holders("scribe"))),
            ("severity", "severity SEV2 chaos says so", about(lambda i: i.severity is Severity.SEV2)),
            ("status", "status investigating looking", about(lambda i: i.status is not Status.DECLARED)),
        ]
        note(f"first look {n:04d}")
        for what, text, done in steps:
            self.ensure(what, functools.partial(self.command, lead, channel, text), done)
            note(f"after {what} {n:04d}")
        title = f"Chaos action {n:04d}"
        sent.actions.append(title)
        self.ensure("action", lambda: self.command(lead, channel, f"action {title}"), lambda: self._has_action(title))
        if sev1 and n % (2 * self.sev1_every) == 0:  # half of them wait for the on-call to be woken
            waited = time.monotonic()
            self.until(lambda: self._page_sent(sent.title), self.page_wait_seconds)
            self.page_waits.append(time.monotonic() - waited)
        resolved = about(lambda i: i.status is Status.RESOLVED)
        self.ensure("resolve", lambda: self.command(lead, channel, "resolve chaos over"), resolved)
        return sent

    def _page_sent(self, title: str) -> bool:
        with self.domain.unit() as ctx:
            query = select(Page.sent_at).join(Page.incident).where(Incident.title == title)
            return any(at is not None for at in ctx.session.scalars(query))

    def _has_action(self, title: str) -> bool:
        with self.domain.unit() as ctx:
            return bool(ctx.session.scalar(select(func.count()).where(Action.title == title)))


# the checks ------------------------------------------------------------------------------------------------------


@dataclass
class Findings:
    """Duplicates and losses, each one line naming the incident and what is wrong."""

    duplicates: list[str] = field(default_factory=list)
    losses: list[str] = field(default_factory=list)

    def count(self, what: str, found: int, expected: int = 1, at_most: bool = False) -> None:
        if found > expected:
            self.duplicates.append(f"{what}: {found}")
        elif found < expected and not at_most:
            self.losses.append(f"{what}: {found}")


def _tag(message: Any) -> tuple[str, str] | None:
    payload = (message.metadata or {}).get("event_payload") or {}
    return (str(payload.get("ref")), str(payload.get("kind"))) if payload else None


def _card_shows(message: Any, incident: Incident) -> bool:
    fields = [f.get("text", "") for b in message.blocks or [] for f in b.get("fields") or []]
    severity = next((f for f in fields if f.startswith("*Severity*")), "")
    status = next((f for f in fields if f.startswith("*Status*")), "")
    return incident.severity.value in severity and status.endswith(incident.status.value)


@dataclass
class Paging:
    """What paging did over the run, from Vigil's pages and what the PagerDuty emulator holds."""

    sev1: int = 0
    pages: int = 0
    sent: int = 0
    overtaken: int = 0
    """SEV1 pages whose incident was resolved before the trigger went out: not sent, by design."""
    incidents: int = 0
    """PagerDuty incidents opened (one per de-duplication key, unless one was triggered again after its resolve)."""
    triggers: int = 0
    """Trigger events PagerDuty applied: a retried trigger whose first answer was lost adds one to its incident."""
    resolves: int = 0
    answers: Counter[str] = field(default_factory=Counter)
    """The Events API's answers by status ("lost": processed, answer dropped); refused connections are not seen."""
    waits: list[float] = field(default_factory=list)
    """How long each SEV1 incident that waited for its page waited, s."""

    def report(self) -> str:
        waited = f"{max(self.waits):.0f} s" if self.waits else "-"
        return (
            f"paging: {self.sev1} SEV1 incidents, {self.pages} pages in Vigil ({self.sent} sent, {self.overtaken} "
            f"overtaken by their resolution); PagerDuty: {self.incidents} incidents, {self.triggers} trigger and "
            f"{self.resolves} resolve events applied; Events API answers {dict(sorted(self.answers.items()))}; "
            f"longest wait for a page: {waited}"
        )


def check(
    run: Run, jira: JiraEmulator, pagerduty: PagerDutyEmulator, announce: str, sent: list[Sent], logs: list[Path]
) -> tuple[Findings, Paging]:
    """Compare what Slack, Jira, PagerDuty, the database and the replicas' logs hold with what the scenario sent."""
    findings, paging = Findings(), Paging(waits=list(run.page_waits))
    held = Held(
        channels=[c.name for c in run.emu.channels.values() if not c.is_im],
        announcements=Counter(_tag(m) for m in run.emu.messages(announce)),
        issues=Counter(issue.summary for issue in jira.issues.values()),
    )
    at_pagerduty: dict[str, list[PagerDutyIncident]] = {}
    for opened in pagerduty.incidents:
        at_pagerduty.setdefault(opened.dedup_key, []).append(opened)
    paging.incidents = sum(len(opened) for opened in at_pagerduty.values())
    paging.answers = Counter(str(r.status or "lost") for r in pagerduty.requests if r.path == "/v2/enqueue")
    with run.domain.unit() as ctx:
        for item in sent:
            found = list(ctx.session.scalars(select(Incident).where(Incident.title == item.title)))
            findings.count(f"incidents titled {item.title!r}", len(found))
            if item.lost is not None:
                findings.losses.append(f"{item.title}: no {item.lost}")
            if len(found) == 1:
                _check_incident(findings, run.emu, held, found[0], item)
                pages = list(ctx.session.scalars(select(Page).where(Page.incident_id == found[0].id)))
                key = dedup_key(found[0].ref, DEFAULT_SERVICE)
                _check_pages(findings, paging, found[0].ref, item, pages, at_pagerduty.pop(key, []))
        for key, stray in at_pagerduty.items():
            findings.duplicates.append(f"PagerDuty incidents for {key}, no chaos incident's: {len(stray)}")
        left = ctx.session.scalar(select(func.count()).where(OutboxMessage.state == PENDING, awaited())) or 0
        findings.count("outbox rows still pending after the drain", left, expected=0)
        for topic in ctx.session.scalars(select(OutboxMessage.topic).where(OutboxMessage.state == FAILED)):
            findings.losses.append(f"outbox row gave up: {topic}")
        nudges = Counter(
            (n.kind, n.subject, n.due_at) for n in ctx.session.scalars(select(Nudge)) if n.delivered_at is not None
        )
    for nudge, times in nudges.items():
        findings.count(f"nudge {nudge}", times)
    for tick, times in scheduler_runs(logs).items():
        findings.count(f"scheduled job {tick[0]} due {tick[1]} ran", times)
    return findings, paging


def _check_pages(
    findings: Findings, paging: Paging, ref: str, item: Sent, pages: list[Page], at_pagerduty: list[PagerDutyIncident]
) -> None:
    """A SEV1 incident: one page in Vigil, resolved; one PagerDuty incident for ``<REF>/default`` (none, or one,
    if the incident's resolution overtook the trigger), resolved by one resolve event (PagerDuty drops a resolve for
    a key with no open incident, so a second resolve is harmless and not seen; a trigger after the resolve would
    open a second incident). Any other incident: no page anywhere."""
    paging.pages += len(pages)
    if item.severity is not Severity.SEV1:
        findings.count(f"{ref} ({item.severity.value}) pages", len(pages), expected=0)
        findings.count(f"{ref} ({item.severity.value}) PagerDuty incidents", len(at_pagerduty), expected=0)
        return
    paging.sev1 += 1
    findings.count(f"{ref} pages", len(pages))
    overtaken = any(p.sent_at is None for p in pages)
    paging.sent += sum(p.sent_at is not None for p in pages)
    paging.overtaken += overtaken
    for p in pages:
        if p.state is not PageState.RESOLVED:
            findings.losses.append(f"{ref} page {p.dedup_key} is {p.state.value} in Vigil after the resolve")
    key = dedup_key(ref, DEFAULT_SERVICE)
    findings.count(f"{ref} PagerDuty incidents for {key}", len(at_pagerduty), at_most=overtaken)
    for opened in at_pagerduty:
        triggers = sum(e.action == "trigger" for e in opened.events)
        resolves = sum(e.action == "resolve" for e in opened.events)
        paging.triggers += triggers
        paging.resolves += resolves
        findings.count(f"{ref} resolve events on PagerDuty incident #{opened.number} ({opened.status})", resolves)


@dataclass(frozen=True)
class Held:
    """What Slack and Jira hold across incidents: channel names, announcements by tag, Jira issues by summary."""

    channels: list[str]
    announcements: Counter[tuple[str, str] | None]
    issues: Counter[str]


def _check_incident(findings: Findings, emu: SlackEmulator, held: Held, incident: Incident, item: Sent) -> None:
    ref = incident.ref
    named = [c for c in held.channels if c == ref.lower() or c.startswith(ref.lower() + "-")]
    findings.count(f"{ref} channels", len(named))
    findings.count(f"{ref} announcements", held.announcements[(ref, "announcement")], at_most=True)
    for title in item.actions:  # Vigil's summary: "[ref] title"
        findings.count(f"{ref} Jira issues for {title!r}", held.issues[f"[{ref}] {title}"])
    timeline = sorted(incident.timeline, key=lambda e: (e.at, e.seq))
    notes = [e.text for e in timeline if e.kind is TimelineKind.NOTE]
    for text in item.notes:
        findings.count(f"{ref} note {text!r}", notes.count(text))
    if notes != item.notes and sorted(notes) == sorted(item.notes):
        findings.losses.append(f"{ref} notes out of order: {notes}")
    if incident.slack_channel_id is None:
        return
    messages = emu.messages(incident.slack_channel_id)
    tags = Counter(_tag(m) for m in messages)
    for entry in timeline:
        if entry.kind.value in POSTED:
            findings.count(f"{ref} posts of timeline entry {entry.id}", tags[(ref, f"timeline:{entry.id}")])
    cards = [m for m in messages if _tag(m) == (ref, "card")]
    findings.count(f"{ref} cards", len(cards))
    pinned = {p.ts for p in emu.pins(incident.slack_channel_id)}
    findings.count(f"{ref} pins", len(pinned))
    if cards and not any(c.ts in pinned and _card_shows(c, incident) for c in cards):
        findings.losses.append(f"{ref} pinned card does not show {incident.severity.value} · {incident.status.value}")


RUNNING_JOB = re.compile(r'Running job "(?P<job>[\w.]+) .*\(scheduled at (?P<due>[^)]+)\)')


def scheduler_runs(logs: list[Path]) -> Counter[tuple[str, str]]:
    """How often each scheduled job started for each due time, across every replica's log (APScheduler's lines)."""
    return Counter(
        (match["job"], match["due"])
        for log in logs
        if log.exists()
        for line in log.read_text(errors="replace").splitlines()
        if (match := RUNNING_JOB.search(line))
    )


def awaited() -> ColumnElement[bool]:
    """An outbox row something waits for: any but an acknowledgement deadline, queued for minutes ahead, until it
    is due."""
    return or_(OutboxMessage.topic != Topic.PAGE_ACK_DUE, OutboxMessage.available_at <= func.now())


def slowest_deliveries(domain: Domain, count: int = 3) -> list[str]:
    """The outbox rows that waited longest from being queued to being delivered: seconds, topic, attempts
    (acknowledgement deadlines, which wait on purpose, left out)."""
    with domain.unit() as ctx:
        waited = func.extract("epoch", OutboxMessage.finished_at - OutboxMessage.created_at)
        rows = ctx.session.execute(
            select(waited, OutboxMessage.topic, OutboxMessage.attempts)
            .where(
                OutboxMessage.state == DONE,
                OutboxMessage.finished_at.is_not(None),
                OutboxMessage.topic != Topic.PAGE_ACK_DUE,
            )
            .order_by(waited.desc())
            .limit(count)
        )
        return [f"{seconds:.0f} s {topic} ({tries} tries)" for seconds, topic, tries in rows]


def pending(domain: Domain) -> int:
    with domain.unit() as ctx:
        return ctx.session.scalar(select(func.count()).where(OutboxMessage.state == PENDING, awaited())) or 0


class OutboxWatch:
    """Samples the oldest pending outbox row's age once a second, for the run's worst figure."""

    def __init__(self, domain: Domain) -> None:
        self.domain, self.worst = domain, 0.0
        self._stop = threading.Event()

    def run(self) -> None:
        while not self._stop.wait(1):
            with self.domain.unit() as ctx:
                oldest = ctx.session.scalar(
                    select(func.min(OutboxMessage.created_at)).where(
                        OutboxMessage.state == PENDING, OutboxMessage.topic != Topic.PAGE_ACK_DUE
                    )
                )
            if oldest is not None:
                self.worst = max(self.worst, (datetime.now(UTC) - oldest).total_seconds())

    def stop(self) -> None:
        self._stop.set()


# wiring ----------------------------------------------------------------------------------------------------------


@contextmanager
def background(target: Callable[[], None], stop: Callable[[], None]) -> Iterator[None]:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop()
        thread.join(timeout=90)


class GoesDown(Protocol):
    def go_down(self) -> None: ...
    def come_up(self) -> None: ...


def outage(server: GoesDown, at: float, seconds: float, stopped: threading.Event) -> None:
    """``at`` seconds in, ``server`` refuses connections for ``seconds`` (less if the load ends first)."""
    if stopped.wait(at):
        return
    server.go_down()
    stopped.wait(seconds)
    server.come_up()


def free_ports(count: int) -> list[int]:
    import socket

    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@dataclass(frozen=True)
class Outcome:
    findings: Findings
    incidents: int
    minutes: float
    max_pending_age: float
    slowest: list[str]
    drained_in: float
    kills: Counter[str]
    retyped: Counter[str]
    transport: str
    failed_requests: int
    """Requests Slack saw fail (no ack within 3 s, or an error answer from the front): the person was shown an
    error (an event would be sent again)."""
    paging: Paging

    def report(self) -> str:
        f = self.findings
        lines = [
            f"{self.transport}: {self.incidents} incidents in {self.minutes:.1f} min: "
            f"{self.incidents / self.minutes:.1f} incidents/min",
            f"kills: {dict(self.kills)}; requests Slack saw fail: {self.failed_requests}; commands typed again after a "
            f"failed ack: {dict(self.retyped)}",
            f"outbox: oldest pending row seen {self.max_pending_age:.0f} s (max outbox age), drained "
            f"{self.drained_in:.0f} s after the load; slowest: {', '.join(self.slowest)}",
            self.paging.report(),
            f"duplicates: {len(f.duplicates)}  losses: {len(f.losses)}",
            *(f"  duplicate {line}" for line in f.duplicates[:20]),
            *(f"  lost {line}" for line in f.losses[:20]),
        ]
        return "\n".join(lines)


def run_chaos(chaos: Chaos, workdir: Path) -> Outcome:
    """The whole run on a fresh PostgreSQL database; returns what it found."""
    with (
        fresh_database("postgresql", workdir) as url,
        SlackEmulator(latency_ms=20, rate_limit_window_s=chaos.rate_window_s) as emu,
        JiraEmulator() as jira,
        PagerDutyEmulator() as pagerduty,
    ):
        jira.add_project(key=JIRA_PROJECT, name="Safety", issue_types=["Task", "Bug"])
        on_call = pagerduty.add_escalation_policy("Trust & Safety")
        pagerduty.set_on_call(on_call, [pagerduty.add_user("Sam Lee", "sam.lee@example.org")])
        paged = pagerduty.add_service("Trust & Safety on-call", escalation_policy=on_call)
        ca_file = workdir / "pagerduty-ca.pem"  # the replicas' only CA: nothing else they reach speaks TLS
        ca_file.write_text(tls.ca_pem())
        users = [emu.add_user(name) for name in ("alice", "bob", "carol", "dan")]
        general = emu.add_channel("general", members=users)
        announce = emu.add_channel("incidents", members=users)
        domain = Domain.from_settings(Settings(database_url=url))
        with domain.unit() as ctx:
            _key, token = apikeys.create_key(
                ctx, actor="chaos", name="chaos", scopes=[apikeys.WRITE], rate_per_minute=1_000_000
            )
        env = {
            **os.environ,
            "VIGIL_DATABASE_URL": url,
            "SLACK_BOT_TOKEN": emu.bot_token,
            "SLACK_APP_TOKEN": emu.app_token,
            "SLACK_SIGNING_SECRET": emu.signing_secret,
            "SLACK_API_URL": emu.web_api_url,
            "VIGIL_ANNOUNCE_CHANNEL": announce,
            "JIRA_URL": jira.url,
            "JIRA_EMAIL": jira.email,
            "JIRA_API_TOKEN": jira.api_token,
            "VIGIL_JIRA_PROJECT": JIRA_PROJECT,
            "VIGIL_JIRA_RECONCILE_SECONDS": "30",
            "VIGIL_PAGERDUTY_EVENTS_URL": f"{pagerduty.url}/v2/enqueue",
            "VIGIL_PAGERDUTY_ROUTING_KEY": paged.integration_key,
            "SSL_CERT_FILE": str(ca_file),
        }
        ports = free_ports(2)
        connected = (lambda: emu.socket_connections >= len(ports)) if chaos.socket_mode else None
        replicas = [Replica(port, env, workdir / f"replica-{port}.log", connected) for port in ports]
        for replica in replicas:
            replica.start()
        try:
            for replica in replicas:
                replica.wait_ready()
            with front_for(chaos, ports) as front:
                if front is not None:
                    emu.http_target = f"{front.url}/slack/events"
                run = Run(emu, domain, front, token, users, general, chaos.sev1_every, chaos.page_wait_seconds)
                outcome = _load_and_check(chaos, run, replicas, jira, pagerduty, announce)
        finally:
            for replica in replicas:
                if replica.process is not None and replica.process.poll() is None:
                    replica.stop(signal.SIGTERM)
            domain.engine.dispose()
    return outcome


def front_for(chaos: Chaos, ports: list[int]) -> AbstractContextManager[Front | None]:
    """The round-robin front in HTTP mode; none in Socket Mode, where each replica connects to Slack itself."""
    return nullcontext() if chaos.socket_mode else Front(ports)


def _load_and_check(
    chaos: Chaos, run: Run, replicas: list[Replica], jira: JiraEmulator, pagerduty: PagerDutyEmulator, announce: str
) -> Outcome:
    run.emu.fail_randomly(chaos.slack_failure_rate, chaos.slack_lost_rate, seed=chaos.seed)
    jira.faults.fail_randomly(chaos.jira_failure_rate, seed=chaos.seed)
    pagerduty.fail_randomly(
        chaos.pagerduty_failure_rate, chaos.pagerduty_lost_rate, seed=chaos.seed, route="/v2/enqueue"
    )
    killer = Killer(replicas, chaos.kill_every, chaos.sigterm_every)
    watch = OutboxWatch(run.domain)
    outages_over = threading.Event()
    started = time.monotonic()
    with (
        background(watch.run, watch.stop),
        background(
            lambda: outage(jira, chaos.jira_outage_at, chaos.jira_outage_seconds, outages_over), outages_over.set
        ),
        background(
            lambda: outage(pagerduty, chaos.pagerduty_outage_at, chaos.pagerduty_outage_seconds, outages_over),
            outages_over.set,
        ),
    ):
        with background(killer.run, killer.stop), ThreadPoolExecutor(chaos.concurrency) as pool:
            sent = list(pool.map(run.play, range(chaos.incidents)))
        minutes = (time.monotonic() - started) / 60
        outages_over.set()
        run.emu.fail_randomly(0, 0)
        jira.faults.fail_randomly(0)
        pagerduty.fail_randomly(0)
        for replica in replicas:
            replica.wait_ready()
        load_over = time.monotonic()
        run.until(lambda: pending(run.domain) == 0, chaos.drain_seconds)
        drained_in = time.monotonic() - load_over
    findings, paging = check(run, jira, pagerduty, announce, sent, [r.log for r in replicas])
    return Outcome(
        findings,
        chaos.incidents,
        minutes,
        watch.worst,
        slowest_deliveries(run.domain),
        drained_in,
        killer.kills,
        run.retyped,
        "Socket Mode, 2 connections" if chaos.socket_mode else "HTTP, 2 replicas behind a round-robin front",
        sum(ack.timed_out or ack.status not in (None, 200) for ack in run.emu.acks),
        paging,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = Chaos()
    parser.add_argument("--incidents", type=int, default=defaults.incidents)
    parser.add_argument("--concurrency", type=int, default=defaults.concurrency)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--kill-every", type=float, default=defaults.kill_every)
    parser.add_argument("--jira-outage-at", type=float, default=defaults.jira_outage_at)
    parser.add_argument("--jira-outage-seconds", type=float, default=defaults.jira_outage_seconds)
    parser.add_argument("--sev1-every", type=int, default=defaults.sev1_every, help="every n-th incident is SEV1")
    parser.add_argument("--pagerduty-outage-at", type=float, default=defaults.pagerduty_outage_at)
    parser.add_argument("--pagerduty-outage-seconds", type=float, default=defaults.pagerduty_outage_seconds)
    parser.add_argument("--drain-seconds", type=float, default=defaults.drain_seconds)
    parser.add_argument("--rate-window", type=float, default=defaults.rate_window_s, help="Slack's rate window, s")
    parser.add_argument("--socket-mode", action="store_true", help="replicas on Socket Mode instead of HTTP")
    parser.add_argument("--logs", type=Path, help="keep the replicas' logs in this folder")
    args = parser.parse_args()
    chaos = Chaos(
        incidents=args.incidents,
        concurrency=args.concurrency,
        seed=args.seed,
        kill_every=args.kill_every,
        jira_outage_at=args.jira_outage_at,
        jira_outage_seconds=args.jira_outage_seconds,
        sev1_every=args.sev1_every,
        pagerduty_outage_at=args.pagerduty_outage_at,
        pagerduty_outage_seconds=args.pagerduty_outage_seconds,
        drain_seconds=args.drain_seconds,
        rate_window_s=args.rate_window,
        socket_mode=args.socket_mode,
    )
    if args.logs is not None:
        args.logs.mkdir(parents=True, exist_ok=True)
        outcome = run_chaos(chaos, args.logs)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            outcome = run_chaos(chaos, Path(tmp))
    print(outcome.report())
    sys.exit(1 if outcome.findings.duplicates or outcome.findings.losses else 0)


if __name__ == "__main__":
    main()
