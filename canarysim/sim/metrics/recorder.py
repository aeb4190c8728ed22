"""What a run leaves behind: events, rollout snapshots, manifest history and series.

The world calls :meth:`Recorder.observe` whenever something a user could see may have changed
(a reconcile, a pod stage, a rewritten manifest). A snapshot is kept only when it differs from
the previous one, and several observations at one instant collapse into the last, so a
reconcile loop that settles at time *t* leaves exactly one snapshot for *t*. Traffic arrives as
per-bucket counts (:meth:`add_traffic`); :meth:`series` joins both onto one time grid.

Only plain data crosses into :class:`~canarysim.result.Result`; nothing here schedules events.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from canarysim.engine.model import Pause, Plan, RolloutStatus, SetWeight
from canarysim.result import (
    AnalysisRunSnapshot,
    ConditionSnapshot,
    PodSnapshot,
    ReplicaSetSnapshot,
    RolloutSnapshot,
)
from canarysim.sim.metrics.store import ISTIO_DURATION_BUCKETS_MS, histogram_quantile

ROLES = ("stable", "canary", "old")
VERSIONS = ("stable", "canary", "unserved")
"""Series per version; ``unserved``: requests no pod answered (no route, no endpoint, a
fault abort), never counted as served by a version."""
STATE_COLUMNS = (
    "weight.canary",
    "weight.stable",
    *(
        f"rs.{role}.{what}"
        for role in ROLES
        for what in ("desired", "current", "ready", "available")
    ),
)


# ------------------------------------------------------------------------------ snapshots


def role_of(rs_hash: str, status: RolloutStatus) -> str:
    """``stable`` for status.stableRS, ``canary`` for the current pod hash, else ``old`` (the
    INFO column of ``kubectl argo rollouts get``: a fully promoted RS shows only stable)."""
    if status.stable_rs and rs_hash == status.stable_rs:
        return "stable"
    if rs_hash == status.current_pod_hash:
        return "canary"
    return "old"


def set_weight_of(plan: Plan, status: RolloutStatus) -> int:
    """``GetCurrentSetWeight``: 0 when aborted, max weight past the last step (or with no
    steps), else the nearest ``setWeight`` at or before the current step (0 if none)."""
    if status.abort:
        return 0
    index = 0 if status.current_step_index is None else status.current_step_index
    if not plan.steps or index >= len(plan.steps) or index < 0:
        return plan.max_weight
    for step in reversed(plan.steps[: index + 1]):
        if isinstance(step, SetWeight):
            return step.weight
    return 0


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
    step = plan.steps[status.current_step_index]
    if not isinstance(step, Pause) or step.seconds is None:
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
    replica_sets: Sequence[Mapping[str, Any]],
    analysis_runs: Sequence[AnalysisRunSnapshot] = (),
) -> RolloutSnapshot:
    """Build the snapshot from the engine's status and the cluster's ReplicaSet snapshots
    (``ReplicaSet.snapshot()`` dicts, in any order)."""
    rss = []
    for rs in replica_sets:
        pods = tuple(PodSnapshot(**p) for p in rs.get("pods", ()))
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
    sw = set_weight_of(plan, status)
    until = pause_end(plan, status)
    return RolloutSnapshot(
        time=now,
        name=name,
        namespace=namespace,
        phase=status.phase,
        message=status.message,
        strategy="Canary",
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
        conditions=tuple(
            ConditionSnapshot(c.type, c.status, c.reason, c.message) for c in status.conditions
        ),
    )


def _comparable(s: RolloutSnapshot) -> tuple[Any, ...]:
    """What makes two snapshots different to a viewer (time and the countdown excluded)."""
    return tuple(v for k, v in vars(s).items() if k not in ("time", "paused_remaining"))


# ------------------------------------------------------------------------------ traffic


@dataclass
class TrafficBuckets:
    """Per time bucket and version: requests, 5xx errors and a latency histogram (ms)."""

    starts: list[np.ndarray] = field(default_factory=list)
    requests: dict[str, list[np.ndarray]] = field(default_factory=dict)
    errors: dict[str, list[np.ndarray]] = field(default_factory=dict)
    hist: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def add(
        self,
        starts: np.ndarray,
        requests: Mapping[str, np.ndarray],
        errors: Mapping[str, np.ndarray],
        hist: Mapping[str, np.ndarray],
    ) -> None:
        n = len(starts)
        nbins = len(ISTIO_DURATION_BUCKETS_MS) + 1
        self.starts.append(np.asarray(starts, dtype=float))
        for v in VERSIONS:
            self.requests.setdefault(v, []).append(
                np.asarray(requests.get(v, np.zeros(n)), dtype=np.int64)
            )
            self.errors.setdefault(v, []).append(
                np.asarray(errors.get(v, np.zeros(n)), dtype=np.int64)
            )
            self.hist.setdefault(v, []).append(
                np.asarray(hist.get(v, np.zeros((n, nbins))), dtype=np.int64)
            )

    def joined(
        self,
    ) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
        nbins = len(ISTIO_DURATION_BUCKETS_MS) + 1
        if not self.starts:
            z = np.zeros(0, dtype=np.int64)
            return (
                np.zeros(0),
                {v: z for v in VERSIONS},
                {v: z for v in VERSIONS},
                {v: np.zeros((0, nbins), dtype=np.int64) for v in VERSIONS},
            )
        return (
            np.concatenate(self.starts),
            {v: np.concatenate(self.requests[v]) for v in VERSIONS},
            {v: np.concatenate(self.errors[v]) for v in VERSIONS},
            {v: np.concatenate(self.hist[v]) for v in VERSIONS},
        )


# ------------------------------------------------------------------------------ the recorder


class Recorder:
    """Collects a run's observable history (see module doc)."""

    def __init__(self, *, series_interval: float = 10.0) -> None:
        self.series_interval = float(series_interval)
        self.events: list[dict[str, Any]] = []
        self.snapshots: list[RolloutSnapshot] = []
        self.manifest_history: list[tuple[float, dict[str, Any]]] = []
        self.state_rows: list[tuple[float, tuple[float, ...]]] = []
        self.traffic = TrafficBuckets()
        self.warnings: list[str] = []

    # -- events ------------------------------------------------------------------------
    def event(self, time: float, kind: str, obj: str, reason: str, message: str) -> None:
        self.events.append(
            {"time": time, "kind": kind, "object": obj, "reason": reason, "message": message}
        )

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def sorted_events(self, extra: Iterable[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
        """Own events plus *extra* (e.g. the cluster's), in time order (stable)."""
        merged = [dict(e) for e in self.events] + [dict(e) for e in extra]
        return sorted(merged, key=lambda e: e["time"])

    # -- snapshots ---------------------------------------------------------------------
    def snapshot(self, snap: RolloutSnapshot) -> None:
        """Keep *snap* if it looks different from the last one; same instant: replace."""
        if self.snapshots and self.snapshots[-1].time == snap.time:
            self.snapshots.pop()
            if self.snapshots and _comparable(self.snapshots[-1]) == _comparable(snap):
                return
            self.snapshots.append(snap)
            return
        if self.snapshots and _comparable(self.snapshots[-1]) == _comparable(snap):
            return
        self.snapshots.append(snap)

    def manifests(self, time: float, manifests: Mapping[str, Any]) -> None:
        """Record the routing manifests as written at *time* (only when they changed)."""
        if self.manifest_history and self.manifest_history[-1][1] == manifests:
            return
        if self.manifest_history and self.manifest_history[-1][0] == time:
            self.manifest_history.pop()
            if self.manifest_history and self.manifest_history[-1][1] == manifests:
                return
        self.manifest_history.append((time, dict(manifests)))

    def state(self, time: float, values: Mapping[str, float]) -> None:
        """One row of the step-wise state columns (:data:`STATE_COLUMNS`)."""
        row = tuple(float(values.get(c, 0.0)) for c in STATE_COLUMNS)
        if self.state_rows and self.state_rows[-1][0] == time:
            self.state_rows.pop()
        if self.state_rows and self.state_rows[-1][1] == row:
            return
        self.state_rows.append((time, row))

    # -- series ------------------------------------------------------------------------
    def series(
        self, until: float, measurements: Sequence[tuple[str, float, str]] = ()
    ) -> dict[str, np.ndarray]:
        """The Result's ``series``: rows at every state change and every ``series_interval``;
        traffic columns count the requests of ``[time[i], time[i+1])``. ``measurements``
        (metric name, time, value as Argo stores it) become ``analysis.<metric>`` columns: the
        last numeric value measured at or before each row (NaN before the first)."""
        grid = np.arange(0.0, until, self.series_interval) if until > 0 else np.zeros(1)
        change = np.asarray([t for t, _ in self.state_rows if 0 <= t < until], dtype=float)
        times = np.unique(np.concatenate([grid, change, [0.0]]))
        out: dict[str, np.ndarray] = {"time": times}
        # State: the last row at or before each time.
        st_times = np.asarray([t for t, _ in self.state_rows], dtype=float)
        st_vals = (
            np.asarray([r for _, r in self.state_rows], dtype=float)
            if self.state_rows
            else np.zeros((0, len(STATE_COLUMNS)))
        )
        idx = np.searchsorted(st_times, times, side="right") - 1
        for j, col in enumerate(STATE_COLUMNS):
            vals = np.where(idx >= 0, st_vals[np.maximum(idx, 0), j] if len(st_vals) else 0, 0)
            out[col] = np.asarray(vals).astype(np.int64)
        # Traffic: bucket starts into rows.
        starts, req, err, hist = self.traffic.joined()
        row = np.clip(np.searchsorted(times, starts, side="right") - 1, 0, len(times) - 1)
        nbins = len(ISTIO_DURATION_BUCKETS_MS) + 1
        for v in VERSIONS:
            out[f"requests.{v}"] = np.bincount(row, weights=req[v], minlength=len(times)).astype(
                np.int64
            )
            out[f"errors.{v}"] = np.bincount(row, weights=err[v], minlength=len(times)).astype(
                np.int64
            )
        for v in VERSIONS:
            per_row = np.zeros((len(times), nbins), dtype=np.int64)
            if len(row):
                np.add.at(per_row, row, hist[v])
            for q, name in ((0.5, "latency_p50"), (0.99, "latency_p99")):
                out[f"{name}.{v}"] = np.asarray([_quantile(q, h) for h in per_row], dtype=float)
        for metric in sorted({m for m, _, _ in measurements}):
            points = sorted((t, _number(v)) for m, t, v in measurements if m == metric)
            points = [(t, v) for t, v in points if not math.isnan(v)]
            if not points:
                continue
            at = np.asarray([t for t, _ in points])
            vals = np.asarray([v for _, v in points])
            idx = np.searchsorted(at, times, side="right") - 1
            out[f"analysis.{metric}"] = np.where(idx >= 0, vals[np.maximum(idx, 0)], np.nan)
        return out


def _number(value: str) -> float:
    """The first number of a measurement value (``"[0.98,1]"`` -> 0.98), NaN if none."""
    text = value.strip().strip("[]").split(",")[0].strip()
    try:
        return float(text)
    except ValueError:
        return math.nan


def _quantile(q: float, counts: np.ndarray) -> float:
    if counts.sum() <= 0:
        return math.nan
    return float(histogram_quantile(q, ISTIO_DURATION_BUCKETS_MS, counts))
