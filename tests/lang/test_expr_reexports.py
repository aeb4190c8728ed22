"""``canarysim.lang.expr`` imports nothing itself, so that a module needing only the room's
values (the run spec quotes arguments as Go does) does not load the evaluator and PromQL."""

from __future__ import annotations

import subprocess
import sys


def _loaded_after(statement: str) -> list[str]:
    probe = f"import sys; {statement}; print(sorted(m for m in sys.modules if 'canarysim' in m))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return list(eval(out.stdout))


def test_the_values_load_without_the_evaluator():
    loaded = _loaded_after("import canarysim.lang.expr.values")
    assert "canarysim.lang.expr.values" in loaded
    assert "canarysim.lang.expr.evaluate" not in loaded
    assert not any(m.startswith("canarysim.lang.promql") for m in loaded)


def test_the_evaluator_still_loads_what_it_needs():
    loaded = _loaded_after("from canarysim.lang.expr.evaluate import evaluate_bool")
    assert {"canarysim.lang.expr.check", "canarysim.lang.promql.functions"} <= set(loaded)
