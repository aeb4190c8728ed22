"""Terminal views, summaries, output files and plots of a :class:`~canarysim.result.Result`.

Never imports SimPy: everything here works on a Result read back from ``result.json``.

* :mod:`~canarysim.report.getview`: ``kubectl argo rollouts get rollout`` from a snapshot;
* :mod:`~canarysim.report.timeline`: what happened, one line per thing that matters;
* :mod:`~canarysim.report.summary`: time to promotion, requests and errors, exit code;
* :mod:`canarysim.report.steps`: the step plan and how long a rollout takes at least (its room:
  the plan, from a scenario, the table, the progress in a run);
* :mod:`~canarysim.report.files`: ``--out DIR`` (atomic writes);
* :mod:`~canarysim.report.chartdata`: what the charts show (step bands, marks, traffic per
  image), shared by ``--plot`` and the HTML report;
* :mod:`~canarysim.report.plots`: ``--plot`` (matplotlib, Agg backend);
* :mod:`canarysim.report.html`: ``--html`` and ``canarysim report``, one self-contained page.
"""

from __future__ import annotations

from typing import Any

# PEP 562: the names below load their module on first use, so ``canarysim steps`` (which needs
# only report.steps) never pays for NumPy through report.summary.
_LAZY = {
    "exit_code": "summary",
    "render_rollout": "getview",
    "render_summary": "summary",
    "render_timeline": "timeline",
    "summarize": "summary",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'canarysim.report' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"canarysim.report.{_LAZY[name]}"), name)


__all__ = ["exit_code", "render_rollout", "render_summary", "render_timeline", "summarize"]
