"""``--out DIR`` of a tuning, each file written whole or not at all, with ordinary permissions.

* ``steps.yaml``: the recommended ``steps:`` block, to paste under ``spec.strategy.canary``;
* ``analysis-templates.yaml``: the AnalysisTemplate with the tuned knobs (only when tuned);
* ``report.json``: :meth:`~canarysim.tuning.result.Tuning.report` (``canarysim.tune/v1``);
* ``candidates.csv``: one row per candidate, its figures and intervals, ``pareto`` marked;
* ``pareto.png``: the front (:mod:`.front`).

Without a recommendation ``steps.yaml`` is not written (nothing meets the budget). The bytes
depend only on the scenario, the options and the seed.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from canarysim.evaluation.files import write_atomic

__all__ = ["candidates_csv", "write_tuning"]

_FIELDS = (
    ("detection", "detection"),
    ("false_rollback", "false_rollback"),
    ("blast_radius", "blast_radius_mean"),
    ("time_to_promotion", "time_to_promotion_median"),
)


def _cell(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float):
        return f"{x:.6g}"
    text = str(x)
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def candidates_csv(report: dict[str, Any]) -> str:
    head = ["label", "weights", "pause_s", "knobs", "runs", "passes", "pareto"]
    for name, _ in _FIELDS:
        head += [name, f"{name}_low", f"{name}_high"]
    out = io.StringIO()
    out.write(",".join(head) + "\n")
    for c in report["candidates"]:
        f = c["figures"]
        row = [
            c["label"],
            "/".join(map(str, c["weights"])),
            c["pause"],
            ";".join(f"{k}={v}" for k, v in c["knobs"].items()),
            f["runs"],
            f["passes"],
            c["pareto"],
        ]
        for _, key in _FIELDS:
            row += [f[key]["value"], f[key]["low"], f[key]["high"]]
        out.write(",".join(_cell(x) for x in row) + "\n")
    return out.getvalue()


def write_tuning(tuning: Any, root: Path, *, plots: bool = True) -> list[Path]:
    report = tuning.report()
    written = []
    if tuning.found:
        header = (
            f"# canarysim tune {tuning.scenario_name}, seed {tuning.seed}: "
            f"{tuning.recommended.label}\n# paste under spec.strategy.canary of the Rollout\n"
        )
        written.append(write_atomic(root / "steps.yaml", header + tuning.steps_yaml()))
        if tuning.templates():
            written.append(write_atomic(root / "analysis-templates.yaml", tuning.templates_yaml()))
    written.append(write_atomic(root / "report.json", json.dumps(report, indent=1) + "\n"))
    written.append(write_atomic(root / "candidates.csv", candidates_csv(report)))
    if plots:
        buf = io.BytesIO()
        # no timestamp in the PNG: the same tuning gives the same bytes
        tuning.plot().savefig(buf, format="png", dpi=110, metadata={"Software": None})
        written.append(write_atomic(root / "pareto.png", buf.getvalue()))
    return written
