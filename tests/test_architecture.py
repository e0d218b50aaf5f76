"""The house is one-way: no module of wasmlint imports, directly or through others, a module that
imports it back (imports inside functions count: they still tie the two together)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "wasmlint"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """wasmlint module -> the wasmlint modules it imports (a `from package import name` counts as
    the package, or as the submodule when `name` is one)."""
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                           for alias in node.names]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected group of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_back():
    # A package's __init__ re-exporting its own submodules is not a circle of responsibilities:
    # only modules outside each other's package count.
    graph = import_graph()
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not (name.startswith(t + ".") or t.startswith(name + "."))}
    assert cycles(graph) == []


def test_configuration_knows_nothing_of_the_pipeline():
    graph = import_graph()
    # reading.py (the guard every read goes through, questions about files that never raise, the
    # project's boundary) is a leaf.
    assert graph["wasmlint.config"] <= {"wasmlint.findings", "wasmlint.tomlfiles", "wasmlint.reading"}, graph["wasmlint.config"]
    assert graph["wasmlint.tomlfiles"] <= {"wasmlint.reading"}, graph["wasmlint.tomlfiles"]
    assert graph["wasmlint.reading"] == set()


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# The orchestration and the runners of the layers: only check.py (and the CLI above it) may call them.
RUNNERS = {"wasmlint.cli", "wasmlint.check", "wasmlint.plan", "wasmlint.module_layers", "wasmlint.host.run"}
LAYERS = ("wasmlint.source", "wasmlint.module", "wasmlint.runtime", "wasmlint.host")


def test_no_layer_imports_the_orchestration_or_another_layers_runner():
    graph = import_graph()
    layer_modules = [name for name in graph if name.startswith(LAYERS) or name in RUNNERS - {"wasmlint.cli", "wasmlint.check"}]
    assert "wasmlint.host.run" in layer_modules and "wasmlint.module_layers" in layer_modules
    for name in layer_modules:
        reached = graph[name] & (RUNNERS - {name})
        assert reached == set(), f"{name} imports {sorted(reached)}"
