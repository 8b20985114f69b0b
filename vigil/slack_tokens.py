"""Which Slack credential goes where, told from its prefix before anything is sent to Slack.

A Slack app has several secrets that look alike in a terminal: the bot token (``xoxb-``) every call is made with,
the app-level token (``xapp-``) that opens Socket Mode, the installing person's user token (``xoxp-``), which
Vigil never uses, and the signing secret (no prefix) that HTTP mode checks requests with. Pasted into the wrong
variable, each used to fail deep inside the SDK; here the mistake is one sentence naming the variable and what
belongs in it. A token with the right prefix that Slack still refuses is reported by :func:`refused` in the same
terms.
"""

from __future__ import annotations

from incidents.settings import Settings

MANIFEST_HINT = "create the Slack app from slack-app-manifest.yaml (README, 'Run it in Slack') and export it"
KINDS = {"xoxb-": "a bot token", "xapp-": "an app-level token", "xoxp-": "a user token", "xoxe": "a refresh token"}
"""Slack's token prefixes, for saying what a variable holds instead."""
BOT_TOKEN = "SLACK_BOT_TOKEN"
APP_TOKEN = "SLACK_APP_TOKEN"
SIGNING_SECRET = "SLACK_SIGNING_SECRET"
WANTED = {
    BOT_TOKEN: "the app's Bot User OAuth Token (xoxb-…, under OAuth & Permissions)",
    APP_TOKEN: "an app-level token with connections:write (xapp-…, under Basic Information → App-Level Tokens)",
    SIGNING_SECRET: "the app's Signing Secret (under Basic Information → App Credentials)",
}
"""What each variable takes, and where the app's settings page shows it."""
PREFIX = {BOT_TOKEN: "xoxb-", APP_TOKEN: "xapp-", SIGNING_SECRET: ""}
HOME = {prefix: name for name, prefix in PREFIX.items() if prefix}
"""The variable each kind of token belongs in."""
AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"})
"""Slack's answers that mean the token itself was refused (not that Slack is down)."""


def token_problem(settings: Settings, *, http: bool) -> str | None:
    """The first credential that is missing for this mode, or holds the wrong kind of secret, as a sentence; None
    when each looks right. A credential this mode does not need is checked too, when it is set: a swapped pair
    is one mistake, and it is named where it was made."""
    given = {
        BOT_TOKEN: settings.slack_bot_token,
        APP_TOKEN: settings.slack_app_token,
        SIGNING_SECRET: settings.slack_signing_secret,
    }
    needed = (BOT_TOKEN, SIGNING_SECRET if http else APP_TOKEN)
    for name in needed:
        if not given[name]:
            return f"{name} is not set; {MANIFEST_HINT}."
    for name, value in given.items():
        if value:
            problem = _wrong_kind(name, value.strip())
            if problem is not None:
                return problem
    return None


def _wrong_kind(name: str, value: str) -> str | None:
    expected = PREFIX[name]
    if expected and value.startswith(expected):
        return None
    held = next((kind for prefix, kind in KINDS.items() if value.startswith(prefix)), None)
    if held is None:
        return None if not expected else f"{name} does not look like a Slack token: it takes {WANTED[name]}."
    belongs = next((home for prefix, home in HOME.items() if value.startswith(prefix) and home != name), None)
    where = f", which belongs in {belongs}" if belongs else ", which Vigil never uses"
    return f"{name} holds {held}{where}; {name} takes {WANTED[name]}."


def refused(name: str, error: str) -> str:
    """Slack refused the token in ``name`` (``error`` is its answer's code), as a sentence saying what to do."""
    return f"Slack refused {name} ({error}): copy {WANTED[name]} again and export it as {name}."
