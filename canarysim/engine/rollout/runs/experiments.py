"""``reconcileExperiments`` (rollout/experiment.go): the Experiment of an ``experiment`` step
created (or adopted), followed and cancelled; Inconclusive pauses the rollout, Failed/Error
abort it."""

from __future__ import annotations

from canarysim.engine.model import (
    Experiment,
    ExperimentView,
    RunStatus,
    StartExperiment,
    TerminateExperiment,
    step_part,
)
from canarysim.engine.rollout.context import COMPLETED_PHASES, Context
from canarysim.engine.rollout.pause import (
    INCONCLUSIVE_ANALYSIS,
    INCONCLUSIVE_EXPERIMENT,
)


def reconcile_experiments(ctx: Context) -> None:
    """Create the experiment of an ``experiment`` step, follow its phase, cancel the rest."""
    if not ctx.obs.experiments and step_part(ctx.current_step()[0], Experiment) is None:
        return  # nothing to follow or cancel (a current one is one observed), nor to create
    status = ctx.status
    current = ctx.current_ex
    others = [e for e in ctx.obs.experiments if e is not current]
    if ctx.pause.is_aborted() or status.promote_full:
        for ex in [*others, *([current] if current else [])]:
            _terminate_experiment(ctx, ex)
        return
    if ctx.pause.condition(INCONCLUSIVE_ANALYSIS) is not None:
        # Argo returns before SetCurrentExperiment, so the status forgets the experiment
        # (left running); on resume, creating it again finds it by name and adopts it.
        return
    whole, index = ctx.current_step()
    step = step_part(whole, Experiment)
    if step is not None and index is not None:
        assert ctx.new_rs is not None  # created before any stage runs
        if current is None:
            if ctx.stable_rs is None:
                return
            current = _create_experiment(ctx, step, index, ctx.new_rs.hash, ctx.stable_rs.hash)
            others = [e for e in others if e is not current]
        if current is not None:  # None: created just now, no phase yet
            _follow_experiment(ctx, current)
    elif current is not None:
        others.append(current)
    for ex in others:
        _terminate_experiment(ctx, ex)


def _follow_experiment(ctx: Context, current: ExperimentView) -> None:
    """Inconclusive pauses the rollout, Failed/Error abort it; Successful is no longer
    the status's experiment."""
    phase = current.phase
    if phase == "Inconclusive":
        ctx.pause.add_pause(INCONCLUSIVE_EXPERIMENT)
    elif phase in ("Error", "Failed"):
        message = "Experiment analysis phase is error/failed"
        if current.message:
            message += ": " + current.message
        ctx.pause.abort(message)
    elif phase != "Successful":
        ctx.experiment = RunStatus(current.name, phase, current.message)


def _create_experiment(
    ctx: Context, step: Experiment, index: int, new_hash: str, stable_hash: str
) -> ExperimentView | None:
    """``createExperimentWithCollisionHandling``: ``<rollout>-<hash>-<revision>-<step>``, then
    ``-1``, ``-2``... past a name taken, except that an experiment of that name still going
    (not finished, not terminated: its spec equals the new one) is adopted and returned. A new
    one has no phase yet (None). ``ExperimentCreated`` is emitted either way
    (rollout/experiment.go)."""
    base = f"{ctx.plan.name}-{new_hash}-{ctx.revision}-{index}"
    by_name = {e.name: e for e in ctx.obs.experiments}
    name, n, adopted = base, 0, None
    while (taken := by_name.get(name)) is not None:
        if not taken.terminated and taken.phase not in COMPLETED_PHASES:
            adopted = taken
            break
        n += 1
        name = f"{base}-{n}"
    if adopted is None:
        ctx.actions.append(StartExperiment(name, index, step, new_hash, stable_hash, ctx.revision))
        ctx.experiment = RunStatus(name)
    ctx.event("ExperimentCreated", f"Created Experiment '{name}'")
    return adopted


def _terminate_experiment(ctx: Context, ex: ExperimentView) -> None:
    """``cancelExperiments``: terminate an experiment still going."""
    if not ex.terminated and ex.phase not in COMPLETED_PHASES:
        ctx.actions.append(TerminateExperiment(ex.name))


def experiment_successful(ctx: Context) -> bool:
    return ctx.current_ex is not None and ctx.current_ex.phase == "Successful"
