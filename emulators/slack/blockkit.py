"""Block Kit validation of message `blocks` and of modal / home-tab `view` objects.

Slack rejects a malformed surface as a whole; chat.* answer `invalid_blocks` and views.* answer
`invalid_arguments`, each with one "[ERROR] …" line per problem in response_metadata.messages.
"""

from __future__ import annotations

from typing import Any

from emulators.slack.elements import (
    ACTIONS_ELEMENTS,
    INPUT_ELEMENTS,
    SECTION_ACCESSORIES,
    Problems,
    check_element,
    check_image_source,
    check_text,
)

_BLOCK_FIELDS: dict[str, set[str]] = {
    "section": {"text", "fields", "accessory", "expand"},
    "header": {"text"},
    "divider": set(),
    "context": {"elements"},
    "actions": {"elements"},
    "input": {"label", "element", "dispatch_action", "hint", "optional"},
    "image": {"image_url", "slack_file", "alt_text", "title"},
    "rich_text": {"elements"},
    "file": {"external_id", "source"},
    "video": {"alt_text", "title", "title_url", "thumbnail_url", "video_url", "author_name"}
    | {"description", "provider_icon_url", "provider_name"},
    "markdown": {"text"},
}
_RICH_TEXT_PARTS = {"rich_text_section", "rich_text_list", "rich_text_preformatted", "rich_text_quote"}
MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100


def _items(p: Problems, block: dict[str, Any], key: str, path: str, maximum: int) -> list[Any]:
    """A required, non-empty array property with an upper bound."""
    items = block.get(key)
    if key not in block:
        p.add(f"missing required field: {key}", path)
        return []
    if not isinstance(items, list) or not items:
        p.add("must provide at least 1 item", f"{path}/{key}")
        return []
    if len(items) > maximum:
        p.add(f"no more than {maximum} items allowed", f"{path}/{key}")
    return items


def _check_block(p: Problems, block: dict[str, Any], kind: str, path: str) -> None:
    """The type-specific rules of one block."""
    if kind == "section":
        if "text" not in block and "fields" not in block:
            p.add("must provide either text or fields", path)
        if "text" in block:
            check_text(p, block["text"], f"{path}/text", 3000)
        if "fields" in block:
            for i, text in enumerate(_items(p, block, "fields", path, 10)):
                check_text(p, text, f"{path}/fields/{i}", 2000)
        if "accessory" in block:
            check_element(p, block["accessory"], f"{path}/accessory", SECTION_ACCESSORIES)
    elif kind == "header":
        if "text" not in block:
            p.add("missing required field: text", path)
        else:
            check_text(p, block["text"], f"{path}/text", 150, plain_only=True)
    elif kind == "context":
        for i, element in enumerate(_items(p, block, "elements", path, 10)):
            if isinstance(element, dict) and element.get("type") == "image":
                check_element(p, element, f"{path}/elements/{i}", {"image"})
            else:
                check_text(p, element, f"{path}/elements/{i}", 3000)
    elif kind == "actions":
        elements = _items(p, block, "elements", path, 25)
        for i, element in enumerate(elements):
            check_element(p, element, f"{path}/elements/{i}", ACTIONS_ELEMENTS)
        _unique_action_ids(p, elements, path)
    elif kind == "input":
        for key in ("label", "element"):
            if key not in block:
                p.add(f"missing required field: {key}", path)
        if "label" in block:
            check_text(p, block["label"], f"{path}/label", 2000, plain_only=True)
        if "hint" in block:
            check_text(p, block["hint"], f"{path}/hint", 2000, plain_only=True)
        if "element" in block:
            check_element(p, block["element"], f"{path}/element", INPUT_ELEMENTS)
    elif kind == "image":
        check_image_source(p, block, path)
        if "title" in block:
            check_text(p, block["title"], f"{path}/title", 2000, plain_only=True)
    elif kind == "rich_text":
        for i, part in enumerate(_items(p, block, "elements", path, 100)):
            if not isinstance(part, dict) or part.get("type") not in _RICH_TEXT_PARTS:
                p.add("must be a valid enum value", f"{path}/elements/{i}/type")
    elif kind == "file":
        for key in ("external_id", "source"):
            if key not in block:
                p.add(f"missing required field: {key}", path)
    elif kind == "video":
        for key in ("alt_text", "title", "thumbnail_url", "video_url"):
            if key not in block:
                p.add(f"missing required field: {key}", path)
    elif kind == "markdown":
        p.length(block.get("text"), f"{path}/text", 12000)


def _unique_action_ids(p: Problems, elements: list[Any], path: str) -> None:
    """Slack requires action_ids to be unique among the elements of one block."""
    seen: set[str] = set()
    for i, element in enumerate(elements):
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if action_id is None:
            continue
        if action_id in seen:
            p.add(f"duplicate action_id: {action_id}", f"{path}/elements/{i}/action_id")
        seen.add(action_id)


def check_blocks(p: Problems, blocks: Any, path: str, maximum: int) -> None:
    """An array of blocks: known types, valid content, unique block_ids, at most `maximum`."""
    if not isinstance(blocks, list):
        p.add("must provide an array", path)
        return
    if len(blocks) > maximum:
        p.add(f"no more than {maximum} items allowed", path)
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"{path}/{i}"
        if not p.obj(block, where):
            continue
        kind = block.get("type")
        if kind not in _BLOCK_FIELDS:
            p.add(f"unsupported type: {kind}" if kind else "missing required field: type", f"{where}/type")
            continue
        p.props(block, _BLOCK_FIELDS[kind] | {"type", "block_id"}, where)
        if "block_id" in block:
            p.length(block["block_id"], f"{where}/block_id", 255)
            if block["block_id"] in block_ids:
                p.add(f"duplicate block_id: {block['block_id']}", f"{where}/block_id")
            block_ids.add(block["block_id"])
        _check_block(p, block, kind, where)


def message_block_problems(blocks: Any) -> list[str]:
    """Problems with a chat.* `blocks` argument (empty when Slack would accept it)."""
    p = Problems([])
    check_blocks(p, blocks, "/blocks", MESSAGE_MAX_BLOCKS)
    return p.messages


def view_problems(view: Any) -> list[str]:
    """Problems with a views.* `view` argument (empty when Slack would accept it)."""
    p = Problems([])
    if not p.obj(view, "/view"):
        return p.messages
    kind = view.get("type")
    if kind not in ("modal", "home"):
        p.add("must be a valid enum value" if kind else "missing required field: type", "/view/type")
        return p.messages
    common = {"type", "blocks", "private_metadata", "callback_id", "external_id", "title"}
    modal_only = {"close", "submit", "clear_on_close", "notify_on_close", "submit_disabled"}
    p.props(view, common | modal_only if kind == "modal" else common, "/view")
    if "blocks" not in view:
        p.add("missing required field: blocks", "/view")
    else:
        check_blocks(p, view["blocks"], "/view/blocks", VIEW_MAX_BLOCKS)
    if kind == "modal":
        if "title" not in view:
            p.add("missing required field: title", "/view")
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or [])
        if has_input and "submit" not in view:
            p.add("must provide a submit property when using input blocks", "/view")
        for key in ("title", "submit", "close"):
            if key in view:
                check_text(p, view[key], f"/view/{key}", 24, plain_only=True)
    for key, maximum in (("private_metadata", 3000), ("callback_id", 255), ("external_id", 255)):
        if key in view:
            p.length(view[key], f"/view/{key}", maximum, minimum=0)
    return p.messages
