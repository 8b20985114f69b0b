"""The emulator's console used over HTTP the way its page's forms post (a browser with scripts off): the page as a
person sees it, the command box, a message's buttons, a modal's Submit and Close."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import httpx

from emulators.slack.console.forms import field_name


@dataclass
class ConsoleClient:
    http: httpx.Client
    """Based at the emulator, following redirects (every form answers with one, back to the page)."""
    user: str
    channel: str

    def page(self, user: str | None = None) -> str:
        answer = self.http.get("/console", params={"user": user or self.user, "channel": self.channel})
        assert answer.status_code == 200, answer.text
        return answer.text

    def post(self, path: str, **fields: Any) -> str:
        """Post a form as the acting person, typing in the current channel; the page it leads back to."""
        answer = self.http.post(path, data={"user": self.user, "channel": self.channel, **fields})
        assert answer.status_code == 200, answer.text
        return answer.text

    def type(self, text: str) -> str:
        return self.post("/console", text=text)

    def click(self, label: str, page: str | None = None) -> str:
        """Click the (first) button labelled ``label`` in a post of the page."""
        return self.post("/console/action", **button_fields(page or self.page(), label))

    def submit(self, view_id: str, values: dict[str, Any], do: str = "submit") -> str:
        """Submit (or close, or use an element of) the modal open in the page as a browser would: what its fields
        hold, with ``values`` (by block id; action id = block id, as Vigil's forms name them) typed over them."""
        fields = {**modal_fields(self.page()), **{field_name(b, b): value for b, value in values.items()}}
        return self.post(f"/console/view/{view_id}", do=do, **fields)


def button_fields(page: str, label: str) -> dict[str, str]:
    """What clicking the button labelled ``label`` in a post posts: its form's hidden fields and its own ``do``."""
    for form in re.findall(r'<form class="act" method="post" action="/console/action">(.*?)</form>', page, re.S):
        clicked = _button(form, label)
        if clicked is not None:
            fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
            return {k: html.unescape(v) for k, v in fields.items()} | {"do": clicked}
    raise AssertionError(f"no button {label!r} in the page")


def modal_button(page: str, label: str) -> str:
    """The ``do`` a click on the modal's button labelled ``label`` posts."""
    form = re.search(r'<form class="modal".*?</form>', page, re.S)
    clicked = _button(form.group(0), label) if form else None
    assert clicked is not None, f"no button {label!r} in the modal"
    return clicked


def _button(form: str, label: str) -> str | None:
    clicked = re.search(rf'<button[^>]* name="do" value="([^"]*)"[^>]*>{re.escape(label)}</button>', form)
    return html.unescape(clicked.group(1)) if clicked else None


class _FormReader(HTMLParser):
    """What a browser would send for the modal's form: text fields' values, checked boxes, selected options."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self._in_modal = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = {k: v or "" for k, v in attrs}
        if tag == "form" and "modal" in given.get("class", "").split():
            self._in_modal = True
        if not self._in_modal or "disabled" in given:
            return
        name = given.get("name", "")
        if tag == "input" and given.get("type") not in {"hidden", "submit"} and name:
            if given.get("type") not in {"checkbox", "radio"} or "checked" in given:
                self.fields.setdefault(name, []).append(given.get("value", ""))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in given and given.get("value"):
            self.fields.setdefault(self._select, []).append(given["value"])
        elif tag == "textarea":
            self._textarea = name
            self.fields.setdefault(name, []).append("")

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_modal = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def modal_fields(page: str) -> dict[str, list[str]]:
    """The fields of the page's modal as its form holds them now."""
    reader = _FormReader()
    reader.feed(page)
    return reader.fields


def visible_text(page: str) -> str:
    """Roughly what a person reads: tags dropped, entities decoded, space collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))
