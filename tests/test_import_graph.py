"""The import graph of ``desktop/``: no cycles, and the layers point one way (README, "Layout").

Every import counts: module level, inside functions and under ``if TYPE_CHECKING``. The graph is
built by grimp; alembic's migration scripts (loaded by path, not a package) are added from their AST.
"""

from __future__ import annotations

import ast
import functools
import pathlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import grimp
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = "desktop"
QT = ("PySide6", "qasync")
# Modules that build the application and so may see every layer.
ENTRY_POINTS = ("desktop.__main__", "desktop.launch", "desktop.app", "desktop.bootstrap", "desktop.selftest")
UI_OWNERS = ("desktop.launch", "desktop.app", "desktop.selftest")  # besides desktop.ui itself
# Leaf helpers below every layer (bundled-file paths, the uvicorn runner): they import nothing of desktop.
NEUTRAL = ("desktop.paths", "desktop.asgi_server")
# Pure-Python helpers every layer may use: gettext catalogs (which read bundled files through desktop.paths).
SHARED = ("desktop.i18n",)


def _within(module: str, *prefixes: str) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def build_graph(package: str, root: pathlib.Path) -> grimp.ImportGraph:
    """The package's graph (external packages squashed to their top name) plus its loose scripts."""
    graph = grimp.build_graph(package, include_external_packages=True, cache_dir=None)
    for path in sorted((root / package).rglob("*.py")):
        if (path.parent / "__init__.py").exists():
            continue  # grimp has it
        _add_script(graph, ".".join(path.relative_to(root).with_suffix("").parts), path)
    return graph


def _add_script(graph: grimp.ImportGraph, name: str, path: pathlib.Path) -> None:
    graph.add_module(name)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            targets = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            imported = _known_prefix(graph, target)
            if imported is not None:
                graph.add_import(importer=name, imported=imported, line_number=node.lineno,
                                 line_contents=ast.unparse(node))


def _known_prefix(graph: grimp.ImportGraph, dotted: str) -> str | None:
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in graph.modules:
            return candidate
    return None


@functools.cache
def _desktop_graph() -> grimp.ImportGraph:
    return build_graph(PACKAGE, ROOT)


@pytest.fixture
def graph() -> grimp.ImportGraph:
    return _desktop_graph()


def _internal(graph: grimp.ImportGraph, package: str = PACKAGE) -> list[str]:
    return sorted(m for m in graph.modules if _within(m, package))


def _packages(graph: grimp.ImportGraph) -> list[str]:
    return sorted({m.rsplit(".", 1)[0] for m in _internal(graph) if "." in m} | {PACKAGE})


def strongly_connected(graph: grimp.ImportGraph, modules: list[str]) -> list[list[str]]:
    """Tarjan's components of more than one module (or one importing itself), iteratively."""
    members = set(modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & members) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in modules:
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(edges[nxt])))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in edges[node]:
                        found.append(sorted(component))
    return found


def _common_package(modules: list[str]) -> str:
    parts = [m.split(".")[:-1] for m in modules]
    common: list[str] = []
    for level in zip(*parts):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    return ".".join(common)


def describe_cycle(graph: grimp.ImportGraph, component: list[str]) -> str:
    """One concrete cycle through the component, each step with the line that makes it."""
    first = component[0]
    members = set(component)
    step = min(graph.find_modules_directly_imported_by(first) & members)
    back = graph.find_shortest_chain(importer=step, imported=first) or (step, first)
    path = [first, *back]
    lines = []
    for importer, imported in zip(path, path[1:]):
        details = graph.get_import_details(importer=importer, imported=imported)
        where = f"line {details[0]['line_number']}: {details[0]['line_contents']}" if details else ""
        lines.append(f"  {importer} -> {imported}   ({where})")
    return " -> ".join(path) + "\n" + "\n".join(lines)


@pytest.mark.parametrize("package", _packages(_desktop_graph()))
def test_no_import_cycle(graph: grimp.ImportGraph, package: str) -> None:
    """Each package is checked for cycles whose modules all sit in it (so a failure names the package)."""
    cycles = [c for c in strongly_connected(graph, _internal(graph)) if _common_package(c) == package]
    assert not cycles, "import cycle(s):\n" + "\n".join(describe_cycle(graph, c) for c in cycles)


@dataclass(frozen=True)
class Rule:
    """Modules of desktop/ that ``importers`` accepts may not import a module ``forbidden`` accepts."""

    name: str
    importers: Callable[[str], bool]
    forbidden: Callable[[str], bool]

    def violations(self, graph: grimp.ImportGraph, package: str = PACKAGE) -> list[str]:
        """Each forbidden import as "importer line N: the import statement"."""
        importers = [m for m in _internal(graph, package) if self.importers(m)]
        assert importers, f"the rule {self.name!r} applies to no module: its prefixes are wrong"
        found = []
        for importer in importers:
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                if not self.forbidden(imported):
                    continue
                for detail in graph.get_import_details(importer=importer, imported=imported) or [{}]:
                    found.append(f"{importer} line {detail.get('line_number', '?')}: "
                                 f"{detail.get('line_contents', imported)}")
        return found


RULES = [
    Rule("domain imports only domain",
         lambda m: _within(m, "desktop.domain"),
         lambda i: _within(i, PACKAGE) and not _within(i, "desktop.domain", *SHARED, *NEUTRAL)),
    Rule("storage imports only domain and storage",
         lambda m: _within(m, "desktop.storage"),
         lambda i: _within(i, PACKAGE) and not _within(i, "desktop.domain", "desktop.storage", *SHARED, *NEUTRAL)),
    Rule("the neutral helpers import nothing of desktop",
         lambda m: _within(m, *NEUTRAL),
         lambda i: _within(i, PACKAGE)),
    Rule("services import no UI and no Qt",
         lambda m: _within(m, "desktop.services"),
         lambda i: _within(i, "desktop.ui", *QT)),
    Rule("only the checkout package and the entry points import the HTTP adapter",
         lambda m: not _within(m, "desktop.services.checkout", *ENTRY_POINTS),
         lambda i: _within(i, "desktop.services.checkout")),
    Rule("simulator imports nothing from services, ui or storage",
         lambda m: _within(m, "desktop.simulator"),
         lambda i: _within(i, "desktop.services", "desktop.ui", "desktop.storage")),
    Rule("only the UI imports Qt",
         lambda m: not _within(m, "desktop.ui", *UI_OWNERS),
         lambda i: _within(i, *QT)),
    Rule("only the UI and its owners import desktop.ui",
         lambda m: not _within(m, "desktop.ui", *UI_OWNERS),
         lambda i: _within(i, "desktop.ui")),
]


@pytest.mark.parametrize("rule", RULES, ids=[rule.name for rule in RULES])
def test_layer_rule(graph: grimp.ImportGraph, rule: Rule) -> None:
    violations = rule.violations(graph)
    assert not violations, f"{rule.name}:\n  " + "\n  ".join(violations)


def test_graph_sees_every_module_and_every_kind_of_import(graph: grimp.ImportGraph) -> None:
    files = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
             for p in (ROOT / PACKAGE).rglob("*.py")}
    assert files == set(_internal(graph))
    # function-local (desktop/__main__.py) and a migration script's import
    assert graph.direct_import_exists(importer="desktop.__main__", imported="desktop.simulator.cli")
    assert graph.direct_import_exists(importer="desktop.storage.migrations.env", imported="desktop.storage.orm")


def test_checker_reports_a_hidden_cycle_and_a_forbidden_import(tmp_path: pathlib.Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A cycle made by a TYPE_CHECKING import and a function-local one is found, path and lines named."""
    pkg = tmp_path / "cyclepkg"
    (pkg / "inner").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "inner" / "__init__.py").write_text("")
    (pkg / "inner" / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from cyclepkg.inner import b\n")
    (pkg / "inner" / "b.py").write_text("def f():\n    from . import c\n")
    (pkg / "inner" / "c.py").write_text("import cyclepkg.inner.a\n")
    (pkg / "d.py").write_text("import cyclepkg.inner.c\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    small = build_graph("cyclepkg", tmp_path)
    components = strongly_connected(small, _internal(small, "cyclepkg"))
    assert components == [["cyclepkg.inner.a", "cyclepkg.inner.b", "cyclepkg.inner.c"]]
    assert _common_package(components[0]) == "cyclepkg.inner"
    report = describe_cycle(small, components[0])
    assert report.startswith("cyclepkg.inner.a -> cyclepkg.inner.b -> cyclepkg.inner.c -> cyclepkg.inner.a\n")
    assert "line 3: from cyclepkg.inner import b" in report
    assert "line 2: from . import c" in report
    rule = Rule("d leaves inner alone", lambda m: _within(m, "cyclepkg.d"), lambda i: _within(i, "cyclepkg.inner"))
    assert rule.violations(small, "cyclepkg") == ["cyclepkg.d line 1: import cyclepkg.inner.c"]
