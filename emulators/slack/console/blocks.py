"""Block Kit layout blocks as HTML, the way Slack's client lays them out.

Text is rendered by :mod:`emulators.slack.console.mrkdwn` (escaped, then formatted); interactive elements are left
to a :class:`Controls`, because a message's button and a modal's differ in where their use is sent.
"""

from __future__ import annotations

import html
from typing import Any, Protocol

from emulators.slack.console.forms import control_id
from emulators.slack.console.mrkdwn import Directory, text_html

Block = dict[str, Any]


class Controls(Protocol):
    """How the surface showing the blocks renders its interactive elements."""

    def element(self, block: Block, element: Block) -> str:
        """An element outside an input block (an action's button, a section's accessory)."""
        ...

    def input(self, block: Block, element: Block) -> str:
        """An input block's element."""
        ...


def blocks_html(
    blocks: list[Block], directory: Directory, controls: Controls, errors: dict[str, str] | None = None
) -> str:
    """Every block in order; ``errors`` (block id → message) show beside their input blocks."""
    return "".join(_block(b, directory, controls, errors or {}) for b in blocks if isinstance(b, dict))


def _block(block: Block, directory: Directory, controls: Controls, errors: dict[str, str]) -> str:
    kind = block.get("type")
    if kind == "section":
        return _section(block, directory, controls)
    if kind == "header":
        return f'<h3 class="block header">{text_html(block.get("text"), directory)}</h3>'
    if kind == "divider":
        return '<hr class="block divider">'
    if kind == "context":
        parts = [_context_part(e, directory) for e in block.get("elements") or [] if isinstance(e, dict)]
        return f'<div class="block context">{" ".join(parts)}</div>'
    if kind == "actions":
        elements = block.get("elements") or []
        shown = "".join(controls.element(block, e) for e in elements if isinstance(e, dict))
        return f'<div class="block actions">{shown}</div>'
    if kind == "image":
        title = text_html(block.get("title"), directory)
        caption = f"<figcaption>{title}</figcaption>" if title else ""
        return f'<figure class="block image">{_image(block)}{caption}</figure>'
    if kind == "input":
        return _input(block, directory, controls, errors.get(str(block.get("block_id"))))
    if kind == "rich_text":
        return f'<div class="block rich-text">{html.escape(_rich_text(block, directory))}</div>'
    return f'<div class="block unknown">{html.escape(f"[{kind} block]")}</div>'


def _section(block: Block, directory: Directory, controls: Controls) -> str:
    body = ""
    if block.get("text"):
        body += f'<div class="text">{text_html(block["text"], directory)}</div>'
    fields = [f"<div>{text_html(f, directory)}</div>" for f in block.get("fields") or []]
    if fields:
        body += f'<div class="fields">{"".join(fields)}</div>'
    accessory = block.get("accessory")
    side = ""
    if isinstance(accessory, dict):
        shown = _image(accessory) if accessory.get("type") == "image" else controls.element(block, accessory)
        side = f'<div class="accessory">{shown}</div>'
    return f'<div class="block section"><div class="body">{body}</div>{side}</div>'


def _context_part(element: Block, directory: Directory) -> str:
    if element.get("type") == "image":
        return _image(element)
    return f"<span>{text_html(element, directory)}</span>"


def _image(image: Block) -> str:
    """An image as its alt text: the console loads nothing from elsewhere."""
    return f'<span class="image" role="img">🖼 {html.escape(str(image.get("alt_text") or "image"))}</span>'


def _input(block: Block, directory: Directory, controls: Controls, error: str | None) -> str:
    element = block.get("element")
    label = text_html(block.get("label"), directory)
    optional = ' <span class="optional">(optional)</span>' if block.get("optional") else ""
    if not isinstance(element, dict):
        return ""
    control = controls.input(block, element)
    hint = text_html(block.get("hint"), directory)
    if element.get("type") in {"checkboxes", "radio_buttons"}:  # a group, each box with its own label
        labelled = f'<fieldset class="group"><legend class="label">{label}{optional}</legend>{control}</fieldset>'
    else:
        ident = control_id(str(block.get("block_id")), str(element.get("action_id")))
        labelled = f'<label class="label" for="{html.escape(ident)}">{label}{optional}</label>{control}'
    return (
        f'<div class="block input{" invalid" if error else ""}">{labelled}'
        + (f'<small class="hint">{hint}</small>' if hint else "")
        + (f'<p class="error" role="alert">{html.escape(error)}</p>' if error else "")
        + "</div>"
    )


def _rich_text(node: Block, directory: Directory) -> str:
    """A rich_text block's words, mentions as names (its styling is left out)."""
    kind = node.get("type")
    if kind == "user":
        return "@" + directory.person(str(node.get("user_id", "")))
    if kind == "channel":
        return "#" + directory.channel(str(node.get("channel_id", "")))
    if kind == "emoji":
        return f":{node.get('name', '')}:"
    if kind == "link":
        return str(node.get("text") or node.get("url") or "")
    if kind in {"text", "broadcast"}:
        return str(node.get("text") or f"@{node.get('range', '')}")
    inner = "".join(_rich_text(e, directory) for e in node.get("elements") or [] if isinstance(e, dict))
    return inner + ("\n" if kind in {"rich_text_section", "rich_text_list", "rich_text_preformatted"} else "")
