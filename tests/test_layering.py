"""The house rules (docs/design.md): imports point one way, and nothing imports in a circle.

Layers, bottom up: ``errors`` <- ``lang`` <- ``engine`` <- ``declarations`` <- ``sim`` <-
``result``/``report`` <- ``cli`` and the other front rooms. One table says what each room may
not import; every import counts, also those made only for type hints or inside functions.
"""

from __future__ import annotations

import ast
import sys
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "canarysim"

STDLIB_ONLY = "the standard library"
HIGHER = ("canarysim.sim", "canarysim.report", "canarysim.cli", "canarysim.result")

# room (dotted prefix) -> either (STDLIB_ONLY, the package's modules it may import besides) or
# ("forbidden", what it must not import). The most specific prefix wins; rooms not listed
# (cli, the package front, later front rooms) sit on top and may import everything.
RULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "canarysim.errors": (STDLIB_ONLY, ()),
    "canarysim.lang": (STDLIB_ONLY, ("canarysim.errors", "canarysim.lang")),
    "canarysim.engine": (
        STDLIB_ONLY,
        ("canarysim.errors", "canarysim.lang", "canarysim.engine"),
    ),
    "canarysim.declarations": ("forbidden", ("simpy", "matplotlib", *HIGHER)),
    "canarysim.sim": ("forbidden", ("matplotlib", "canarysim.report", "canarysim.cli")),
    "canarysim.result": (
        "forbidden",
        ("simpy", "canarysim.sim", "canarysim.report", "canarysim.cli"),
    ),
    "canarysim.report": ("forbidden", ("simpy", "canarysim.sim", "canarysim.cli")),
    "canarysim.checks": (
        "forbidden",
        ("simpy", "canarysim.sim", "canarysim.report", "canarysim.cli"),
    ),
    "canarysim.testing": (
        "forbidden",
        ("simpy", "canarysim.sim", "canarysim.report", "canarysim.cli"),
    ),
    # the HTML page is built from a Result with numpy and yaml: no plotting library behind it
    "canarysim.report.html": (
        "forbidden",
        ("simpy", "matplotlib", "canarysim.sim", "canarysim.cli"),
    ),
    # Strategy evaluation sits under the CLI; it reaches SimPy only through canarysim.sim.
    "canarysim.evaluation": ("forbidden", ("canarysim.cli", "simpy")),
    # Schedule tuning runs its candidates through the evaluation's executors: no SimPy world.
    "canarysim.tuning": ("forbidden", ("canarysim.cli", "simpy", "canarysim.sim")),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    name = ".".join(parts)
    return name.removesuffix(".__init__")


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """Every absolute import of a module: top level, under TYPE_CHECKING, inside functions.
    ``from a.b import c`` counts as ``a.b.c`` when that is a module of the package."""
    tree = ast.parse(modules()[name].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in modules() else node.module)
    return found


def rule_for(name: str) -> tuple[str, tuple[str, ...]] | None:
    best = None
    for prefix in RULES:
        if (name == prefix or name.startswith(prefix + ".")) and (
            best is None or len(prefix) > len(best)
        ):
            best = prefix
    return RULES[best] if best else None


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("name", sorted(modules()))
def test_imports_point_one_way(name: str) -> None:
    rule = rule_for(name)
    if rule is None:
        return  # a front room (cli, the package's own front): it may import everything
    kind, listed = rule
    imported = imports_of(name)
    if kind == STDLIB_ONLY:
        bad = sorted(
            m
            for m in imported
            if m.split(".")[0] not in sys.stdlib_module_names and not _under(m, listed)
        )
        assert not bad, f"{name} may import only {STDLIB_ONLY} and {listed}, imports {bad}"
        assert not {"random", "time", "datetime"} & {m.split(".")[0] for m in imported}, (
            f"{name} is pure: no clock and no randomness"
        )
    else:
        bad = sorted(m for m in imported if _under(m, listed))
        assert not bad, f"{name} must not import {bad}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycle_finder_finds_a_cycle() -> None:
    """The check below would see a circle if there were one."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_modules() -> None:
    mods = modules()
    graph = {m: {t for t in imports_of(m) if t in mods and t != m} for m in mods}
    assert _cycles(graph) == []


def _room_of(name: str) -> str:
    """A package is a room; a module of a folder that has rooms inside it (a hall module,
    such as ``sim/world.py`` or ``errors.py``) counts on its own."""
    mods = modules()
    if mods[name].name == "__init__.py":
        return name
    folder = name.rpartition(".")[0]
    has_rooms = any(
        p.name == "__init__.py" and m.rpartition(".")[0] == folder for m, p in mods.items()
    )
    return name if has_rooms else folder


def test_no_import_cycle_between_rooms() -> None:
    graph: dict[str, set[str]] = {}
    for m in modules():
        here = _room_of(m)
        graph.setdefault(here, set())
        for t in imports_of(m):
            if t in modules() and _room_of(t) != here:
                graph[here].add(_room_of(t))
    assert _cycles(graph) == []


def test_rooms_stay_small() -> None:
    """At most about a dozen modules a folder, so the tree shows the architecture."""
    counts: dict[Path, int] = {}
    for path in modules().values():
        if path.name != "__init__.py":
            counts[path.parent] = counts.get(path.parent, 0) + 1
    crowded = {str(p.relative_to(PACKAGE.parent)): n for p, n in counts.items() if n > 12}
    assert not crowded


def test_every_room_says_what_it_holds() -> None:
    """Each package's ``__init__`` has a docstring (what the room owns and may import)."""
    silent = [
        name
        for name, path in modules().items()
        if path.name == "__init__.py" and not ast.get_docstring(ast.parse(path.read_text()))
    ]
    assert not silent


def _reads_files(tree: ast.AST) -> bool:
    """A call of ``open(...)``, ``Path.open``, ``read_text`` or ``read_bytes``."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "open":
            return True
        if isinstance(func, ast.Attribute) and func.attr in ("open", "read_text", "read_bytes"):
            return True
    return False


def test_file_reading_is_recognised() -> None:
    assert _reads_files(ast.parse("open('x')"))
    assert _reads_files(ast.parse("Path('x').read_text()"))
    assert not _reads_files(ast.parse("pod.gates_open"))


def test_only_declarations_read_files() -> None:
    """The declarations layer is the only place that opens manifest or scenario files."""
    offenders = [
        str(path.relative_to(PACKAGE))
        for layer in ("lang", "engine", "sim")
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        if _reads_files(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not offenders
