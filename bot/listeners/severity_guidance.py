"""The declare modal's severity guidance: once both questions are answered, the modal shows the suggestion.

Slack sends each answer as it is picked (the inputs dispatch their action); the modal is updated in place, and
Slack keeps everything else the person has typed because the blocks keep their ids. A person who answers while an
earlier update is on its way gets ``hash_conflict``; their answer arrives as its own action and wins.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.modals import Origin, declare_modal
from bot.context import Vigil
from bot.forms import guidance_answers
from bot.ids import Field
from incidents.severity_guidance import suggest

log = logging.getLogger(__name__)


def register(app: App, vigil: Vigil) -> None:
    def answered(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body["view"]
        answers = guidance_answers(view)
        if answers is None:
            return
        policy = vigil.domain.policy
        modal = declare_modal(policy, Origin.load(view.get("private_metadata")), suggestion=suggest(policy, answers))
        try:
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=modal)
        except SlackApiError as exc:
            if exc.response.get("error") != "hash_conflict":
                log.warning("could not show the severity suggestion (%s)", exc.response.get("error"))

    for field in (Field.HARM, Field.IMMINENCE):
        app.action(field.value)(answered)
