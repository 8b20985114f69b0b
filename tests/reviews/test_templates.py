"""Operator templates: override by name and per incident type, sandboxed, checked at start; and escaping of
incident text in the shipped templates."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from incidents import lifecycle, timeline
from incidents.context import Domain
from incidents.enums import Severity
from incidents.errors import ConfigError, VigilError
from incidents.reviews import load_templates, template_limits
from incidents.reviews.templating import escape_markdown
from tests.reviews.conftest import Render

HOSTILE = "<script>alert('x')</script> **bold** _em_ [link](javascript:alert(1)) | pipe\n# heading\n- item"


def _declare(domain: Domain, *, title: str = "Spam wave", types: tuple[str, ...] = ("fraud_scam",)) -> str:
    with domain.unit() as ctx:
        incident = lifecycle.declare(ctx, actor="U0RITA", title=title, types=list(types), severity=Severity.SEV3)
        return incident.ref


def _operator_dir(tmp_path: Path, **files: str) -> Path:
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "attack",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ review.__class__.__init__.__globals__['os'] }}",
        "{{ '{0.__class__}'.format(review) }}",
        "{% for c in ''.__class__.__mro__[1].__subclasses__() %}{{ c }}{% endfor %}",
        "{{ 'x' * 10**9 }}",
        "{{ 9 ** 99999999 }}",
    ],
)
def test_template_reaching_python_internals_fails_with_a_clear_error(
    domain: Domain, render: Render, tmp_path: Path, attack: str
) -> None:
    ref = _declare(domain)
    evil = load_templates(_operator_dir(tmp_path, **{"review.md.j2": f"# {{{{ review.ref }}}}\n{attack}\n"}))
    with pytest.raises(VigilError) as caught:
        render(ref, "md", using=evil)
    assert "review.md.j2, line 2" in caught.value.message
    assert "stopped by the sandbox" in caught.value.message


def test_template_cannot_change_the_review(domain: Domain, render: Render, tmp_path: Path) -> None:
    ref = _declare(domain)
    evil = load_templates(_operator_dir(tmp_path, **{"review.md.j2": "{{ review.phases.append(1) }}"}))
    with pytest.raises(VigilError, match=r"review\.md\.j2, line 1"):
        render(ref, "md", using=evil)


def test_unknown_name_in_template_is_reported_with_line(domain: Domain, render: Render, tmp_path: Path) -> None:
    ref = _declare(domain)
    broken = load_templates(_operator_dir(tmp_path, **{"review.html.j2": "<p>ok</p>\n{{ review.no_such_field }}"}))
    with pytest.raises(VigilError, match=r"review.html.j2, line 2 failed: .*no_such_field"):
        render(ref, "html", using=broken)


def test_syntax_error_is_reported_at_start_with_file_and_line(tmp_path: Path) -> None:
    _operator_dir(tmp_path, **{"review.html.j2": "<h1>{{ review.ref }}</h1>\n\n{% if review.title %}\n<p>never closed"})
    with pytest.raises(ConfigError) as caught:
        load_templates(tmp_path)
    assert str(tmp_path / "review.html.j2") in caught.value.message
    assert "line 4" in caught.value.message


def test_missing_templates_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_templates(tmp_path / "nowhere")


def test_operator_template_overrides_shipped_one_by_name(domain: Domain, render: Render, tmp_path: Path) -> None:
    ref = _declare(domain)
    mine = load_templates(_operator_dir(tmp_path, **{"review.md.j2": "Ours: {{ review.ref }}\n"}))
    assert render(ref, "md", using=mine) == f"Ours: {ref}\n"
    assert render(ref, "html", using=mine).startswith("<!DOCTYPE html>")


def test_per_type_template_is_chosen_first(domain: Domain, render: Render, tmp_path: Path) -> None:
    scam = _declare(domain)
    outage = _declare(domain, title="Checkout down", types=("platform_outage",))
    mine = load_templates(
        _operator_dir(
            tmp_path,
            **{
                "review.fraud_scam.html.j2": "fraud page {{ review.ref }}",
                "review.html.j2": "generic {{ review.ref }}",
            },
        )
    )
    assert render(scam, "html", using=mine) == f"fraud page {scam}"
    assert render(outage, "html", using=mine) == f"generic {outage}"


def test_operator_template_can_extend_the_shipped_one(domain: Domain, render: Render, tmp_path: Path) -> None:
    ref = _declare(domain)
    child = '{% extends "shipped/review.html.j2" %}{% block care %}<p>Care is handled by Team Aster.</p>{% endblock %}'
    page = render(ref, "html", using=load_templates(_operator_dir(tmp_path, **{"review.html.j2": child})))
    assert "Care is handled by Team Aster." in page
    assert "Wellbeing of the responders" not in page
    assert "Key metrics" in page


def test_html_renders_incident_text_as_text(domain: Domain, render: Render) -> None:
    ref = _declare(domain, title="Phishing <b>wave</b> & more")
    with domain.unit() as ctx:
        timeline.add_note(ctx, ref, actor="U0RITA", text=HOSTILE, source_url="javascript:alert(2)")
    page = render(ref, "html")
    assert "<script>alert" not in page and "<b>wave" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "Phishing &lt;b&gt;wave&lt;/b&gt; &amp; more" in page
    assert "javascript:" not in page.replace("[link](javascript:alert(1))", "")


def test_markdown_renders_incident_text_as_text(domain: Domain, render: Render) -> None:
    ref = _declare(domain, title="Phishing <b>wave</b> *now*")
    with domain.unit() as ctx:
        timeline.add_note(ctx, ref, actor="U0RITA", text=HOSTILE)
    md = render(ref, "md")
    assert "# INC-" in md and "Phishing \\<b\\>wave\\</b\\> \\*now\\*" in md
    assert (
        "\\<script\\>alert('x')\\</script\\> \\*\\*bold\\*\\* \\_em\\_ \\[link\\](javascript:alert(1)) \\| pipe" in md
    )
    assert "\n# heading" not in md and "\n- item" not in md


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("- item", "\\- item"),
        ("1. first", "1\\. first"),
        ("# title", "\\# title"),
        ("===", "\\==="),
        ("snake_case stays", "snake_case stays"),
        ("_em_ and *strong*", "\\_em\\_ and \\*strong\\*"),
        ("a | b", "a \\| b"),
        ("&amp; and & alone", "\\&amp; and & alone"),
        ("`code` <tag>", "\\`code\\` \\<tag\\>"),
        ("+5m since", "+5m since"),
    ],
)
def test_escape_markdown(raw: str, escaped: str) -> None:
    assert escape_markdown(raw) == escaped


@pytest.mark.parametrize(
    "attack",
    [
        "{{ '%50000000s' % 'x' }}",
        "{{ '%s' % ('x' * 5000000) ~ ('x' * 5000000) }}",
        "{{ 'x'.center(50000000) }}{{ 'x'.ljust(50000000) }}",
        "{{ 'x'.rjust(50000000) }}",
        "{{ '{:>50000000}'.format('x') }}",
        "{{ ('x' * 1000000).replace('x', 'y' * 100) }}",
        "{{ ('x' * 1000000)|replace('x', 'y' * 100) }}",
        "{{ 'x'|center(50000000) }}",
        "{{ ('x\\n' * 1000000)|indent(100) }}",
        "{{ '%s'|format('x' * 5000000) ~ 'y' }}",
        "{{ ('y' * 1000).join(range(100000)|map('string')) }}",
        "{{ range(100000)|join('y' * 1000) }}",
        "{{ ['x' * 1000000] * 20 }}",
        "{% set ns = namespace(s='x' * 1000000) %}{% for _ in range(7) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "{% macro f(s, n) %}{% if n %}{{ f(s ~ s, n - 1) }}{% endif %}{% endmacro %}{{ f('x' * 1000000, 7) }}",
        "{% set b %}{% for _ in range(10000) %}{{ 'x' * 1000 }}{% endfor %}{% endset %}{{ b|length }}",
    ],
)
def test_template_building_huge_text_is_stopped_before_it_is_built(
    domain: Domain, render: Render, tmp_path: Path, attack: str
) -> None:
    ref = _declare(domain)
    evil = load_templates(_operator_dir(tmp_path, **{"review.md.j2": f"# {{{{ review.ref }}}}\n{attack}\n"}))
    with pytest.raises(VigilError) as caught:
        render(ref, "md", using=evil)
    message = caught.value.message
    assert "review.md.j2, line 2 was stopped by the sandbox" in message and "\n" not in message
    assert "longer than 5,000,000 characters" in message


def test_a_review_longer_than_the_output_limit_is_refused(domain: Domain, render: Render, tmp_path: Path) -> None:
    ref = _declare(domain)
    flood = "{% for _ in range(100000) %}{{ 'x' * 1000 }}{% endfor %}"
    evil = load_templates(_operator_dir(tmp_path, **{"review.md.j2": flood}))
    with pytest.raises(VigilError, match=r"^Review template review\.md\.j2.* longer than 20,000,000 characters"):
        render(ref, "md", using=evil)


def test_a_template_that_runs_too_long_is_stopped(
    domain: Domain, render: Render, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = _declare(domain)
    monkeypatch.setattr(template_limits, "MAX_CPU_SECONDS", 0.2)
    spin = "# {{ review.ref }}\n{% for i in range(5000) %}{% for j in range(5000) %}{% endfor %}{% endfor %}"
    evil = load_templates(_operator_dir(tmp_path, **{"review.md.j2": spin}))
    started = time.thread_time()
    with pytest.raises(VigilError, match=r"review\.md\.j2, line 2 was stopped .* ran for more than 0\.2 s"):
        render(ref, "md", using=evil)
    assert time.thread_time() - started < 1.5


def test_ordinary_padding_formatting_and_joining_still_work(domain: Domain, render: Render, tmp_path: Path) -> None:
    ref = _declare(domain)
    body = (
        "{{ '%-6s|' % 'ab' }}{{ 'ab'.center(6, '*') }}{{ '{:>4}'.format(7) }}{{ ', '.join(['a', 'b']) }}"
        "{{ 'a-b'|replace('-', '+') }}{{ [1, 2]|join('/') }}{{ '%d%%'|format(5) }}"
        "{% set ns = namespace(n='') %}{% for c in 'xyz' %}{% set ns.n = ns.n ~ c %}{% endfor %}{{ ns.n }}"
    )
    mine = load_templates(_operator_dir(tmp_path, **{"review.md.j2": body}))
    assert render(ref, "md", using=mine) == "ab    \\|\\*\\*ab\\*\\*   7a, ba+b1/25%xyz"
