"""The engine is standard library only: importing it loads no SimPy, NumPy or pydantic.

Checked in a fresh interpreter (a subprocess), since this test session has long since imported
all three.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("simpy", "numpy", "pydantic", "yaml", "matplotlib")
PACKAGE_DIR = Path(__file__).resolve().parents[2] / "canarysim"


def _loaded_after(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; return the heavy modules it left loaded."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    # A generous bound: under mutmut every mutated module carries all its mutants, and the
    # mutation runs share the machine; the bound only keeps a hang from stalling the suite.
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=600
    )
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def test_engine_package_alone_loads_no_heavy_dependency() -> None:
    """Every engine module, with the parent package reduced to a bare namespace (so only the
    engine's own imports count), pulls in nothing outside the standard library."""
    code = (
        "import importlib, pkgutil, sys, types\n"
        f"parent = types.ModuleType('canarysim'); parent.__path__ = [{str(PACKAGE_DIR)!r}]\n"
        "sys.modules['canarysim'] = parent\n"
        "import canarysim.engine as engine\n"
        "for info in pkgutil.walk_packages(engine.__path__, 'canarysim.engine.'):\n"
        "    importlib.import_module(info.name)\n"
        "from canarysim.engine.rollout.canary import decide\n"
        "heavy = ('canarysim.sim', 'canarysim.declarations', 'canarysim.result')\n"
        "assert not any(m.startswith(heavy) for m in sys.modules)\n"
    )
    assert _loaded_after(code) == []


def test_import_canarysim_engine_loads_no_heavy_dependency() -> None:
    """``import canarysim.engine`` as users write it, parent package included, loads no SimPy,
    NumPy, pydantic, PyYAML or matplotlib."""
    assert _loaded_after("import canarysim.engine, canarysim.engine.rollout.canary") == []
    assert _loaded_after("import canarysim") == []
