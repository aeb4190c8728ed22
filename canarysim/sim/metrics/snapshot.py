"""A Rollout as the Result shows it at one time: :func:`rollout_snapshot` builds a
:class:`~canarysim.result.RolloutSnapshot` from the engine's status and the cluster's
ReplicaSets (roles, the set and actual weights, the pause's end, the phase kubectl reads);
:func:`comparable` is what tells two snapshots apart to a viewer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from operator import attrgetter
from typing import Any

from canarysim.engine.model import Condition, Pause, Plan, RolloutStatus, SetWeight, step_part
from canarysim.engine.model.fastinit import frozen_dict_init
from canarysim.result import (
    AnalysisRunSnapshot,
    ConditionSnapshot,
    DurationSnapshot,
    PodSnapshot,
    ReplicaSetSnapshot,
    RolloutSnapshot,
)

__all__ = ["ROLES", "SnapshotParts", "comparable", "role_of", "rollout_snapshot"]

ROLES = ("stable", "canary", "old")


def role_of(rs_hash: str, status: RolloutStatus) -> str:
    """``stable`` for status.stableRS, ``canary`` for the current pod hash, else ``old`` (the
    INFO column of ``kubectl argo rollouts get``: a fully promoted RS shows only stable)."""
    if status.stable_rs and rs_hash == status.stable_rs:
        return "stable"
    if rs_hash == status.current_pod_hash:
        return "canary"
    return "old"


def set_weight_of(plan: Plan, status: RolloutStatus, weights: Sequence[int] | None = None) -> int:
    """``GetCurrentSetWeight``: 0 when aborted, max weight past the last step (or with no
    steps), else the nearest ``setWeight`` at or before the current step (0 if none).
    ``weights``: :func:`step_set_weights` of the plan, when the caller keeps them."""
    if status.abort:
        return 0
    index = 0 if status.current_step_index is None else status.current_step_index
    if not plan.steps or index >= len(plan.steps) or index < 0:
        return plan.max_weight
    if weights is not None:
        return weights[index]
    for step in reversed(plan.steps[: index + 1]):
        if (weight := step_part(step, SetWeight)) is not None:
            return weight.weight
    return 0


def step_set_weights(plan: Plan) -> tuple[int, ...]:
    """For each step, the nearest ``setWeight`` at or before it (0 if none)."""
    out = []
    current = 0
    for step in plan.steps:
        if (weight := step_part(step, SetWeight)) is not None:
            current = weight.weight
        out.append(current)
    return tuple(out)


def actual_weight_of(
    plan: Plan, status: RolloutStatus, canary_available: int, set_weight: int
) -> int:
    """``ActualWeight`` as ``kubectl argo rollouts get`` computes it (info/rollout_info.go).

    No current step (no steps at all, or the index past the last one; utils/replicaset/
    canary.go::GetCurrentCanaryStep returns nil) reads as the max weight, whatever the router
    holds: a canary without steps shows 100 while it is still scaling up."""
    index = 0 if status.current_step_index is None else status.current_step_index
    if not plan.steps or index >= len(plan.steps):
        return plan.max_weight
    if status.available_replicas <= 0:
        return 0
    if plan.traffic_routing:
        if status.canary_weights is None:
            return set_weight
        return status.canary_weights.canary.weight
    return canary_available * 100 // status.available_replicas


def pause_end(plan: Plan, status: RolloutStatus) -> float | None:
    """End of the running timed pause step, or None (no pause, indefinite, or spec.paused)."""
    if plan.paused or status.current_step_index is None:
        return None
    if status.current_step_index >= len(plan.steps):
        return None
    step = step_part(plan.steps[status.current_step_index], Pause)
    if step is None or step.seconds is None:
        return None
    cond = next((c for c in status.pause_conditions if c.reason == "CanaryPauseStep"), None)
    return None if cond is None else cond.start_time + step.seconds


def rollout_snapshot(
    now: float,
    *,
    name: str,
    namespace: str,
    plan: Plan,
    status: RolloutStatus,
    replica_sets: Sequence[Mapping[str, Any] | ReplicaSetSnapshot],
    analysis_runs: Sequence[AnalysisRunSnapshot] = (),
    created: float = 0.0,
    parts: SnapshotParts | None = None,
) -> RolloutSnapshot:
    """Build the snapshot from the engine's status and the cluster's ReplicaSet snapshots
    (``ReplicaSet.snapshot()`` dicts, in any order; their pods as dicts or as
    :class:`PodSnapshot` objects, which are kept as they are; or ``ReplicaSetSnapshot``
    objects with their role, kept as they are). ``parts``: what the run's last snapshot was
    built from, to reuse what has not changed."""
    rss = []
    for rs in replica_sets:
        if isinstance(rs, ReplicaSetSnapshot):
            rss.append(rs)
            continue
        given = tuple(rs.get("pods", ()))
        if all(isinstance(p, PodSnapshot) for p in given[:1]):
            pods = given
        else:
            pods = tuple(PodSnapshot(**p) for p in given)
        rss.append(
            ReplicaSetSnapshot(
                **{k: v for k, v in rs.items() if k != "pods"},
                role=role_of(str(rs["hash"]), status),
                pods=pods,
            )
        )
    rss.sort(key=lambda r: (-r.revision, r.name))
    # The INFO column's ``canary`` tag: the current pod hash unless it is also the stable one.
    canary_available = sum(
        r.available for r in rss if r.hash == status.current_pod_hash and r.hash != status.stable_rs
    )
    current_revision = next((r.revision for r in rss if r.hash == status.current_pod_hash), 0)
    sw = set_weight_of(plan, status, None if parts is None else parts.set_weights(plan))
    until = pause_end(plan, status)
    phase, message = status.phase, status.message
    if status.observed_generation != plan.generation:
        # GetRolloutPhase (utils/rollout/rolloututil.go), what kubectl and the e2e suite's
        # WaitForRolloutStatus read: a spec not observed yet is Progressing, whatever the
        # controller's last phase was.
        phase, message = "Progressing", "waiting for rollout spec update to be observed"
    if parts is None:
        conditions = _conditions(status.conditions)
        duration = None if status.duration is None else _duration(status.duration)
    else:
        conditions = parts.conditions(status.conditions)
        duration = None if status.duration is None else parts.duration(status.duration)
    return _new_snapshot(
        time=now,
        name=name,
        namespace=namespace,
        phase=phase,
        message=message,
        strategy="Canary" if plan.blue_green is None else "BlueGreen",
        step_index=status.current_step_index,
        step_count=len(plan.steps),
        set_weight=sw,
        actual_weight=actual_weight_of(plan, status, canary_available, sw),
        paused_remaining=None if until is None else max(0.0, until - now),
        aborted=status.abort,
        revision=current_revision,
        stable_hash=status.stable_rs,
        canary_hash=status.current_pod_hash,
        desired=plan.replicas,
        current=status.replicas,
        updated=status.updated_replicas,
        ready=status.ready_replicas,
        available=status.available_replicas,
        replica_sets=tuple(rss),
        analysis_runs=tuple(analysis_runs),
        paused_until=until,
        conditions=conditions,
        active_hash=status.blue_green.active_selector,
        preview_hash=status.blue_green.preview_selector,
        generation=plan.generation,
        observed_generation=status.observed_generation,
        created=created,
        duration=duration,
        alb=None if status.alb_status is None else status.alb_status.to_json(),
        albs=tuple(a.to_json() for a in status.albs),
        workload_observed_generation=status.workload_observed_generation,
    )


_fill_snapshot = frozen_dict_init(RolloutSnapshot)


def _new_snapshot(**given: Any) -> RolloutSnapshot:
    """``RolloutSnapshot(**given)``: the frozen dataclass's ``__init__`` stores each of its ~35
    fields through ``object.__setattr__``; the engine's dictionary-filling ``__init__``
    (:func:`~canarysim.engine.model.fastinit.frozen_dict_init`) gives an equal, equally
    frozen snapshot, without being put into the Result's class."""
    snap: RolloutSnapshot = object.__new__(RolloutSnapshot)
    _fill_snapshot(snap, **given)
    return snap


def _conditions(conditions: Sequence[Condition]) -> tuple[ConditionSnapshot, ...]:
    return tuple(ConditionSnapshot(c.type, c.status, c.reason, c.message) for c in conditions)


class SnapshotParts:
    """Pieces of one run's last snapshot, with what each was built from: the next snapshot
    shares a piece (immutable, like the engine's status it comes from) while that is equal."""

    def __init__(self) -> None:
        self._conditions: tuple[tuple[Condition, ...], tuple[ConditionSnapshot, ...]] = ((), ())
        self._condition: dict[tuple[str, str, str, str], ConditionSnapshot] = {}
        self._duration: tuple[Any, DurationSnapshot | None] = (None, None)
        self._set_weights: tuple[Plan | None, tuple[int, ...]] = (None, ())

    def set_weights(self, plan: Plan) -> tuple[int, ...]:
        """:func:`step_set_weights` of the plan (immutable: a new spec is a new plan)."""
        seen, weights = self._set_weights
        if seen is not plan:
            weights = step_set_weights(plan)
            self._set_weights = (plan, weights)
        return weights

    def conditions(self, conditions: tuple[Condition, ...]) -> tuple[ConditionSnapshot, ...]:
        seen, built = self._conditions
        if conditions is not seen:
            # A new status mostly keeps its unchanged conditions (the same objects, in the same
            # places), and a reconcile often moves only a lastUpdateTime, which is not shown.
            known = self._condition
            out = []
            for i, c in enumerate(conditions):
                if i < len(seen) and seen[i] is c:
                    out.append(built[i])
                    continue
                key = (c.type, c.status, c.reason, c.message)
                snap = known.get(key)
                if snap is None:
                    snap = known[key] = ConditionSnapshot(*key)
                out.append(snap)
            built = tuple(out)
            self._conditions = (conditions, built)
        return built

    def duration(self, duration: Any) -> DurationSnapshot:
        seen, built = self._duration
        if built is None or (duration is not seen and duration != seen):
            built = _duration(duration)
            self._duration = (duration, built)
        return built


def _duration(duration: Any) -> DurationSnapshot:
    """The engine's flat ``RolloutDuration`` as the Result's snapshot (field by field: no
    deep copy of plain numbers and strings, as :func:`dataclasses.asdict` would make)."""
    names = _DURATION_FIELDS.get(type(duration))
    if names is None:
        names = _DURATION_FIELDS[type(duration)] = tuple(f.name for f in fields(duration))
    return DurationSnapshot(**{name: getattr(duration, name) for name in names})


_DURATION_FIELDS: dict[type, tuple[str, ...]] = {}


def comparable(s: RolloutSnapshot) -> tuple[Any, ...]:
    """What makes two snapshots different to a viewer (time and the countdown excluded)."""
    return _SHOWN(s)


#: Every field of a snapshot but time and the countdown, in their order.
_SHOWN = attrgetter(
    *(f.name for f in fields(RolloutSnapshot) if f.name not in ("time", "paused_remaining"))
)


# ------------------------------------------------------------------------------ traffic
