"""Imports point one way: engine <- spec <- sim <- result/report/cli (docs/design.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "canarysim"

# For each layer, the canarysim modules and third-party packages it must not import.
FORBIDDEN = {
    "engine": (
        "canarysim.declarations",
        "canarysim.sim",
        "canarysim.report",
        "canarysim.cli",
        "canarysim.result",
        "simpy",
        "numpy",
        "pydantic",
        "yaml",
        "matplotlib",
        "random",
        "time",
        "datetime",
    ),
    "spec": ("canarysim.sim", "canarysim.report", "canarysim.cli", "simpy"),
    "sim": ("canarysim.report", "canarysim.cli"),
    "report": ("canarysim.sim", "canarysim.cli", "simpy"),
    # Strategy evaluation sits under the CLI; it reaches SimPy only through canarysim.sim.
    "evaluation": ("canarysim.cli", "simpy"),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def layer_files():
    for layer in FORBIDDEN:
        folder = PACKAGE / layer
        files = sorted(folder.rglob("*.py")) if folder.is_dir() else []
        if layer == "report":
            files += [p for p in (PACKAGE / "result.py",) if p.exists()]
        for path in files:
            yield pytest.param(layer, path, id=str(path.relative_to(PACKAGE)))


@pytest.mark.parametrize(("layer", "path"), list(layer_files()))
def test_imports_point_one_way(layer, path):
    bad = sorted(
        name
        for name in imported_modules(path)
        for forbidden in FORBIDDEN[layer]
        if name == forbidden or name.startswith(forbidden + ".")
    )
    assert not bad, f"{path.name} ({layer} layer) imports {bad}"


def test_only_spec_reads_files():
    """The spec layer is the only place that opens manifest or scenario files."""
    offenders = []
    for layer in ("engine", "sim"):
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if "open(" in text.replace("env.open(", "") or "read_text(" in text:
                offenders.append(str(path.relative_to(PACKAGE)))
    assert not offenders
