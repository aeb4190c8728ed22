"""The notebooks under notebooks/ still run against the current code.

Each notebook's code cells are executed in order, in one namespace, in this process (no Jupyter
needed in CI), with matplotlib's non-interactive Agg backend. The notebooks end with a cell of
asserts on what they claim (e.g. the aggressive schedule promotes sooner than the slow one), so a
change in behaviour that makes a notebook's story wrong fails here, not only a crash.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import matplotlib
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


def code_cells(path: Path) -> list[str]:
    """The source of each code cell, in order (nbformat 4 JSON, read with the stdlib)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb.get("nbformat") == 4, f"{path.name}: not an nbformat 4 notebook"
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = cell["source"]
        text = "".join(source) if isinstance(source, list) else source
        magics = [ln for ln in text.splitlines() if ln.lstrip().startswith(("%", "!"))]
        assert not magics, f"{path.name}: IPython magics keep it from running as Python: {magics}"
        cells.append(text)
    return cells


def test_there_are_notebooks() -> None:
    assert {p.name for p in PATHS} >= {
        "weight-schedules.ipynb",
        "analysis-thresholds.ipynb",
        "engine-by-hand.ipynb",
    }


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(path.parent)  # as Jupyter runs it: from the notebook's folder
    namespace: dict[str, object] = {"__name__": "__notebook__"}
    try:
        for i, source in enumerate(code_cells(path)):
            code = compile(source, f"{path.name}[cell {i}]", "exec")
            exec(code, namespace)
    finally:
        plt.close("all")
    assert os.getcwd() == str(path.parent)


def test_committed_outputs_are_small_and_clean() -> None:
    """Committed notebooks carry their outputs (they read well on GitHub) but stay small and
    hold no error output or machine paths."""
    total = 0
    for path in PATHS:
        text = path.read_text(encoding="utf-8")
        total += len(text)
        nb = json.loads(text)
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            assert cell.get("execution_count"), f"{path.name}: a code cell was not executed"
            for out in cell["outputs"]:
                assert out["output_type"] != "error", f"{path.name}: committed with an error"
        for marker in ("/work/", "/tmp/", "/home/"):
            assert marker not in text, f"{path.name}: contains a machine path ({marker})"
    assert total < 1_500_000
