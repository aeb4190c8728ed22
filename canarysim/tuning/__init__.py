"""Schedule tuning: the fastest canary schedule that stays within a risk budget.

``canarysim.tune(scenario, regression, detect=, false_rollback=, ...)`` searches weight
schedules (and, if asked, analysis knobs) of a scenario's Rollout; each candidate is judged by
sweep runs on common random numbers against the good canary and a regressed one, and passes
only when the conservative end of every interval meets the budget. Runs are spent by
successive halving (docs/tuning.md says why).

* :mod:`.space`: the candidates (families linear, exponential, custom; bounds);
* :mod:`.knobs`: analysis knobs (interval, count, failureLimit, a success threshold);
* :mod:`.regression`: the regressed canary from ``versions."IMAGE".FIELD=VALUE``;
* :mod:`.budget`: the budget, a candidate's figures with intervals, pass/plausible;
* :mod:`.search`: runs through the sweep executors, successive halving;
* :mod:`.tune`: ``tune(...)`` -> :class:`~.result.Tuning`;
* :mod:`.result`, :mod:`.render`, :mod:`.front`, :mod:`.files`: the report (``report.json``,
  text), the paste-ready ``steps:``, the Pareto front and its plot, ``--out DIR``.

May import: numpy, yaml, matplotlib (plots only), :mod:`canarysim.errors`,
:mod:`canarysim.engine` (durations), :mod:`canarysim.declarations`, :mod:`canarysim.evaluation`
(variants, seeds, executors, stats, atomic files). Never SimPy, :mod:`canarysim.sim` (runs go
through the evaluation's executors) or :mod:`canarysim.cli` (:mod:`canarysim.cli.tune` sits on
top of it).
"""

from canarysim.tuning.result import Tuning
from canarysim.tuning.tune import tune

__all__ = ["Tuning", "tune"]
