"""The house the product is built as: ``vigil`` assembles processes on top; ``bot`` (Slack) and ``web`` (routers)
side by side beneath it, neither importing the other; ``incidents``, the domain, at the bottom, importing none of
them. A second chat adapter or an API-only process is then a new module in ``vigil``, not surgery in ``bot``.

Every import counts, at module level or inside a function (an import moved into a function to dodge a cycle is
still a dependency); only those under ``if TYPE_CHECKING:`` are left out, since they never run. The same graph
holds no import cycle among the product's modules: a cycle is fixed, not dodged by moving an import into a
function (which this graph sees).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("vigil", "bot", "web", "incidents")
FORBIDDEN = {
    "incidents": {"bot", "web", "vigil"},
    "bot": {"web", "vigil"},
    "web": {"bot", "vigil"},
}
"""What each package may not import (``vigil`` may import them all)."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[str, list[str]]]:
    """Every import in ``tree`` (also inside functions and classes, but not under ``if TYPE_CHECKING:``) as the
    absolute name it imports from and the names it imports (none for ``import a.b``)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield from _imports(child, module, is_package)
            continue
        if isinstance(node, ast.Import):
            yield from ((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            prefix = node.module or ""
            if node.level:
                parts = module.split(".")
                base = parts[: len(parts) - node.level + (1 if is_package else 0)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            yield prefix, [alias.name for alias in node.names]
        yield from _imports(node, module, is_package)


def _graph() -> dict[str, set[str]]:
    """Each product module → the product modules it imports. ``from a import b`` imports the module ``a.b`` when
    there is one, else ``a``. Importing ``a.b`` from outside ``a`` imports the package ``a`` too: Python runs
    ``a/__init__.py`` first, and whatever that imports is then part of the import."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for prefix, names in _imports(ast.parse(path.read_text(), str(path)), name, path.name == "__init__.py"):
            submodules = {f"{prefix}.{n}" for n in names} & modules.keys()
            targets |= submodules
            if prefix in modules and (not names or len(submodules) < len(names)):
                targets.add(prefix)
        entered = {p for t in targets for p in _entered_packages(t, name)} & modules.keys()
        graph[name] = (targets | entered) - {name}
    return graph


def _entered_packages(target: str, importer: str) -> Iterator[str]:
    """The packages whose ``__init__`` runs when ``importer`` imports ``target``: ``target``'s enclosing packages
    that do not enclose ``importer`` too (those have started running before ``importer`` did)."""
    parts = target.split(".")
    for depth in range(1, len(parts)):
        package = ".".join(parts[:depth])
        if not (importer + ".").startswith(package + "."):
            yield package


def _package(module: str) -> str:
    return module.split(".", 1)[0]


def _cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


GRAPH = _graph()


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_nothing_above_or_beside_it(package: str) -> None:
    crossings = sorted(
        f"{source} → {target}"
        for source, targets in GRAPH.items()
        if _package(source) == package
        for target in targets
        if _package(target) in FORBIDDEN[package]
    )
    assert crossings == []


def test_no_import_cycles() -> None:
    assert [sorted(cycle) for cycle in _cycles(GRAPH)] == []


def test_imports_inside_functions_count_and_type_checking_ones_do_not() -> None:
    source = """
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    import web.app
def later():
    from bot import http
    from .sibling import name
"""
    found = list(_imports(ast.parse(source), "vigil.cli.serve", is_package=False))
    assert found == [("typing", ["TYPE_CHECKING"]), ("bot", ["http"]), ("vigil.cli.sibling", ["name"])]
    assert "vigil.process" in GRAPH["vigil.cli.serve"], "vigil serve loads the process inside a function"


def test_importing_a_module_from_outside_its_package_runs_the_package() -> None:
    assert list(_entered_packages("incidents.reviews.models", "incidents.schema")) == ["incidents.reviews"]
    assert list(_entered_packages("incidents.reviews.models", "incidents.reviews.export")) == []
    assert list(_entered_packages("incidents.reviews.models", "bot.http")) == ["incidents", "incidents.reviews"]


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [frozenset({"a", "b", "c"})]
