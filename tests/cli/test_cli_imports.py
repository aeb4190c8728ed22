"""``validate`` and ``steps`` start fast: neither loads the SimPy world nor NumPy.

Checked in a fresh interpreter (a subprocess), since this test session has long since imported
both.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parents[2] / "scenarios" / "imesh-canary" / "scenario.yaml"
PROBE = """
import io, sys
from canarysim.cli import main
code = main([{command!r}, {path!r}], out=io.StringIO())
heavy = sorted(m for m in ("numpy", "simpy", "canarysim.sim.world") if m in sys.modules)
print(code, "heavy:" + ",".join(heavy))
"""


@pytest.mark.parametrize("command", ["validate", "steps"])
def test_command_does_not_load_simulation_modules(command: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(command=command, path=str(SEED))],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["0", "heavy:"]
