"""Reading a running world: snapshots and state rows as things change, and the Result.

:func:`observe` is called whenever something a user could see may have changed; the
:class:`~canarysim.sim.metrics.recorder.Recorder` keeps a snapshot only when it differs.
:func:`collect`
closes the running traffic interval and turns everything recorded so far into a
:class:`~canarysim.result.Result`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np

from canarysim.result import AnalysisRunSnapshot, Result, RolloutSnapshot
from canarysim.sim.cluster.views import result_snapshot
from canarysim.sim.metrics.snapshot import ROLES, SnapshotParts, role_of, rollout_snapshot
from canarysim.sim.summary import summarize, weights_from_manifests

if TYPE_CHECKING:
    import simpy

    from canarysim.sim.wiring import Wiring

__all__ = ["Recording", "collect", "current_snapshot", "observe"]


def current_snapshot(world: Wiring, parts: SnapshotParts | None = None) -> RolloutSnapshot:
    """The rollout as it is now, without recording anything (the stepping API's status);
    ``parts``: the pieces of the run's last snapshot, shared while they are unchanged."""
    now = world.env.now
    status = world.controller.status
    rs_snaps = [
        result_snapshot(rs, role_of(rs.hash, status))
        for rs in world.cluster.replica_sets_of(world.plan.name)
    ]
    snap = rollout_snapshot(
        now,
        name=world.plan.name,
        namespace=world.namespace,
        plan=world.plan,
        status=status,
        replica_sets=rs_snaps,
        analysis_runs=_analysis_snapshots(world),
        created=world.rollout_created,
        parts=parts,
    )
    experiments = world.experiments.snapshots()
    return dataclasses.replace(snap, experiments=experiments) if experiments else snap


_RS_COUNTS = ("desired", "current", "ready", "available")
_RS_KEYS: dict[str, tuple[str, ...]] = {}
"""Per ReplicaSet role, its state columns' names (``rs.<role>.<count>``), built once."""


def observe(world: Wiring, parts: SnapshotParts | None = None) -> None:
    """Record a snapshot and a state row if anything visible changed."""
    now = world.env.now
    snap = current_snapshot(world, parts)
    world.recorder.snapshot(snap)
    values: dict[str, float] = {}
    if world.mesh.routed:
        canary, stable = weights_from_manifests(world.mesh, world.plan)
    elif world.mesh.router_weight() is not None:
        canary = int(world.mesh.router_weight() or 0)
        stable = world.plan.max_weight - canary
    else:
        canary = snap.actual_weight
        stable = world.plan.max_weight - canary
    values["weight.canary"], values["weight.stable"] = canary, stable
    for rs in snap.replica_sets:
        keys = _RS_KEYS.get(rs.role)
        if keys is None:
            keys = _RS_KEYS[rs.role] = tuple(f"rs.{rs.role}.{w}" for w in _RS_COUNTS)
        counts = (rs.desired, rs.current, rs.ready, rs.available)  # as _RS_COUNTS
        for key, n in zip(keys, counts, strict=True):
            values[key] = values.get(key, 0) + n
    world.recorder.state(now, values)


class Recording:
    """When :func:`observe` records: once per instant, after its last change.

    The Result keeps one snapshot per instant, the last (``Recorder.snapshot``), but the
    reconciles and pod changes of one instant each ask for one; the recording waits behind
    every event due at the same time and then runs once. A settled request (collecting the
    Result) records at once."""

    def __init__(self, world: Wiring) -> None:
        self.world = world
        self.due = False
        self.parts = SnapshotParts()

    def request(self, *, settled: bool = False) -> None:
        if settled:
            self.due = False
            observe(self.world, self.parts)
        elif not self.due:
            self.due = True
            self._when_settled(None)

    def _when_settled(self, _event: simpy.Event | None) -> None:
        if not self.due:  # recorded meanwhile (the Result was collected)
            return
        env = self.world.env
        if env.peek() <= env.now:
            env.timeout(0).callbacks.append(self._when_settled)
            return
        self.due = False
        observe(self.world, self.parts)


def _analysis_snapshots(world: Wiring) -> tuple[AnalysisRunSnapshot, ...]:
    out = []
    for run in world.analysis.runs.values():
        if run.name in world.controller.deleted_runs:
            continue
        tallies = [m.tally for m in run.metrics.values()]
        out.append(
            AnalysisRunSnapshot(
                name=run.name,
                phase=run.phase.value,
                revision=run.action.revision,
                successful=sum(t.successful for t in tallies),
                failed=sum(t.failed for t in tallies),
                inconclusive=sum(t.inconclusive for t in tallies),
                errors=sum(t.error for t in tallies),
                message=run.message,
            )
        )
    return tuple(out)


def _measurements(world: Wiring) -> list[tuple[str, Any]]:
    """The rollout's and its Experiments' measurements, by the time they finished (taking
    order among equal times; the rollout's first)."""
    every = [*world.analysis.measurements, *world.experiments.measurements()]
    return sorted(every, key=lambda item: float(item[1].finished or 0.0))


def collect(world: Wiring) -> Result:
    """The run so far as a :class:`Result`."""
    now = world.env.now
    world.flow.flush(now)
    world.observe(settled=True)
    measured = [(m.metric, m.finished, m.value) for _, m in world.analysis.measurements]
    series = world.recorder.series(now if now > 0 else world.until, measured)
    events = world.recorder.sorted_events(world.cluster.events)
    summary = summarize(world, events, series)
    for role in ROLES:
        series.setdefault(f"rs.{role}.desired", np.zeros(len(series["time"]), dtype=np.int64))
    scenario = world.scenario
    return Result(
        scenario_name=scenario.name or (scenario.source.stem if scenario.source else "scenario"),
        seed=int(scenario.seed),
        until=now,
        mode=world.mode,
        events=events,
        snapshots=list(world.recorder.snapshots),
        series=series,
        manifest_history=list(world.recorder.manifest_history),
        summary=summary,
        warnings=list(world.recorder.warnings),
        measurements=[
            {
                "time": m.finished,
                "started": m.started,
                "run": run,
                "metric": m.metric,
                "phase": m.phase.value,
                "value": m.value,
                "message": m.message,
            }
            for run, m in _measurements(world)
        ],
    )
