"""The workspace to try Vigil in, as the README describes it: maya, sam and lee, each in #general, #triage and
#incidents. ``vigil try`` and the standalone emulator (``python -m emulators.slack``) both start with it, so what
one shows is what the other does."""

from __future__ import annotations

from dataclasses import dataclass

from emulators.slack.emulator import SlackEmulator

PEOPLE = ("maya", "sam", "lee")
SIGNED_IN = "maya"
"""Who the emulator's "Sign in with Slack" signs in, with no password: the playground answers on loopback only."""
CHANNELS = ("general", "triage", "incidents")
"""Everyone is in each; reports wait for triage in the second, incidents are announced in the last."""


def email(name: str) -> str:
    return f"{name}@example.com"


@dataclass(frozen=True)
class Workspace:
    people: dict[str, str]
    """Each person's name and user id."""
    channels: dict[str, str]
    """Each channel's name and id."""

    @property
    def triage(self) -> str:
        return self.channels["triage"]

    @property
    def announce(self) -> str:
        return self.channels["incidents"]


def seed(emu: SlackEmulator) -> Workspace:
    """Add the playground's people and channels to ``emu``; sign-in signs in as :data:`SIGNED_IN`."""
    people = {name: emu.add_user(name, name.title(), email(name)) for name in PEOPLE}
    emu.oidc_login_as(people[SIGNED_IN])
    channels = {name: emu.add_channel(name, members=list(people.values())) for name in CHANNELS}
    return Workspace(people, channels)
