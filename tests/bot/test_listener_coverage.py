"""Nothing Vigil sends is a dead end: every element of its messages, modals, home tab and card that makes Slack send
a block action is answered by a listener, every action listener answers something Vigil sends, and every outbox
topic has a handler once the bot is wired.

The surfaces are built by the real builders from a realistic incident, shown in the emulated Slack (posted,
opened, published) and clicked there; the bot runs in HTTP mode, where bolt answers a click nobody listens to with
404 (over Socket Mode it would leave it unacknowledged, and the person would see an error). Slack sends a block
action for the elements of ``actions`` blocks, a ``section``'s accessory and the element of an ``input`` block
with ``dispatch_action``; other inputs are read from the view's state on submission, so they need no listener.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any, Literal

import pytest
from slack_bolt import App

from bot import review_blocks
from bot.app import build_app
from bot.blocks import card, messages, modals, tasks, triage
from bot.nudges import RENDER
from emulators.jira.testing import running
from emulators.slack import Ack, SlackEmulator
from incidents import actions, lifecycle, roles, timeline
from incidents.context import Ctx, Domain
from incidents.enums import Severity, Status
from incidents.left_open import left_open
from incidents.outbox import Topic
from incidents.queries import incident_to_show
from incidents.reviews import (
    Audience,
    ReviewFields,
    gate_findings,
    get_or_start_review,
    mark_not_personal,
    review_document,
    submit_for_review,
    update_review,
)
from incidents.scheduling.config import SchedulingSettings
from incidents.scheduling.models import Nudge, NudgeKind
from incidents.settings import Settings
from incidents.signals.models import GroupState
from incidents.signals.queries import GroupView
from incidents.tasks.service import list_tasks
from tests.bot.conftest import BotUnderTest, People, bot_settings, start_runtime
from tests.helpers import outbox_topics

Surface = Literal["message", "modal", "home"]
BUILDER_MODULES: tuple[ModuleType, ...] = (card, messages, modals, review_blocks, tasks, triage)
"""Modules whose public functions build what Slack shows (``bot/nudges.py`` renders through ``RENDER``)."""
BUILT_TYPES = {"Rendered", "Block", "SummaryMessage", "dict[str, Any]"}


@dataclass(frozen=True)
class Shown:
    """One thing Vigil shows in Slack, as its builder made it."""

    name: str
    surface: Surface
    payload: dict[str, Any]
    """``text`` and ``blocks`` of a message, or a view."""


def interactive_action_ids(node: Any) -> set[str]:
    """The action ids of elements Slack sends a block action for, anywhere in ``node`` (a message, a view, a block
    list), walking nested structures."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= interactive_action_ids(item)
    elif isinstance(node, dict):
        kind = node.get("type")
        if kind == "actions":
            found |= {e["action_id"] for e in node.get("elements", []) if "action_id" in e}
        elif kind == "section" and "action_id" in node.get("accessory", {}):
            found.add(node["accessory"]["action_id"])
        elif kind == "input" and node.get("dispatch_action"):
            found.add(node["element"]["action_id"])
        for value in node.values():
            if isinstance(value, dict | list):
                found |= interactive_action_ids(value)
    return found


class Builders:
    """Calls builders, remembering which ones ran (so a new builder left out of :func:`everything_vigil_shows`
    fails :func:`test_every_builder_is_walked`)."""

    def __init__(self) -> None:
        self.called: set[str] = set()
        self.shown: list[Shown] = []

    def show(self, surface: Surface, builder: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.called.add(f"{builder.__module__}.{builder.__name__}")
        built = builder(*args, **kwargs)
        payload = built.as_kwargs() if isinstance(built, card.Rendered) else dict(built)
        self.shown.append(Shown(f"{builder.__name__}#{len(self.shown)}", surface, payload))


@dataclass(frozen=True)
class Scene:
    """The incidents the surfaces are built from: one open (a hand-off pending, an action, updates) and one resolved
    with its review started."""

    open_ref: str
    resolved_ref: str


def set_the_scene(domain: Domain, people: People, declared: Callable[[], None] = lambda: None) -> Scene:
    """``declared`` runs once both incidents exist, before anything happens in them (the bot under test lets
    their channels be created first, as they would be in Slack)."""
    alice, bob, carol = people.alice, people.bob, people.carol
    with domain.unit() as ctx:
        open_ref = lifecycle.declare(
            ctx,
            actor=alice,
            title="Coordinated harassment of a creator",
            types=["hate_harassment", "threat_violence"],
            severity=Severity.SEV2,
            region="EMEA",
            roles={"deputy": carol},
        ).ref
        resolved_ref = lifecycle.declare(
            ctx, actor=alice, title="Scam links in listings", types=["fraud_scam"], severity=Severity.SEV3
        ).ref
    declared()
    with domain.unit() as ctx:
        timeline.post_update(ctx, open_ref, actor=alice, summary="Accounts found", status=Status.INVESTIGATING)
        due = ctx.now().date() + timedelta(days=7)
        actions.add_action(ctx, open_ref, actor=alice, title="Rate-limit new replies", owner=bob, due_date=due)
        roles.handoff(ctx, open_ref, actor=alice, to=bob)
    with domain.unit() as ctx:
        lifecycle.resolve(ctx, resolved_ref, actor=alice)
    written = ReviewFields(
        executive_summary="Links removed within the hour.",
        went_poorly="Dana Whitfield (+44 7700 900123) was paged late.",
    )
    with domain.unit() as ctx:
        update_review(ctx, resolved_ref, written, actor=alice)
    return Scene(open_ref, resolved_ref)


def everything_vigil_shows(ctx: Ctx, scene: Scene, people: People, settings: Settings) -> Builders:
    b = Builders()
    now = ctx.now()
    incident = incident_to_show(ctx, scene.open_ref)
    channel = incident.slack_channel_id
    b.show("message", card.card, incident, ctx.policy, now)
    b.show("message", card.announcement, incident, channel)
    for entry in incident.timeline:
        if entry.kind in messages.POSTED_KINDS:
            b.show("message", messages.timeline_post, entry)
    [request] = incident.handoffs
    b.show("message", messages.handoff_prompt, request, incident)
    b.show("message", messages.sync_failed, incident.actions[0], incident.commander, "Jira refused the project")
    b.show("message", messages.handoff_settled, "You are now the commander.")
    b.show("message", messages.help_message, scene.open_ref)
    b.show("home", messages.home, [incident], ctx.policy, now)
    origin = modals.Origin(channel=channel, ref=scene.open_ref, source_url="https://example.slack.com/archives/C1/p1")
    b.show("modal", modals.declare_modal, ctx.policy, origin, title="Spam wave", summary="Seen in the EU")
    b.show("modal", modals.update_modal, incident, ctx.policy, origin)
    b.show("modal", modals.party_modal, incident, origin)
    b.show("modal", modals.referral_modal, incident, ctx.policy, origin)
    b.show("modal", modals.resolve_modal, scene.open_ref, left_open(incident, ctx.policy, now), "Fixed", origin)
    b.show("modal", modals.done_modal, "Declared", "INC-2026-0001 is declared.")
    steps = list_tasks(ctx, scene.open_ref)[1]
    b.show("message", tasks.task_list, scene.open_ref, steps, now)
    b.show("modal", tasks.skip_modal, steps[0])
    waiting = _group(GroupState.WAITING, now)
    b.show("message", triage.triage_post, waiting)
    b.show("message", triage.triage_post, _group(GroupState.ATTACHED, now))
    b.show("modal", triage.attach_modal, waiting)
    b.show("modal", triage.dismiss_modal, waiting)

    ref, alice = scene.resolved_ref, people.alice
    review = get_or_start_review(ctx, ref, actor=alice)
    document = review_document(ctx, ref, actor=alice, audience=Audience.TEAM)
    b.show("message", review_blocks.review_summary, document, file_name="review.html")
    b.show("modal", review_blocks.review_form, ref, review)
    findings = gate_findings(ctx, review)
    b.show("modal", review_blocks.review_form, ref, review, findings=findings)
    b.show("modal", review_blocks.review_preview, document, notice="Saved.")
    mark_not_personal(ctx, ref, [f.text for f in findings], actor=alice)
    submit_for_review(ctx, ref, actor=alice)
    in_review = review_document(ctx, ref, actor=alice, audience=Audience.TEAM)
    b.show("modal", review_blocks.review_preview, in_review, cleared=True)
    b.show("modal", review_blocks.review_preview, in_review, cleared=False)

    for kind, render in RENDER.items():
        details = DETAILS[kind]
        if kind in (NudgeKind.CLOCK_REMINDER, NudgeKind.CLOCK_OVERDUE):  # the scheduler names the clock
            details = {**details, "clock_id": incident.clocks[0].id}  # a DSA clock: its reminders draft its filing
        nudge = Nudge(kind=kind.value, subject="test", recipients=[people.alice, people.bob], details=details)
        post = render(nudge, incident, ctx.policy, settings)
        b.shown.append(Shown(f"nudge.{kind.value}", "message", {"text": post.text, "blocks": post.blocks}))
    return b


def _group(state: GroupState, now: datetime) -> GroupView:
    """A signal group as the triage channel shows it (no group with this id exists: clicks on it are refused)."""
    decided = state is not GroupState.WAITING
    return GroupView(
        id=999_999,
        state=state,
        type="hate_harassment",
        type_label="Hate or harassment",
        region="EMEA",
        count=3,
        sources={"hotline": 2, "in_app": 1},
        first_at=now - timedelta(minutes=2),
        last_at=now,
        incident_ref="INC-2026-0001" if decided else None,
        declared=decided,
        decided_by="U0ALICE" if decided else None,
        reason=None,
    )


_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC).isoformat()
DETAILS: dict[NudgeKind, dict[str, Any]] = {
    NudgeKind.UPDATE_DUE: {"due_at": _AT, "severity": "SEV2"},
    NudgeKind.CLOCK_REMINDER: {"name": "DSA notice", "due_at": _AT},
    NudgeKind.CLOCK_OVERDUE: {"name": "DSA notice", "due_at": _AT},
    NudgeKind.ACTION_DUE_SOON: {"title": "Rate-limit new replies", "due_date": "2026-03-09"},
    NudgeKind.ACTION_OVERDUE: {"title": "Rate-limit new replies", "due_date": "2026-03-01"},
    NudgeKind.TASK_DUE_SOON: {"task_id": 1, "text": "Check the removal request", "due_at": _AT, "role": "legal"},
    NudgeKind.TASK_OVERDUE: {"task_id": 1, "text": "Check the removal request", "due_at": _AT, "role": "legal"},
    NudgeKind.REFERRAL_OVERDUE: {"referral_id": 1, "kind": "support", "status": "accepted", "due_date": "2026-03-01"},
    NudgeKind.REVIEW_DUE: {"review": "in_review"},
    NudgeKind.HANDOFF_BOUNDARY: {"region": "AMER", "at": "15:00"},
    NudgeKind.HANDOFF_ESCALATION: {"to": "U0BOB", "has_deputy": True},
    NudgeKind.ROTATE: {"hours": 12},
    NudgeKind.CHECKIN: {},
    NudgeKind.ACTIONS_DIGEST: {
        "total": 2,
        "restricted": 1,
        "actions": [{"ref": "INC-2026-0001", "title": "Rate-limit", "owner": "U0BOB", "due_date": "2026-03-01"}],
    },
    NudgeKind.LEADERSHIP_DIGEST: {
        "median_minutes_to_mitigate": 95,
        "mitigated": 3,
        "declared": 4,
        "restricted": 1,
        "by_severity": {"SEV2": 3, "SEV3": 1},
        "by_type": {"hate_harassment": 2, "fraud_scam": 2},
        "by_region": {"EMEA": 4},
        "clocks_met": 2,
        "clocks_missed": 0,
        "clocks_overdue": 1,
        "actions_overdue": 2,
        "open_by_severity": {"SEV2": 1},
        "start": _AT,
        "end": _AT,
        "notable": [{"ref": "INC-2026-0001", "title": "Harassment", "severity": "SEV1", "status": "resolved"}],
    },
}
"""What each nudge's ``details`` hold when the scheduler records it."""


@pytest.fixture
def shown(http_bot: BotUnderTest) -> list[Shown]:
    settings = http_bot.settings.model_copy(
        update={"scheduling": SchedulingSettings(wellbeing_url="https://support.example/eap")}
    )
    scene = set_the_scene(http_bot.domain, http_bot.people, declared=http_bot.settle)
    http_bot.settle()
    with http_bot.domain.unit() as ctx:
        return everything_vigil_shows(ctx, scene, http_bot.people, settings).shown


def registered_action_ids(monkeypatch: pytest.MonkeyPatch, settings: Settings, domain: Domain) -> list[object]:
    """What the bot's listeners were registered for with ``app.action(...)``, as ``bot.app.build_app`` wires them."""
    registered: list[object] = []
    original = App.action

    def recording(self: App, constraints: object, *args: Any, **kwargs: Any) -> Any:
        registered.append(constraints)
        return original(self, constraints, *args, **kwargs)

    monkeypatch.setattr(App, "action", recording)
    build_app(settings, domain)
    return registered


def test_every_builder_is_walked(domain: Domain) -> None:
    people = People("U0ALICE", "U0BOB", "U0CAROL", "C0GENERAL", "C0INCIDENTS")
    scene = set_the_scene(domain, people)
    with domain.unit() as ctx:
        called = everything_vigil_shows(ctx, scene, people, Settings()).called
    builders = {
        f"{module.__name__}.{name}"
        for module in BUILDER_MODULES
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if fn.__module__ == module.__name__ and not name.startswith("_") and fn.__annotations__["return"] in BUILT_TYPES
    }
    assert builders - called == set()
    assert set(RENDER) == set(NudgeKind)


def test_every_element_vigil_sends_is_answered(http_bot: BotUnderTest, shown: list[Shown]) -> None:
    emu, alice = http_bot.emu, http_bot.people.alice
    clicked: dict[str, Ack] = {}
    emu.enforce_rate_limits = False  # a few dozen posts to one channel in a second; Slack's tiers are tested elsewhere
    for item in shown:
        source = _show_in_slack(http_bot, item)
        action_ids = sorted(interactive_action_ids(item.payload))
        for action_id in action_ids:
            clicked[f"{item.name}: {action_id}"] = emu.block_action(alice, source, action_id)
        if action_ids:
            _wait_until_quiet(emu)
    assert clicked, "no interactive elements found: the walk is broken"
    unanswered = {name: ack.status for name, ack in clicked.items() if ack.timed_out or ack.status != 200}
    assert unanswered == {}


def test_every_action_listener_answers_something_vigil_sends(
    http_bot: BotUnderTest, shown: list[Shown], monkeypatch: pytest.MonkeyPatch
) -> None:
    registered = registered_action_ids(monkeypatch, http_bot.settings, http_bot.domain)
    assert all(isinstance(c, str) for c in registered), f"match by plain action_id only: {registered}"
    sent = set().union(*(interactive_action_ids(item.payload) for item in shown))
    assert set(map(str, registered)) == sent


def test_the_walk_follows_slacks_rules() -> None:
    button = {"type": "button", "action_id": "b", "text": {"type": "plain_text", "text": "B"}}
    blocks = [
        {"type": "actions", "elements": [button, {"type": "static_select", "action_id": "s", "options": []}]},
        {"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "accessory": {**button, "action_id": "a"}},
        {"type": "input", "element": {"type": "plain_text_input", "action_id": "read-on-submit"}},
        {"type": "input", "dispatch_action": True, "element": {"type": "plain_text_input", "action_id": "d"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "no actions here"}]},
    ]
    assert interactive_action_ids({"type": "modal", "blocks": blocks}) == {"b", "s", "a", "d"}


@pytest.fixture
def jira_settings(http_bot: BotUnderTest) -> Iterator[Settings]:
    with running("Cloud") as jira:
        yield bot_settings(
            http_bot.emu,
            str(http_bot.settings.database_url),
            http_bot.people.announce,
            jira_url=jira.url,
            jira_email=jira.email,
            jira_api_token=jira.api_token,
            jira_project="SAFE",
        )


def test_every_outbox_topic_has_a_handler_once_the_bot_is_wired(
    http_bot: BotUnderTest, jira_settings: Settings
) -> None:
    wired = start_runtime(jira_settings, http_bot.domain, dispatcher=False)
    try:
        assert wired.dispatcher.unhandled == frozenset()
    finally:
        wired.stop()
    assert http_bot.runtime.dispatcher.unhandled == {Topic.ACTION_CHANGED}, "without Jira only its sync is unwired"


def test_without_jira_no_action_is_queued_for_it(http_bot: BotUnderTest) -> None:
    ref, channel = http_bot.declare()
    http_bot.reply(http_bot.command("action Block the scam domain", channel=channel.id))
    with http_bot.domain.unit() as ctx:
        assert [a.title for a in incident_to_show(ctx, ref).actions] == ["Block the scam domain"]
    assert Topic.ACTION_CHANGED not in outbox_topics(http_bot.domain)


def _show_in_slack(bot: BotUnderTest, item: Shown) -> Any:
    """Post the message, open the modal or publish the home tab, as Vigil does; returns what to click in."""
    client, emu, alice = bot.runtime.client, bot.emu, bot.people.alice
    if item.surface == "message":
        posted = client.chat_postMessage(channel=bot.people.general, **item.payload)
        return next(m for m in emu.messages(bot.people.general) if m.ts == posted["ts"])
    if item.surface == "modal":
        return str(client.views_open(trigger_id=emu.issue_trigger_id(alice), view=item.payload)["view"]["id"])
    return str(client.views_publish(user_id=alice, view=item.payload)["view"]["id"])


def _wait_until_quiet(emu: SlackEmulator, quiet: float = 0.3, timeout: float = 10.0) -> None:
    """Let the listeners' work after the acks finish (their Slack calls stop) before showing the next thing."""
    deadline = time.monotonic() + timeout
    seen = len(emu.calls) + len(emu.responses)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = len(emu.calls) + len(emu.responses)
        if now == seen:
            return
        seen = now
    raise AssertionError("the bot kept calling Slack")
