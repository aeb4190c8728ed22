"""Terminal views, summaries, output files and plots of a :class:`~canarysim.result.Result`.

Never imports SimPy: everything here works on a Result read back from ``result.json``.

* :mod:`~canarysim.report.getview`: ``kubectl argo rollouts get rollout`` from a snapshot;
* :mod:`~canarysim.report.timeline`: what happened, one line per thing that matters;
* :mod:`~canarysim.report.summary`: time to promotion, requests and errors, exit code;
* :mod:`~canarysim.report.steps`: the step plan and how long a rollout takes at least;
* :mod:`~canarysim.report.files`: ``--out DIR`` (atomic writes);
* :mod:`~canarysim.report.chartdata`: what the charts show (step bands, marks, traffic per
  image), shared by ``--plot`` and the HTML report;
* :mod:`~canarysim.report.plots`: ``--plot`` (matplotlib, Agg backend);
* :mod:`canarysim.report.html`: ``--html`` and ``canarysim report``, one self-contained page.
"""

from __future__ import annotations

from canarysim.report.getview import render_rollout
from canarysim.report.summary import exit_code, render_summary, summarize
from canarysim.report.timeline import render_timeline

__all__ = ["exit_code", "render_rollout", "render_summary", "render_timeline", "summarize"]
