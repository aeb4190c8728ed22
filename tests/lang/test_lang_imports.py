"""The languages are standard library only: importing any of them loads no NumPy, SimPy,
pydantic or PyYAML, and their sources import nothing but the standard library,
``canarysim.errors`` and ``canarysim.lang`` itself.

The import check runs in a fresh interpreter (a subprocess): this test session has long since
imported every heavy dependency.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("numpy", "simpy", "pydantic", "yaml", "matplotlib")
PACKAGE_DIR = Path(__file__).resolve().parents[2] / "canarysim"
LANG_FILES = sorted((PACKAGE_DIR / "lang").rglob("*.py"))


def test_every_lang_module_imports_without_heavy_dependencies() -> None:
    code = (
        "import importlib, json, pkgutil, sys\n"
        "import canarysim.lang as lang\n"
        "names = [i.name for i in pkgutil.walk_packages(lang.__path__, 'canarysim.lang.')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "outside = sorted(m for m in sys.modules if m.startswith('canarysim.')\n"
        "                 and not m.startswith(('canarysim.lang', 'canarysim.errors')))\n"
        "print(json.dumps([names, heavy, outside]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    names, heavy, outside = json.loads(out.stdout.strip().splitlines()[-1])
    # The walk really saw both languages' modules (a test that imported nothing would pass).
    assert "canarysim.lang.promql.evaluator" in names
    assert "canarysim.lang.expr.evaluate" in names
    assert heavy == []
    assert outside == []


@pytest.mark.parametrize("path", LANG_FILES, ids=lambda p: str(p.relative_to(PACKAGE_DIR)))
def test_lang_sources_import_only_the_standard_library(path: Path) -> None:
    """Also imports under ``if TYPE_CHECKING`` or inside functions, which a run never loads."""
    allowed_own = ("canarysim.errors", "canarysim.lang")
    bad = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            if name == "mutmut.mutation.trampoline":
                continue  # mutmut's instrumentation in its mutated copies, not our code
            top = name.split(".")[0]
            if top == "canarysim":
                if not (
                    name in allowed_own or name.startswith(tuple(a + "." for a in allowed_own))
                ):
                    bad.append(name)
            elif top == "mutmut" and "MUTANT_UNDER_TEST" in os.environ:
                continue  # the trampoline mutmut writes into its mutated copies (tests/README.md)
            elif top not in sys.stdlib_module_names and top != "__future__":
                bad.append(name)
    assert bad == [], f"{path.name} imports {bad}"
