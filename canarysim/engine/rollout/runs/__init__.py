"""When AnalysisRuns and Experiments start, stop, pause or abort the rollout.

``reconcile_experiments`` is ``reconcileExperiments`` (rollout/experiment.go, in
:mod:`.experiments`) and ``reconcile_analysis_runs`` is ``reconcileAnalysisRuns`` with its step
and background halves (rollout/analysis.go, in :mod:`.analysis`); blue-green's pre- and
post-promotion runs are in :mod:`.promotion`, and the rollback tests that cancel every run in
:mod:`.rollback`. The runs themselves are executed by the simulator; the engine only names
them, starts and terminates them, and reacts to their phase: Failed/Error abort the rollout,
Inconclusive pauses it (argo-analysis §5).
"""

from __future__ import annotations

from canarysim.engine.rollout.runs.analysis import reconcile_analysis_runs, run_status
from canarysim.engine.rollout.runs.experiments import (
    experiment_successful,
    reconcile_experiments,
)
from canarysim.engine.rollout.runs.promotion import (
    current_promotion_runs,
    reconcile_promotion_runs,
    skip_post_promotion,
)
from canarysim.engine.rollout.runs.rollback import (
    is_fast_rollback,
    is_rollback,
    rollback_within_window,
)

__all__ = [
    "current_promotion_runs",
    "experiment_successful",
    "is_fast_rollback",
    "is_rollback",
    "reconcile_analysis_runs",
    "reconcile_experiments",
    "reconcile_promotion_runs",
    "rollback_within_window",
    "run_status",
    "skip_post_promotion",
]
