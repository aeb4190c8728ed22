"""One reconcile's working state: Argo's ``rolloutContext`` as plain data.

:class:`Context` holds the inputs of one ``decide()`` call (plan, the status as it was read,
the observation), the ReplicaSets sorted into new / stable / other the way
``newRolloutContext`` does (rollout/controller.go), and the scratch the reconcile writes to:
the actions, the pause/abort intents (:class:`canarysim.engine.rollout.pause.PauseContext`), and the
parts of the new status that sub-reconcilers fill in (weights, current runs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from canarysim.engine import replicas
from canarysim.engine.memo import LastEntry
from canarysim.engine.model import (
    Action,
    AlbStatus,
    Analysis,
    AnalysisRunView,
    EmitEvent,
    Experiment,
    ExperimentView,
    Observation,
    Pause,
    Plan,
    ReplicaSetView,
    RolloutStatus,
    RunStatus,
    SetCanaryScale,
    SetHeaderRoute,
    SetMirrorRoute,
    SetWeight,
    SingleStep,
    Step,
    TrafficWeights,
    step_parts,
)
from canarysim.engine.rollout.pause import PauseContext
from canarysim.engine.rollout.step_facts import prior_set_weights, step_mapping, step_mappings

COMPLETED_PHASES = frozenset({"Successful", "Failed", "Error", "Inconclusive"})

__all__ = [
    "COMPLETED_PHASES",
    "Context",
    "floor_second",
    "prior_set_weights",
    "step_mapping",
    "step_mappings",
    "step_string",
]


_REPLICA_FACTS: LastEntry[Plan, tuple[int, int, int | None]] = LastEntry()


def _replica_facts(plan: Plan) -> tuple[int, int, int | None]:
    """What the replica arithmetic reads of the plan alone: ``maxSurge`` and
    ``maxUnavailable`` resolved against ``spec.replicas`` (``resolveFenceposts``; resolving
    the resolved pod counts again gives them back) and the abort scale-down delay in whole
    seconds. Worked out once per plan, not on every reconcile (remembers the last plan by
    identity)."""
    known = _REPLICA_FACTS.get(plan)
    if known is not None:
        return known
    surge, unavailable = replicas.resolve_fenceposts(
        plan.max_surge, plan.max_unavailable, plan.replicas
    )
    facts = (surge, unavailable, _int_or_none(plan.abort_scale_down_delay_seconds))
    return _REPLICA_FACTS.put(plan, facts)


_PLAN_COUNTS: LastEntry[Plan, dict[tuple[Any, ...], tuple[int, int]]] = LastEntry()
_PLAN_COUNTS_MAX = 4096


def _plan_counts(plan: Plan) -> dict[tuple[Any, ...], tuple[int, int]]:
    """:meth:`Context.desired_counts` of one plan by the rest of its inputs (the status's
    step index, promoteFull and abort, the ReplicaSets' sizes and available pods, the router
    weights read): a pure function of them, so kept across that plan's reconciles.
    (Remembers the last plan by identity, as :func:`_replica_facts` does: a new plan, e.g.
    a new run's, starts afresh; at most ``_PLAN_COUNTS_MAX`` answers are kept.)"""
    known = _PLAN_COUNTS.get(plan)
    if known is not None:
        return known
    return _PLAN_COUNTS.put(plan, {})


def step_string(step: Step) -> str:
    """``CanaryStepString`` (utils/rollout/rolloututil.go): the step as events name it; for a
    step with several fields, the first of setWeight, pause, experiment, analysis,
    setCanaryScale, setHeaderRoute, setMirrorRoute."""
    parts = step_parts(step)
    order = (SetWeight, Pause, Experiment, Analysis, SetCanaryScale, SetHeaderRoute, SetMirrorRoute)
    return _single_string(next(p for kind in order for p in parts if isinstance(p, kind)))


def _single_string(step: SingleStep) -> str:
    if isinstance(step, SetWeight):
        return f"setWeight: {step.weight}"
    if isinstance(step, Pause):
        if step.seconds is None and step.raw is None:
            return "pause"
        raw = step.raw if step.raw is not None else _go_duration(step.seconds or 0.0)
        return f"pause: {raw}"
    if isinstance(step, SetCanaryScale):
        if step.weight is not None:
            return f"setCanaryScale{{weight: {step.weight}}}"
        if step.match_traffic_weight:
            return "setCanaryScale{matchTrafficWeight: true}"
        return f"setCanaryScale{{replicas: {step.replicas}}}"
    name = type(step).__name__
    if name in ("SetHeaderRoute", "SetMirrorRoute"):
        return f"{name[0].lower()}{name[1:]}: {step.name}"  # type: ignore[union-attr]
    return name.lower()


def _go_duration(seconds: float) -> str:
    """An int-or-string duration as Go's ``IntOrString.String()`` prints an int: ``30``."""
    return str(int(seconds)) if seconds == int(seconds) else str(seconds)


@dataclass(init=False)
class Context:
    """Inputs, derived views and scratch of one reconcile (mutable; lives for one call).
    Built from (plan, status, observation) only: the other fields are filled in by
    ``__init__`` (the ReplicaSets sorted, the status's weights and runs) or the reconcile."""

    plan: Plan
    status: RolloutStatus
    """The status as read at the start of the reconcile (after CLI command patches)."""
    obs: Observation
    new_rs: ReplicaSetView | None = None
    stable_rs: ReplicaSetView | None = None
    other_rss: list[ReplicaSetView] = field(default_factory=list)
    pause: PauseContext = field(init=False)
    actions: list[Action] = field(default_factory=list)
    new_weights: TrafficWeights | None = None
    step_run: RunStatus | None = None
    background_run: RunStatus | None = None
    experiment: RunStatus | None = None
    restarted_at: float | None = None
    current_ex: ExperimentView | None = None
    current_step_ar: AnalysisRunView | None = None
    current_background_ar: AnalysisRunView | None = None
    created_runs: set[str] = field(default_factory=set)
    services: dict[str, str] = field(default_factory=dict)
    """Service selectors as switched during this reconcile (role -> hash)."""
    alb: bool = False
    alb_status: AlbStatus | None = None
    albs: tuple[AlbStatus, ...] = ()
    """``newStatus.alb`` is set (ALB weight verification has run)."""
    targets_verified: bool | None = None
    """``c.targetsVerified``: None until a target-group check ran (``areTargetsVerified``
    is then true)."""
    verify_retry: bool = False
    """The desired weight is not verified yet: look again in ``VERIFY_RETRY_SECONDS``."""
    error: str = ""
    """The reconcile fails with this error (Argo returns it: no status is written)."""
    _last_counts: tuple[Any, ...] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    """:meth:`desired_counts` by weights, and the steps' explicit count and weight, for the
    status and new/stable views they were worked out with (the same inputs come back two or
    three times in one reconcile)."""
    _other_counts: tuple[replicas.ReplicaSetCounts, ...] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _step_memo: tuple[RolloutStatus, Plan, tuple[Step | None, int | None]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    """:meth:`current_step` for the status and plan it was worked out with (asked about six
    times a reconcile; ``status`` may be replaced meanwhile, hence the identity checks)."""

    def __init__(self, plan: Plan, status: RolloutStatus, obs: Observation) -> None:
        # (written out rather than generated: one Context per reconcile, and the generated
        # __init__ with its default factories, then __post_init__, cost twice as much)
        self.plan, self.status, self.obs = plan, status, obs
        self.pause = PauseContext(status)
        self.actions = []
        self.step_run = self.background_run = self.experiment = None
        self.current_ex = self.current_step_ar = self.current_background_ar = None
        self.created_runs = set()
        self.services = {}
        self.targets_verified = None
        self.verify_retry = False
        self.error = ""
        self._last_counts = self._other_counts = self._step_memo = None
        # newRolloutContext: the new ReplicaSet by the template's hash, the stable by the
        # status's (no ReplicaSet has hash ""; of two views with one hash, the last counts).
        new = stable = None
        pod_hash, stable_hash = plan.pod_template_hash, status.stable_rs
        for rs in obs.replica_sets:
            if rs.hash == pod_hash:
                new = rs
            if rs.hash == stable_hash:
                stable = rs
        self.new_rs, self.stable_rs = new, stable
        others = []  # (a loop, not a comprehension: one or two views, most reconciles)
        for rs in obs.replica_sets:
            if rs is not new and rs is not stable:
                others.append(rs)
        if len(others) > 1:
            others.sort(key=_created_order)
        self.other_rss = others
        self.new_weights = status.canary_weights
        self.alb = status.alb
        self.alb_status = status.alb_status
        self.albs = status.albs
        self.restarted_at = status.restarted_at
        # GetCurrentExperiment / FilterCurrentRolloutAnalysisRuns: by the names in the status.
        st = status
        if st.current_experiment is not None:
            self.current_ex = next(
                (e for e in obs.experiments if e.name == st.current_experiment.name), None
            )
        if st.current_step_analysis_run is not None:
            name = st.current_step_analysis_run.name
            self.current_step_ar = next((a for a in obs.analysis_runs if a.name == name), None)
        if st.current_background_analysis_run is not None:
            name = st.current_background_analysis_run.name
            self.current_background_ar = next(
                (a for a in obs.analysis_runs if a.name == name), None
            )

    # ---- small facts -------------------------------------------------------------------------

    @property
    def now(self) -> float:
        return self.obs.now

    @property
    def step_count(self) -> int:
        return len(self.plan.steps)

    @property
    def max_weight(self) -> int:
        return self.plan.max_weight

    @property
    def fully_promoted(self) -> bool:
        """``IsFullyPromoted``: stableRS == currentPodHash (of the status as read)."""
        return self.status.stable_rs == self.status.current_pod_hash

    @property
    def revision(self) -> int:
        """The rollout's revision annotation: the new ReplicaSet's revision."""
        return self.new_rs.revision if self.new_rs is not None else 0

    def rs_name(self, rs_hash: str) -> str:
        return f"{self.plan.name}-{rs_hash}"

    def event(self, reason: str, message: str, warning: bool = False) -> None:
        self.actions.append(EmitEvent("Warning" if warning else "Normal", reason, message))

    def current_step(self) -> tuple[Step | None, int | None]:
        """``GetCurrentCanaryStep``: (step, index); (None, index) past the last step;
        (None, None) without steps."""
        status, plan = self.status, self.plan
        memo = self._step_memo
        if memo is not None and memo[0] is status and memo[1] is plan:
            return memo[2]
        steps = plan.steps
        answer: tuple[Step | None, int | None]
        if not steps:
            answer = None, None
        else:
            index = status.current_step_index or 0
            answer = (None, index) if index >= len(steps) else (steps[index], index)
        self._step_memo = (status, plan, answer)
        return answer

    def current_set_weight(self) -> int:
        """``GetCurrentSetWeight``: 0 when aborted, max past the last step, else the nearest
        setWeight at or before the current step."""
        if self.status.abort:
            return 0
        step, index = self.current_step()
        if step is None or index is None:
            return self.max_weight
        # the nearest setWeight at or before the current step
        weight = prior_set_weights(self.plan.steps)[index]
        return 0 if weight is None else weight

    def check_stable_rs_exists(self) -> bool:
        """``CheckStableRSExists``: a stable ReplicaSet that is not the new one."""
        return self.stable_rs is not None and self.stable_rs is not self.new_rs

    # ---- replica arithmetic (engine.replicas) ------------------------------------------------

    def fenceposts(self) -> tuple[int, int]:
        """``maxSurge`` and ``maxUnavailable`` resolved against ``spec.replicas``
        (``resolveFenceposts``), worked out once per plan."""
        surge, unavailable, _ = _replica_facts(self.plan)
        return surge, unavailable

    def desired_counts(self, weights: TrafficWeights | None) -> tuple[int, int]:
        """(canary, stable) ``.spec.replicas`` for this reconcile: ``NewRSNewReplicas`` /
        ``CalculateReplicaCountsFor{Basic,TrafficRouted}Canary`` (utils/replicaset/canary.go).
        ``weights`` are the router weights the caller must use (Argo passes the persisted
        weights for stable, the just-written ones for the canary)."""
        plan, status = self.plan, self.status
        new_rs, stable_rs = self.new_rs, self.stable_rs
        # The router weights enter the arithmetic only for a traffic-routed canary with
        # dynamicStableScale (CalculateReplicaCountsForTrafficRoutedCanary): elsewhere every
        # weights give the same counts, and are one key.
        dynamic = plan.traffic_routing and plan.dynamic_stable_scale
        tw = (
            None
            if weights is None or not dynamic
            else (weights.canary.weight, weights.stable.weight)
        )
        # Within one reconcile the plan and the other ReplicaSets do not change; the status and
        # the new/stable views may (syncReplicaSetRevision), so they are part of the key.
        last = self._last_counts
        memo: dict[tuple[int, int] | None, tuple[int, int]]
        if last is not None and last[0] is status and last[1] is new_rs and last[2] is stable_rs:
            memo, split = last[3], last[4]
            if (hit := memo.get(tw)) is not None:
                return hit
        else:
            memo, split = {}, None
        # Across the reconciles of one plan the same inputs come back (a rollout waits at a
        # step while pods come up): the answer by everything it reads besides the plan.
        others_rss = self.other_rss
        key = (
            status.current_step_index,
            status.promote_full,
            status.abort,
            None if new_rs is None else (new_rs.replicas, new_rs.available),
            None if stable_rs is None else (stable_rs.replicas, stable_rs.available),
            stable_rs is not None and stable_rs is new_rs,
            # (most reconciles have no other ReplicaSet: no comprehension to run then)
            tuple([(rs.replicas, rs.available) for rs in others_rss]) if others_rss else (),
            tw,
        )
        known = _plan_counts(plan)
        if (hit := known.get(key)) is not None:
            memo[tw] = hit
            self._last_counts = (status, new_rs, stable_rs, memo, split)
            return hit

        counts = replicas.ReplicaSetCounts
        surge, unavailable, abort_delay = _replica_facts(plan)
        if split is None:
            # replicas.canary_replica_counts in its two halves: what the steps ask for
            # (GetCanaryReplicasOrWeight) does not depend on the router weights, so it is
            # worked out once per status and new/stable views; counts_for_weight per weights.
            if plan.max_weight <= 0:
                raise ValueError(f"maxTrafficWeight must be positive, got {plan.max_weight!r}")
            # (a stable that is the new ReplicaSet is ignored: canary_is_stable says so)
            stable = None if stable_rs is None else counts(stable_rs.replicas, stable_rs.available)
            canary = None if new_rs is None else counts(new_rs.replicas, new_rs.available)
            # The status's stable hash is the new ReplicaSet's: Argo hands newRS in as stable.
            canary_is_stable = stable_rs is not None and stable_rs is new_rs
            explicit, weight = replicas.canary_replicas_or_weight(
                replicas=plan.replicas,
                steps=step_mappings(plan.steps),
                current_step_index=status.current_step_index,
                canary=canary,
                stable=stable,
                traffic_routing=plan.traffic_routing,
                dynamic_stable_scale=plan.dynamic_stable_scale,
                promote_full=status.promote_full,
                aborted=status.abort,
                abort_scale_down_delay_seconds=abort_delay,
                max_weight=plan.max_weight,
                canary_is_stable=canary_is_stable,
            )
            split = (explicit, weight, canary, stable, canary_is_stable)
            self._last_counts = (status, new_rs, stable_rs, memo, split)
        explicit, weight, canary, stable, canary_is_stable = split
        others = self._other_counts
        if others is None:  # the other ReplicaSets do not change within a reconcile
            others = tuple(counts(rs.replicas, rs.available) for rs in self.other_rss)
            self._other_counts = others
        result = replicas.counts_for_weight(
            replicas=plan.replicas,
            explicit_canary=explicit,
            weight=weight,
            surge=surge,
            unavailable=unavailable,
            canary=canary,
            stable=stable,
            others=others,
            traffic_routing=plan.traffic_routing,
            dynamic_stable_scale=plan.dynamic_stable_scale,
            min_pods_per_replica_set=plan.min_pods_per_replica_set,
            aborted=status.abort,
            traffic_weights=tw,
            max_traffic_weight=plan.max_weight,
            canary_is_stable=canary_is_stable,
        )
        memo[tw] = result
        if len(known) >= _PLAN_COUNTS_MAX:
            known.clear()
        known[key] = result
        return result

    def progress_threshold_met(self, rs: ReplicaSetView | None, desired: int) -> bool:
        """``ReplicaProgressThresholdMet`` (utils/replicaset/canary.go) with the Rollout's
        ``replicaProgressThreshold``: without one, all ``desired`` pods created and available."""
        th = self.plan.replica_progress_threshold
        if th is None:  # (its default, asked on most reconciles: no mapping or counts to build)
            return rs is not None and rs.replicas == desired and rs.available == desired
        spec = {"type": th[0], "value": th[1]}
        counts = None if rs is None else replicas.ReplicaSetCounts(rs.replicas, rs.available)
        return replicas.replica_progress_threshold_met(spec, counts, desired)

    def at_desired_replica_counts(self, weights: TrafficWeights | None) -> bool:
        """``AtDesiredReplicaCountsForCanary`` (utils/replicaset/canary.go): the canary has
        its desired count available (or the progress threshold of it), the stable has its
        desired count created (unless dynamic stable scale), and (basic canary) no other
        ReplicaSet has available pods."""
        want_canary, want_stable = self.desired_counts(weights)
        if not self.progress_threshold_met(self.new_rs, want_canary):
            return False
        if not (self.plan.traffic_routing and self.plan.dynamic_stable_scale):
            st = self.stable_rs
            if st is None or st.replicas != want_stable or st.status_replicas != want_stable:
                return False
        # Basic canary only: older ReplicaSets must be drained of available pods.
        return self.plan.traffic_routing or all(o.available == 0 for o in self.other_rss)


def _created_order(rs: ReplicaSetView) -> tuple[float, int]:
    """Oldest first: by creation time, then revision."""
    return rs.created, rs.revision


def _int_or_none(value: float | None) -> int | None:
    return None if value is None else math.floor(value)


def floor_second(t: float) -> float:
    """Kubernetes timestamps are persisted with 1-second resolution (metav1.Time RFC3339)."""
    return float(math.floor(t))
