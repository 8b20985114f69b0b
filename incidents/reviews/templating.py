"""Review templates: shipped ones under ``templates/reviews``, overridable by name from an operator directory.

Templates run in Jinja2's immutable sandbox with strict undefined values, so a template that reaches for Python
internals (``''.__class__``) or mistypes a name fails with a :class:`VigilError` naming the file and line, and
cannot change anything. HTML is autoescaped; Markdown output escapes Markdown's control characters instead. A
template is chosen per incident type first (``review.child_safety.html.j2``), then per format
(``review.html.j2``); an operator template may extend a shipped one as ``shipped/review.html.j2``.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, is_dataclass
from dataclasses import fields as dataclass_fields
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    nodes,
)
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from incidents.errors import ConfigError, VigilError
from incidents.reviews import template_limits as limits
from incidents.reviews.template_values import ALL_VIEWS, ReviewDocument

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "templates" / "reviews"
_MD_SPECIAL = re.compile(r"[\\`*\[\]<>|~]|(?<![^\W_])_|_(?![^\W_])|&(?=#?\w+;)")
_MD_LIST_OR_RULE = re.compile(r"^(\s*)([-+=#])(?=[\s#=-]|$)", re.MULTILINE)
_MD_NUMBERED = re.compile(r"^(\s*\d{1,9})([.)])(?=\s|$)", re.MULTILINE)


class Format(StrEnum):
    MARKDOWN = "md"
    HTML = "html"


def escape_markdown(value: Any) -> str:
    """Text that renders as itself in CommonMark/GFM: no emphasis, links, headings, tables or raw HTML."""
    if isinstance(value, Markup):
        return str(value)
    text = "" if value is None else str(value)
    text = _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)
    text = _MD_LIST_OR_RULE.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)
    return _MD_NUMBERED.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)


def oneline(value: Any) -> str:
    """For table cells and list items: every run of whitespace, line breaks included, becomes one space."""
    return " ".join(str(value).split())


def markdown_url(value: Any) -> Markup:
    """A link destination that cannot end early or break out of ``(...)``."""
    return Markup(quote(str(value), safe=":/?#@!$&'*+,;=%~-._"))


@dataclass(frozen=True)
class ReviewTemplates:
    """The two sandboxed environments (HTML, Markdown) over the same search path. Build with :func:`load_templates`."""

    html: ImmutableSandboxedEnvironment
    markdown: ImmutableSandboxedEnvironment
    operator_dir: Path | None

    def environment(self, fmt: Format) -> ImmutableSandboxedEnvironment:
        return self.html if fmt is Format.HTML else self.markdown

    def candidates(self, fmt: Format, types: Sequence[str]) -> list[str]:
        return [*(f"review.{t}.{fmt.value}.j2" for t in types), f"review.{fmt.value}.j2"]

    def render(self, document: ReviewDocument, fmt: Format, types: Sequence[str]) -> str:
        """Render with the most specific template found; any template failure becomes a :class:`VigilError`."""
        env = self.environment(fmt)
        names = self.candidates(fmt, types)
        try:
            template = env.select_template(names)
        except TemplateNotFound:
            raise VigilError(f"No review template for {fmt.value}: looked for {', '.join(names)}.") from None
        except TemplateSyntaxError as exc:
            raise VigilError(_syntax_message(exc)) from None
        try:
            with limits.time_limit():
                return template.render(review=document)
        except SecurityError as exc:
            raise VigilError(
                f"Review template {_where(exc, template.name)} was stopped by the sandbox: templates may not reach "
                f"Python internals, build huge values or run for long ({exc})."
            ) from None
        except (TemplateError, ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as exc:
            raise VigilError(f"Review template {_where(exc, template.name)} failed: {exc}") from None


def load_templates(operator_dir: Path | None = None) -> ReviewTemplates:
    """Build the environments and compile every template now, so a syntax error stops start-up with the file
    and line (:class:`ConfigError`) instead of surfacing when someone first asks for a review."""
    if operator_dir is not None and not operator_dir.is_dir():
        raise ConfigError(f"templates directory {operator_dir} does not exist")
    loaders: list[BaseLoader] = []
    if operator_dir is not None:
        loaders.append(FileSystemLoader(operator_dir))
    shipped = FileSystemLoader(SHIPPED_DIR)
    loaders += [PrefixLoader({"shipped": shipped}, delimiter="/"), shipped]
    templates = ReviewTemplates(
        html=_environment(ChoiceLoader(loaders), html=True),
        markdown=_environment(ChoiceLoader(loaders), html=False),
        operator_dir=operator_dir,
    )
    for directory in (d for d in (SHIPPED_DIR, operator_dir) if d is not None):
        for path in sorted(directory.rglob("*.j2")):
            env = templates.html if ".html" in path.name else templates.markdown
            try:
                env.parse(path.read_text(encoding="utf-8"), name=path.name, filename=str(path))
            except TemplateSyntaxError as exc:
                raise ConfigError(_syntax_message(exc)) from None
            except UnicodeDecodeError:
                raise ConfigError(f"review template {path} is not UTF-8 text") from None
    return templates


def _field_names(view: type) -> tuple[str, ...]:
    """A view's fields: a NamedTuple's ``_fields`` or a dataclass's fields."""
    if issubclass(view, tuple) and hasattr(view, "_fields"):
        return tuple(view._fields)
    if is_dataclass(view):
        return tuple(f.name for f in dataclass_fields(view))
    raise TypeError(f"{view.__name__} is neither a NamedTuple nor a dataclass")


_VIEW_FIELDS = frozenset((view, name) for view in ALL_VIEWS for name in _field_names(view))


class _LimitedCodeGenerator(CodeGenerator):
    """Compiles templates so that every buffer is a :class:`limits.TextBuffer`, every ``~`` result is checked
    and every loop steps through :func:`limits.iterate` (see :mod:`incidents.reviews.template_limits`)."""

    def buffer(self, frame: Frame) -> None:
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.text_buffer()")

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.checked(")
        super().visit_Concat(node, frame)
        self.write(")")

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        if not isinstance(node.iter, nodes.Call) or not isinstance(node.iter.node, nodes.EnvironmentAttribute):
            step = nodes.EnvironmentAttribute("iterate", lineno=node.lineno)
            node.iter = nodes.Call(step, [node.iter], [], None, None, lineno=node.lineno)
        super().visit_For(node, frame)


class _ReviewSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with a fast path for the view model's own data fields (plain values by
    construction), which a long timeline reads hundreds of thousands of times, and the size and time limits of
    :mod:`incidents.reviews.template_limits`. Everything else takes the sandbox's full checks."""

    code_generator_class = _LimitedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+"})
    concat = staticmethod(limits.output)  # joins the whole review and each buffer
    text_buffer = staticmethod(limits.TextBuffer)
    checked = staticmethod(limits.checked)
    iterate = staticmethod(limits.iterate)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if (type(obj), attribute) in _VIEW_FIELDS:
            return getattr(obj, attribute)
        return super().getattr(obj, attribute)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Refuse the cheap ways to exhaust memory before they run: huge powers, repeated strings or lists, and
        ``%`` formats that pad or repeat their values past the limit."""
        if operator == "**" and isinstance(right, int) and abs(right) > 1000:
            raise SecurityError("exponent too large for a template")
        if operator == "*":
            sized, count = (left, right) if isinstance(right, int) else (right, left)
            if isinstance(sized, str | list | tuple) and isinstance(count, int):
                limits.repeated(sized, count)
        if operator == "%" and isinstance(left, str):
            limits.percent_formatted(left, right)
        return limits.checked(super().call_binop(context, operator, left, right))

    def wrap_str_format(self, value: Any) -> Any:
        """Every string method a template reaches passes here (as attribute or item): ``str.format``, sandboxed by
        Jinja, and the methods that make text grow, with the size of their result checked before they run."""
        formatter = super().wrap_str_format(value)
        if formatter is None:
            if isinstance(getattr(value, "__self__", None), str) and value.__name__ in limits.GROWING_STR_METHODS:
                return limits.limited_str_method(value)
            return None
        template: str = value.__self__
        is_map = value.__name__ == "format_map"

        def limited(*args: Any, **kwargs: Any) -> str:
            values = args[0] if is_map and args else kwargs
            limits.str_formatted(template, () if is_map else args, values)
            return limits.checked(formatter(*args, **kwargs))

        return limited


def _environment(loader: BaseLoader, *, html: bool) -> ImmutableSandboxedEnvironment:
    env = _ReviewSandbox(
        loader=loader,
        autoescape=html,
        undefined=StrictUndefined,
        finalize=None if html else escape_markdown,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["oneline"] = oneline
    env.filters["md_url"] = markdown_url
    env.filters.update({name: limits.limited_filter(name, f) for name, f in env.filters.items()})
    env.globals["namespace"] = limits.LimitedNamespace
    del env.globals["lipsum"]  # writes as much text as asked for
    return env


def _syntax_message(exc: TemplateSyntaxError) -> str:
    return f"review template {exc.filename or exc.name}, line {exc.lineno}: {exc.message}"


def _where(exc: BaseException, name: str | None) -> str:
    """``file, line N`` from the template frame nearest the failure (Jinja maps frames to template lines)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    if not frames:
        return str(name)
    return f"{Path(frames[-1].filename).name}, line {frames[-1].lineno}"
