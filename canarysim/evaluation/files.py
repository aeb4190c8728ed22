"""``--out DIR`` of a sweep: ``runs.csv``, ``report.json`` and ``plots/*.png``, each written
whole or not at all (temporary file, then rename).

``runs.csv`` has one row per run: ``label`` then :data:`~canarysim.evaluation.outcome.COLUMNS`;
floats with up to 6 significant digits, ``nan`` as an empty field. ``report.json`` is
:func:`~canarysim.evaluation.risk.risk_report` (schema in docs/sweep-report.md). The bytes depend
only on the scenario, the variants, the runs and the seed.
"""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path
from typing import Any

from canarysim.evaluation.outcome import COLUMN_NAMES
from canarysim.report.files import write_atomic as _write_atomic

__all__ = ["runs_csv", "write_sweep"]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Written whole or not at all, with the permissions a plain ``open`` would give (the
    temporary file is private until renamed)."""
    written = _write_atomic(path, data)
    os.chmod(written, 0o666 & ~_umask())
    return written


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "" if not math.isfinite(value) else f"{value:.6g}"
    text = str(value)
    if any(ch in text for ch in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def runs_csv(sweep: Any) -> str:
    cols = sweep.columns
    out = io.StringIO()
    out.write(",".join(("label", *COLUMN_NAMES)) + "\n")
    lists = {name: cols[name].tolist() for name in COLUMN_NAMES}
    for i in range(len(sweep)):
        label = sweep.labels[lists["variant"][i]]
        out.write(",".join([_cell(label), *(_cell(lists[n][i]) for n in COLUMN_NAMES)]) + "\n")
    return out.getvalue()


def write_sweep(sweep: Any, root: Path, confidence: float, *, plots: bool = True) -> list[Path]:
    report = sweep.report(confidence)
    written = [
        write_atomic(root / "runs.csv", runs_csv(sweep)),
        write_atomic(root / "report.json", json.dumps(report, indent=1) + "\n"),
    ]
    if plots:
        from canarysim.evaluation.plots import sweep_figures

        for name, fig in sweep_figures(sweep, report).items():
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=110)
            written.append(write_atomic(root / "plots" / f"{name}.png", buf.getvalue()))
    return written
