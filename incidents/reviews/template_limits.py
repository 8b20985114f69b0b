"""Limits on what a review template may build, and for how long it may run.

The sandbox keeps a template away from Python internals, but a template is still a program: ``'%99999999s' % x``,
``x.center(10**9)``, ``x.replace('', y)``, ``y.join(...)``, a macro that doubles its argument or a loop inside a
loop can take gigabytes or run for minutes. Every place where a template can make text grow is checked *before*
the text is built, so the memory is never taken:

- any one value a template builds (by a string method, a filter, an operator, ``~``, a namespace attribute, a
  macro's or a ``{% set %}`` block's buffer) holds at most :data:`MAX_TEXT` characters, so whatever a template
  passes on (to a macro, say) is bounded too;
- the whole review holds at most :data:`MAX_OUTPUT` characters (a 10,000-entry review is about 4 million);
- a render may use :data:`MAX_CPU_SECONDS` of its thread's CPU time, checked as loops step and macros are called
  (CPU, not wall time, so a busy machine never fails a legitimate review).

The checks cost a few per cent of a render at most: they look at lengths, never at content.
"""

from __future__ import annotations

import itertools
import re
import string
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from jinja2.exceptions import SecurityError
from jinja2.utils import Namespace

_T = TypeVar("_T")

MAX_TEXT = 5_000_000
MAX_OUTPUT = 20_000_000
MAX_CPU_SECONDS = 5.0
_TIME_CHECK_EVERY = 64
"""Loop steps and calls between two readings of the clock: reading a thread's CPU time is a system call. The step
counter is shared by all renders, which only spreads the readings."""
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(\*|\d+)?(?:\.(\*|\d+))?")
_NUMBER = re.compile(r"\d+")
_deadline: ContextVar[float] = ContextVar("template_deadline", default=float("inf"))
_steps = itertools.count()


@contextmanager
def time_limit() -> Iterator[None]:
    """The CPU-time budget of one render (contextual, so renders on several threads each have their own)."""
    token = _deadline.set(time.thread_time() + MAX_CPU_SECONDS)
    try:
        yield
    finally:
        _deadline.reset(token)


def check_time() -> None:
    if time.thread_time() > _deadline.get():
        raise SecurityError(f"the template ran for more than {MAX_CPU_SECONDS:g} s")


def too_long(limit: int = MAX_TEXT) -> SecurityError:
    return SecurityError(f"the template built text longer than {limit:,} characters")


def checked(value: _T) -> _T:
    """``value``, refused if it is text over :data:`MAX_TEXT` (for what was built by a bounded step)."""
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise too_long()
    return value


def text_size(value: Any, budget: int = MAX_TEXT) -> int:
    """Characters ``value`` would print as, counting strings inside lists, tuples and dicts; stops counting once
    past ``budget`` (enough to refuse), so a huge value costs no more than a small one to measure."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Mapping):
        value = [*value.keys(), *value.values()]
    if not isinstance(value, list | tuple):
        return 1
    total = len(value)
    for item in value:
        total += text_size(item, budget - total)
        if total > budget:
            break
    return total


def repeated(sized: Any, count: int) -> None:
    """Before ``sized * count`` (strings, lists, tuples)."""
    if count > 0 and text_size(sized) * count > MAX_TEXT:
        raise too_long()


def percent_formatted(template: str, values: Any) -> None:
    """Before ``template % values``."""
    widths = [int(n) for m in _PERCENT_FIELD.finditer(template) for n in m.groups() if n and n != "*"]
    dynamic = any("*" in m.group(0) for m in _PERCENT_FIELD.finditer(template))
    _formatted(template, template.count("%"), widths, dynamic, values)


def str_formatted(template: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Before ``template.format(*args, **kwargs)`` (or ``format_map``)."""
    fields = [spec for _text, name, spec, _conv in string.Formatter().parse(template) if name is not None]
    widths = [int(n) for spec in fields for n in _NUMBER.findall(spec or "")]
    dynamic = any("{" in (spec or "") for spec in fields)
    _formatted(template, len(fields), widths, dynamic, [*args, *kwargs.values()])


def _formatted(template: str, fields: int, widths: list[int], dynamic: bool, values: Any) -> None:
    """A bound on the formatted length: each field may print the longest value, padded to the widest width."""
    if isinstance(values, Mapping):
        values = list(values.values())
    elif not isinstance(values, list | tuple):
        values = [values]
    if dynamic:
        widths += [v for v in values if isinstance(v, int)]
    longest = max((text_size(v) for v in values), default=0)
    if len(template) + fields * (longest + max(widths, default=0)) > MAX_TEXT:
        raise too_long()


GROWING_STR_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "replace", "join"})


def limited_str_method(method: Any) -> Any:
    """A string's method that makes text grow (:data:`GROWING_STR_METHODS`), with the size of its result checked
    before it runs (``join``'s iterable is read once, into a list, to measure it)."""
    owner: str = method.__self__
    name: str = method.__name__

    def limited(*args: Any, **kwargs: Any) -> Any:
        if name == "join" and args:
            parts = list(args[0])
            args = (parts, *args[1:])
            size = sum(map(text_size, parts)) + len(owner) * len(parts)
        elif name == "expandtabs":
            size = len(owner) + owner.count("\t") * int(args[0] if args else kwargs.get("tabsize", 8))
        elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
            size = replaced_size(owner, args[0], args[1], args[2] if len(args) > 2 else kwargs.get("count", -1))
        elif name != "replace" and args and isinstance(args[0], int):
            size = args[0]
        else:
            size = len(owner)
        if size > MAX_TEXT:
            raise too_long()
        return checked(method(*args, **kwargs))

    return limited


def replaced_size(text: str, old: str, new: str, count: int = -1) -> int:
    found = text.count(old) if old else len(text) + 1
    if count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


def limited_filter(name: str, filter_func: Any) -> Any:
    """A filter whose result is checked; for Jinja's own filters that multiply text (:data:`GROWING_FILTERS`),
    checked before it runs."""

    def checked_filter(*args: Any, **kwargs: Any) -> Any:
        return checked(filter_func(*args, **kwargs))

    def limited(*args: Any, **kwargs: Any) -> Any:
        value_at = 1 if getattr(filter_func, "jinja_pass_arg", None) is not None else 0
        value, rest = args[value_at], args[value_at + 1 :]
        if name == "join":
            value = list(value)
            args = (*args[:value_at], value, *rest)
            size = sum(map(text_size, value)) + text_size(rest[0] if rest else kwargs.get("d", "")) * len(value)
        elif name == "format":
            percent_formatted(str(value), rest or kwargs)
            size = 0
        else:
            size = _filter_size(name, str(value), rest, kwargs)
        if size > MAX_TEXT:
            raise too_long()
        return checked(filter_func(*args, **kwargs))

    wrapper = limited if name in GROWING_FILTERS else checked_filter
    pass_arg = getattr(filter_func, "jinja_pass_arg", None)
    wrapper.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]  # Jinja reads pass_context from this attribute
    return wrapper


def _filter_size(name: str, text: str, rest: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    def arg(position: int, key: str, default: Any) -> Any:
        return rest[position] if len(rest) > position else kwargs.get(key, default)

    if name == "center":
        return max(len(text), int(arg(0, "width", 80)))
    if name == "indent":
        width = arg(0, "width", 4)
        return len(text) + (text.count("\n") + 1) * (len(width) if isinstance(width, str) else int(width))
    if name == "replace":
        return replaced_size(text, str(arg(0, "old", "")), str(arg(1, "new", "")), int(arg(2, "count", -1) or -1))
    # wordwrap: at worst a break after every character
    return len(text) * (1 + len(str(arg(2, "wrapstring", "\n") or "\n")))


GROWING_FILTERS = frozenset({"center", "indent", "replace", "join", "format", "wordwrap"})


def iterate(items: Iterable[Any]) -> Iterator[Any]:
    """A template loop's items, with the time budget checked as it goes (loops are where a template spends it)."""
    steps = _steps
    for item in items:
        if not next(steps) % _TIME_CHECK_EVERY:  # inlined: runs for every item of every loop
            check_time()
        yield item


class TextBuffer(list[str]):
    """The buffer a macro, ``{% set %}`` block, ``{% filter %}`` or ``{% call %}`` block writes into: refuses to
    grow past :data:`MAX_TEXT` characters."""

    __slots__ = ("size",)

    def __init__(self) -> None:
        """Made on each call of a macro or ``caller()``: where a recursive template spends its time."""
        super().__init__()
        self.size = 0
        if not next(_steps) % _TIME_CHECK_EVERY:
            check_time()

    def append(self, text: str) -> None:
        self.size += len(text)
        if self.size > MAX_TEXT:
            raise too_long()
        super().append(text)

    def extend(self, texts: Iterable[str]) -> None:
        texts = tuple(texts)
        self.size += sum(map(len, texts))
        if self.size > MAX_TEXT:
            raise too_long()
        super().extend(texts)


class LimitedNamespace(Namespace):
    """``namespace()``: its attributes are the one way a value survives a loop step, so each is checked."""

    def __setitem__(self, name: str, value: Any) -> None:
        super().__setitem__(name, checked(value))


def output(chunks: Iterable[str]) -> str:
    """The whole review from the template's chunks, refused once past :data:`MAX_OUTPUT` (a buffer is already
    bounded: joined at once)."""
    if isinstance(chunks, TextBuffer):
        return "".join(chunks)
    parts: list[str] = []
    append = parts.append
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise too_long(MAX_OUTPUT)
        append(chunk)
    return "".join(parts)
