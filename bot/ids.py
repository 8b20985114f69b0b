"""Every identifier Vigil shares with Slack: the slash command, callback ids, action ids, block ids and the
kinds under which Slack objects are recorded in ``incidents.postings``.

The manifest (slack-app-manifest.yaml) and the listeners both use these; changing a value breaks open modals
and buttons already in people's Slack, so values are stable.
"""

from enum import StrEnum


class Command(StrEnum):
    INCIDENT = "/incident"


class ViewId(StrEnum):
    """``callback_id`` of modals."""

    DECLARE = "incident-declare-submit"
    UPDATE = "incident-update-submit"
    RESOLVE = "incident-resolve-submit"
    """Resolving with work left open; its ``private_metadata`` is an :class:`bot.blocks.modals.Origin`."""
    DONE = "incident-done"
    REVIEW = "incident-review-submit"
    """The review form; its ``private_metadata`` is the incident ref."""
    REVIEW_PREVIEW = "incident-review-preview"
    PARTY = "incident-party-submit"
    """The add-a-party form; its ``private_metadata`` is an :class:`bot.blocks.modals.Origin`."""
    REFERRAL = "incident-referral-submit"
    """The open-a-referral form; its ``private_metadata`` is an :class:`bot.blocks.modals.Origin`."""
    TASK_SKIP = "incident-task-skip-submit"
    """The skip-a-step form; its ``private_metadata`` is the task id."""
    SIGNALS_ATTACH = "signals-attach-submit"
    SIGNALS_DISMISS = "signals-dismiss-submit"
    """The triage forms; their ``private_metadata`` is the signal group id."""


class ShortcutId(StrEnum):
    """``callback_id`` of message shortcuts (declared in the manifest)."""

    DECLARE_FROM_MESSAGE = "incident-declare-from-message"
    ADD_TO_TIMELINE = "incident-add-to-timeline"


class ActionId(StrEnum):
    """``action_id`` of buttons."""

    HANDOFF_ACCEPT = "incident-handoff-accept"
    HANDOFF_DECLINE = "incident-handoff-decline"
    WELLBEING_RESOURCES = "vigil-wellbeing-resources"
    """A link button in the check-in DM: Slack opens the link and still sends the click, which Vigil answers."""
    REVIEW_EDIT = "incident-review-edit"
    REVIEW_SUBMIT = "incident-review-submit-for-review"
    REVIEW_PUBLISH = "incident-review-publish"
    """Review buttons carry the incident ref as their value."""
    TASK_DONE = "incident-task-done"
    TASK_SKIP = "incident-task-skip"
    """Playbook step buttons carry the task id as their value."""
    DRAFT_FILING = "incident-filing-draft"
    """The "Draft filing" button of a clock's reminders carries ``<ref> <clock id>`` as its value."""
    SIGNALS_DECLARE = "signals-declare"
    SIGNALS_ATTACH = "signals-attach"
    SIGNALS_DISMISS = "signals-dismiss"
    """Triage buttons carry the signal group id as their value."""


class Field(StrEnum):
    """Block ids (and action ids) of modal inputs. They equal the domain's ``VigilError.field`` names, so an
    error the domain raises lands beside the input at fault."""

    TITLE = "title"
    TYPES = "types"
    SEVERITY = "severity"
    HARM = "harm"
    IMMINENCE = "imminence"
    """The severity guidance's two questions: picking an answer dispatches an action that shows the suggestion."""
    SEVERITY_SUGGESTION = "severity_suggestion"
    TIER = "tier"
    REGION = "region"
    SUMMARY = "summary"
    RESPONDERS = "responders"
    STATUS = "status"
    IMPACT = "impact"
    NEXT_STEPS = "next_steps"
    NEXT_UPDATE = "next_update_in"
    PARTY_ROLE = "role"
    PARTY_NAME = "name"
    HANDLE = "handle"
    ACCOUNT_ID = "account_id"
    CONTACT = "contact"
    REFERRAL_KIND = "kind"
    REFERRAL_OWNER = "owner"
    DUE_DATE = "due_date"
    EXTERNAL_REF = "external_ref"
    NOTE = "note"
    SKIP_REASON = "reason"
    """Also the dismiss-signals form's reason (the domain's ``required_text`` names it ``reason`` in both)."""
    INCIDENT_REF = "ref"


class PostingKind(StrEnum):
    """What a recorded posting is; one row per (incident, kind, channel) makes every step happen once."""

    CARD = "card"
    PIN = "pin"
    TOPIC = "topic"
    CHANNEL_PURPOSE = "purpose"
    INVITE = "invite"
    BOOKMARK = "bookmark"
    ANNOUNCEMENT = "announcement"
    ANNOUNCED_AS = "announcement-digest"
    CARD_AS = "card-digest"
    """What the card was last edited to show, as :func:`bot.delivery.remember_card` keeps it."""
    REVIEW_SUMMARY = "review-summary"
    REVIEW_FILE = "review-file"
    REVIEW_LEADERSHIP = "review-leadership"
    REVIEW_LEADERSHIP_FILE = "review-leadership-file"
    REVIEW_BOOKMARK = "review-bookmark"
    CHANNEL_NAME = "channel-name"
    """The name the channel was last given (its digest, before any ``-2`` Slack made Vigil add), to rename it when
    it changes."""


def timeline_posting(entry_id: int) -> str:
    return f"timeline:{entry_id}"


def handoff_posting(handoff_id: int) -> str:
    return f"handoff:{handoff_id}"


def triage_posting(group_id: int) -> str:
    """The metadata tag of a signal group's triage post (a post about no incident)."""
    return f"signals:{group_id}"


def nudge_posting(nudge_id: int) -> str:
    return f"nudge:{nudge_id}"


CARD_EVENT = "vigil_incident_card"
"""Message metadata ``event_type`` on Vigil's own posts, so a retry can find a post it made before a crash."""
