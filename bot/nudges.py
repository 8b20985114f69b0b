"""Delivering the scheduler's nudges to Slack: reminders in the incident channel, private DMs, weekly digests.

``nudge_handlers(client, domain, settings)`` maps every ``nudge.*`` outbox topic to one handler. The handler
reads the nudge in a short unit, posts outside any transaction, then records where it went; a nudge already
recorded as delivered is skipped, and each post is tagged with the nudge (:func:`bot.ids.nudge_posting`) and
looked up by that tag on a redelivery, so neither the dispatcher's retries, nor an answer lost on the way back,
nor a crash between posting and recording posts it twice. If the incident channel is archived or gone, channel
reminders fall back to DMs to the people they mention. Restricted incidents are named by reference only in DMs,
and never unfurl; digests arrive already stripped of restricted detail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.filings import draft_button
from bot.blocks.text import (
    Block,
    Mrkdwn,
    context,
    header,
    join,
    link,
    md,
    mention,
    safe,
    section,
    when,
)
from bot.command_grammar import USAGE
from bot.delivery import PostOptions, Tag, direct_message_once, error_code, post_once, retry_window
from bot.ids import ActionId, nudge_posting
from incidents.context import Domain
from incidents.dispatcher import Handler, RetryLater
from incidents.links import incident_page, trends_page
from incidents.models import Incident
from incidents.outbox import OutboxMessage, Topic
from incidents.people import is_directory_id
from incidents.policy import Policy
from incidents.referrals.models import ReferralStatus
from incidents.referrals.service import kind_label
from incidents.scheduling.models import Nudge, NudgeKind
from incidents.scheduling.nudges import get_nudge, mark_delivered
from incidents.settings import Settings

CHANNEL_KINDS = frozenset(
    {
        NudgeKind.UPDATE_DUE,
        NudgeKind.CLOCK_REMINDER,
        NudgeKind.CLOCK_OVERDUE,
        NudgeKind.TASK_DUE_SOON,
        NudgeKind.TASK_OVERDUE,
        NudgeKind.REFERRAL_OVERDUE,
        NudgeKind.HANDOFF_BOUNDARY,
        NudgeKind.HANDOFF_ESCALATION,
    }
)
DIGEST_KINDS = frozenset({NudgeKind.ACTIONS_DIGEST, NudgeKind.LEADERSHIP_DIGEST})
GONE = frozenset({"is_archived", "channel_not_found", "not_in_channel"})
CHANNEL_WAIT_S = 30.0
"""A link button: Slack still sends a block action when it is clicked; the listener only acks it, storing nothing."""


@dataclass(frozen=True)
class Post:
    text: str
    blocks: list[Block]


@dataclass(frozen=True)
class Plan:
    """What to post where: ``tag`` marks the post (or each fallback DM) so a redelivery finds it, not repeats it."""

    nudge_id: int
    post: Post
    channel: str | None
    fallback: list[str]
    restricted: bool
    tag: Tag


def nudge_handlers(client: WebClient, domain: Domain, settings: Settings) -> dict[Topic, Handler]:
    deliver = NudgeDelivery(client, domain, settings)
    return {kind.topic: deliver for kind in NudgeKind}


class NudgeDelivery:
    def __init__(self, client: WebClient, domain: Domain, settings: Settings) -> None:
        self.client, self.domain, self.settings = client, domain, settings

    def __call__(self, message: OutboxMessage) -> None:
        plan = self._plan(int(message.payload["nudge_id"]))
        if plan is None:
            return
        channel, ts = self._post(plan, retry_window(message)) if plan.channel else (None, None)
        with self.domain.unit() as ctx:
            mark_delivered(ctx, plan.nudge_id, to=channel, ref=ts)

    def _plan(self, nudge_id: int) -> Plan | None:
        with self.domain.unit() as ctx:
            nudge = get_nudge(ctx, nudge_id)
            if nudge.delivered_at is not None:
                return None
            kind, incident = NudgeKind(nudge.kind), nudge.incident
            post = RENDER[kind](nudge, incident, ctx.policy, self.settings)
            restricted = incident is not None and incident.tier.is_restricted
            tag = Tag(incident.ref if incident is not None else None, nudge_posting(nudge.id))
            slack_people = [p for p in nudge.recipients if is_directory_id(p)]
            if kind in DIGEST_KINDS:
                return Plan(nudge.id, post, nudge.subject.removeprefix("channel:"), [], False, tag)
            if kind in CHANNEL_KINDS:
                assert incident is not None
                if incident.slack_channel_id is None:
                    raise RetryLater(f"{incident.ref} has no channel yet", after=CHANNEL_WAIT_S, counts=False)
                return Plan(nudge.id, post, incident.slack_channel_id, slack_people, restricted, tag)
            return Plan(nudge.id, post, slack_people[0] if slack_people else None, [], restricted, tag)

    def _post(self, plan: Plan, since: float | None) -> tuple[str | None, str | None]:
        """Where the nudge went and its ts; (None, None) when Slack could reach nobody it was for. ``since``: a
        redelivery's look-back (see :func:`bot.delivery.retry_window`)."""
        assert plan.channel is not None
        try:
            return self._send(plan.channel, plan, since)
        except SlackApiError as exc:
            if error_code(exc) not in GONE or not plan.fallback:
                raise
        sent = {person: self._send(person, plan, since)[1] for person in plan.fallback}
        reached = [person for person, ts in sent.items() if ts is not None]
        return ",".join(reached)[:64] or None, sent[reached[-1]] if reached else None

    def _send(self, target: str, plan: Plan, since: float | None) -> tuple[str | None, str | None]:
        """Post to a channel, or to a person's DM, once per tag: one Slack cannot reach is given up, as
        (None, None)."""
        message = {"text": safe(plan.post.text), "blocks": plan.post.blocks, **PostOptions(plan.restricted).kwargs()}
        if is_directory_id(target):
            posted = direct_message_once(self.client, target, plan.tag, since=since, **message)
        else:
            posted = post_once(self.client, target, plan.tag, since=since, **message)
        return (posted.channel, posted.ts) if posted is not None else (None, None)


def _simple(text: str, *notes: str) -> Post:
    blocks = [section(text)]
    if notes:
        blocks.append(context(*notes))
    return Post(text, blocks)


def _who(nudge: Nudge) -> Mrkdwn:
    return join(" ", (mention(p) for p in nudge.recipients)) or Mrkdwn("Team")


def _named(incident: Incident | None) -> str:
    """How a DM names the incident: restricted ones only by reference."""
    assert incident is not None
    return incident.ref if incident.tier.is_restricted else f"{incident.ref} ({incident.title})"


def _at(value: Any) -> Mrkdwn:
    return when(datetime.fromisoformat(str(value)))


def _update_due(nudge: Nudge, incident: Incident | None, _p: Policy, _s: Settings) -> Post:
    due = nudge.details["due_at"]
    return _simple(
        md(":alarm_clock: {} a status update was due {}. Post one with `{}`.", _who(nudge), _at(due), USAGE["update"]),
        f"{nudge.details['severity']} incidents are updated on a fixed cadence; reminders repeat until one is posted.",
    )


def _clock(nudge: Nudge, incident: Incident | None, policy: Policy, _s: Settings) -> Post:
    """A clock's owners, in the incident channel; a clock with a filing packet gets a button that drafts it."""
    name, due = nudge.details["name"], _at(nudge.details["due_at"])
    if nudge.kind == NudgeKind.CLOCK_OVERDUE:
        text = md(
            ":rotating_light: {} the deadline for *{}* passed {} and it is not recorded as done.",
            _who(nudge),
            name,
            due,
        )
    else:
        text = md(":hourglass_flowing_sand: {} *{}* is due {}.", _who(nudge), name, due)
    post = _simple(text, f"Record it with `{USAGE['clock']}` once it is done.")
    clock = next((c for c in incident.clocks if c.id == nudge.details.get("clock_id")), None) if incident else None
    regime = policy.clocks.get(clock.regime) if clock is not None else None
    if clock is None or regime is None or regime.filing is None:
        return post
    return Post(post.text, [*post.blocks, draft_button(clock.incident.ref, clock.id)])


def _task(nudge: Nudge, incident: Incident | None, _p: Policy, _s: Settings) -> Post:
    """A playbook step's owners, in the incident channel: its text is the policy's, escaped all the same."""
    step, due = nudge.details["text"], _at(nudge.details["due_at"])
    if nudge.kind == NudgeKind.TASK_OVERDUE:
        text = md(":rotating_light: {} the playbook step *{}* was due {} and is not done.", _who(nudge), step, due)
    else:
        text = md(":hourglass_flowing_sand: {} the playbook step *{}* is due {}.", _who(nudge), step, due)
    return _simple(text, f"Mark it done or skip it with `{USAGE['tasks']}`.")


def _referral(nudge: Nudge, incident: Incident | None, policy: Policy, _s: Settings) -> Post:
    """A referral's owner, in the incident channel: the kind and status only, never its note or reference."""
    d = nudge.details
    text = md(
        ":rotating_light: {} referral *#{}* ({}) was due {} and is still {}.",
        _who(nudge),
        d["referral_id"],
        kind_label(policy, d["kind"]),
        d["due_date"],
        ReferralStatus(d["status"]).label.lower(),
    )
    return _simple(text, f"Record where it stands with `{USAGE['referral']}`.")


def _handoff_boundary(nudge: Nudge, incident: Incident | None, _p: Policy, _s: Settings) -> Post:
    region, at = nudge.details["region"], nudge.details["at"]
    return _simple(
        md(
            ":earth_africa: It is {} UTC and {} takes over. {}, please hand off command to the incoming commander "
            "with `{}`.",
            at,
            region,
            _who(nudge),
            USAGE["handoff"],
        ),
    )


def _handoff_escalation(nudge: Nudge, incident: Incident | None, _p: Policy, _s: Settings) -> Post:
    to = mention(nudge.details["to"])
    ask = "as deputy, please follow up or take command" if nudge.details.get("has_deputy") else "there is no deputy"
    return _simple(md(":warning: {} the hand-off of command to {} has not been accepted; {}.", _who(nudge), to, ask))


def _action(nudge: Nudge, incident: Incident | None, _p: Policy, _s: Settings) -> Post:
    title, due = nudge.details["title"], nudge.details["due_date"]
    if nudge.kind == NudgeKind.ACTION_OVERDUE:
        text = md("Your action *{}* on {} was due {} and is still open.", title, _named(incident), due)
        return _simple(text, "Mark it done, or change its due date if the plan changed.")
    return _simple(md("Reminder: your action *{}* on {} is due {}.", title, _named(incident), due))


def _review(nudge: Nudge, incident: Incident | None, _p: Policy, _s: Settings) -> Post:
    state = nudge.details["review"] or "not started"
    return _simple(
        f"The post-incident review of {_named(incident)} is not published yet ({state.replace('_', ' ')}).",
        "You will be reminded until it is published.",
    )


def _rotate(nudge: Nudge, incident: Incident | None, _p: Policy, _s: Settings) -> Post:
    return _simple(
        f"You have been commanding {_named(incident)} for {nudge.details['hours']} hours. Long shifts wear anyone "
        f"down: consider handing off with `{USAGE['handoff']}` and taking a break.",
        "Only you can see this.",
    )


def _checkin(nudge: Nudge, incident: Incident | None, _p: Policy, settings: Settings) -> Post:
    assert incident is not None
    text = (
        f"{incident.ref} is closed. Thank you for your part in it. It involved difficult material; if any of it "
        "stays with you, support is there. This check-in is optional and private: Vigil records nothing about "
        "whether or how you respond."
    )
    blocks = [section(text)]
    contacts = [mention(p) for p in incident.current_holders("wellbeing")]
    if contacts:
        blocks.append(context(md("Wellbeing contact for this incident: {}", join(", ", contacts))))
    url = settings.scheduling.wellbeing_url
    if url:
        button = {
            "type": "button",
            "action_id": ActionId.WELLBEING_RESOURCES,
            "url": url,
            "text": _plain("Support resources"),
        }
        blocks.append({"type": "actions", "elements": [button]})
    return Post(text, blocks)


def _plain(text: str) -> Block:
    return {"type": "plain_text", "text": text, "emoji": True}


def _counts(counts: dict[str, int], label: Callable[[str], str] = str) -> str:
    return " · ".join(f"{label(key)} {value}" for key, value in counts.items()) or "none"


def _actions_digest(nudge: Nudge, _i: Incident | None, _p: Policy, _s: Settings) -> Post:
    details = nudge.details
    if not details["total"]:
        return _simple(":white_check_mark: No overdue actions this week.")
    lines = [
        md(
            "• {}: {}, {}, due {}",
            a["ref"],
            a["title"],
            mention(a["owner"], a.get("owner_name")) if a["owner"] else "no owner",
            a["due_date"],
        )
        for a in details["actions"]
    ]
    unlisted = details["total"] - details["restricted"] - len(lines)
    notes = [f"{unlisted} more not listed."] if unlisted else []
    if details["restricted"]:
        notes.append(f"{details['restricted']} on restricted incidents, not listed here.")
    blocks = [header(f"Overdue actions: {details['total']}"), section(join("\n", lines) or "_(none listed)_")]
    if notes:
        blocks.append(context(*notes))
    return Post(f"Overdue actions: {details['total']}", blocks)


def _leadership_digest(nudge: Nudge, _i: Incident | None, policy: Policy, settings: Settings) -> Post:
    d = nudge.details
    mttm = d["median_minutes_to_mitigate"]
    mitigate = f"{mttm // 60} h {mttm % 60} min (median of {d['mitigated']})" if mttm is not None else "no mitigations"
    summary = "\n".join(
        [
            f"*Declared:* {d['declared']} ({d['restricted']} restricted)",
            f"*By severity:* {_counts(d['by_severity'])}",
            f"*By type:* {_counts(d['by_type'], lambda t: policy.types[t].label if t in policy.types else t)}",
            f"*By region:* {_counts(d['by_region'])}",
            f"*Time to mitigate:* {mitigate}",
            f"*Clocks:* {d['clocks_met']} met, {d['clocks_missed']} missed, {d['clocks_overdue']} overdue and running",
            f"*Overdue actions:* {d['actions_overdue']}",
            f"*Open now:* {_counts(d['open_by_severity'])}",
        ]
    )
    period = context(md("{} to {}", _at(d["start"]), _at(d["end"])))
    blocks = [header("Weekly incident summary"), period, section(summary)]
    if d["notable"]:
        lines = (
            md(
                "• {} {} ({}, {})",
                _page(incident_page(settings, n["ref"]), n["ref"]),
                n["title"],
                n["severity"],
                n["status"],
            )
            for n in d["notable"]
        )
        notable = join("\n", lines)
        blocks.append(section(md("*SEV0/SEV1 this week*\n{}", notable)))
    if d["restricted"]:
        blocks.append(context("Restricted incidents are counted above and never named here."))
    trends = trends_page(settings)
    if trends:
        blocks.append(context(md("Trends over the months: {}", link(trends, "the web view"))))
    return Post(f"Weekly incident summary: {d['declared']} declared", blocks)


def _page(url: str | None, label: str) -> str:
    """``label`` linked to its page in the web view, when the web view's address is configured."""
    return link(url, label) if url else label


RENDER: dict[NudgeKind, Callable[[Nudge, Incident | None, Policy, Settings], Post]] = {
    NudgeKind.UPDATE_DUE: _update_due,
    NudgeKind.CLOCK_REMINDER: _clock,
    NudgeKind.CLOCK_OVERDUE: _clock,
    NudgeKind.ACTION_DUE_SOON: _action,
    NudgeKind.ACTION_OVERDUE: _action,
    NudgeKind.TASK_DUE_SOON: _task,
    NudgeKind.TASK_OVERDUE: _task,
    NudgeKind.REFERRAL_OVERDUE: _referral,
    NudgeKind.REVIEW_DUE: _review,
    NudgeKind.HANDOFF_BOUNDARY: _handoff_boundary,
    NudgeKind.HANDOFF_ESCALATION: _handoff_escalation,
    NudgeKind.ROTATE: _rotate,
    NudgeKind.CHECKIN: _checkin,
    NudgeKind.ACTIONS_DIGEST: _actions_digest,
    NudgeKind.LEADERSHIP_DIGEST: _leadership_digest,
}
