"""The package layout docs/ARCHITECTURE.md describes: no import cycles, imports go down.

Reads every module's module-level imports with `ast` (nothing is imported or run).
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "tfk_tokfrag"
BASE = {"_validation", "_keras_internals", "_stale_files", "_warnings", "version"}
# What each part of the package may import (besides itself), as the doc's table says.
ALLOWED = {
    "layers": BASE,
    "models": BASE | {"layers"},
    "data": BASE,
    "export": BASE | {"data"},  # reading request files (video files) is data reading
    "monitoring": BASE | {"layers"},
    "baselines": BASE | {"data"},  # anchors read data as the models do, nothing else
    "training": BASE | {"layers", "models", "data", "export", "monitoring"},
}
MAX_LINES = 500


def _module_name(path: pathlib.Path) -> str:
    parts = ("tfk_tokfrag", *path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imports(path: pathlib.Path) -> set[str]:
    """The tfk_tokfrag modules `path` imports at module level (not inside functions)."""
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name in MODULES}


def _part(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def test_no_import_cycles():
    graph = {}
    for name, path in MODULES.items():
        # A module's own packages are being initialized when it runs: not a cycle.
        ancestors = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        graph[name] = _imports(path) - ancestors - {name}
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycle = stack[stack.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_imports_go_down_the_layers(part):
    wrong = []
    for name, path in MODULES.items():
        if _part(name) != part:
            continue
        for imported in _imports(path):
            target = _part(imported)
            if target and target != part and target not in ALLOWED[part]:
                wrong.append(f"{name} imports {imported}")
    assert not wrong, wrong


def test_no_module_over_the_size_limit():
    too_long = {name: n for name, path in MODULES.items()
                if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not too_long, too_long


def test_imports_are_at_module_level():
    # A function-level import would hide a cycle from the test above; one is only for an
    # optional heavy dependency (add it to OPTIONAL when one comes).
    optional = {"av", "sktime"}  # PyAV: the `video` extra; sktime: benchmark anchors
    nested = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Import | ast.ImportFrom):
                        modules = ([a.name for a in inner.names] if isinstance(inner, ast.Import)
                                   else [inner.module or ""])
                        nested += [f"{name}: {m}" for m in modules
                                   if m.split(".")[0] not in optional]
    assert not nested, nested
