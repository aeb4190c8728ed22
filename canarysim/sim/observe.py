"""Reading a running world: snapshots and state rows as things change, and the Result.

:func:`observe` is called whenever something a user could see may have changed; the
:class:`~canarysim.sim.metrics.recorder.Recorder` keeps a snapshot only when it differs.
:func:`collect`
closes the running traffic interval and turns everything recorded so far into a
:class:`~canarysim.result.Result`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import simpy
from simpy.events import NORMAL, EventPriority

from canarysim.engine.model import Plan, RolloutStatus
from canarysim.result import AnalysisRunSnapshot, ReplicaSetSnapshot, Result, RolloutSnapshot
from canarysim.sim.cluster.views import result_snapshot
from canarysim.sim.metrics.snapshot import ROLES, SnapshotParts, role_of, rollout_snapshot
from canarysim.sim.summary import summarize, weights_from_manifests

if TYPE_CHECKING:
    from canarysim.sim.wiring import Wiring

__all__ = ["Recording", "collect", "current_snapshot", "observe"]


def current_snapshot(world: Wiring, parts: SnapshotParts | None = None) -> RolloutSnapshot:
    """The rollout as it is now, without recording anything (the stepping API's status);
    ``parts``: the pieces of the run's last snapshot, shared while they are unchanged."""
    return _snapshot_of(world, _Inputs.read(world), parts)


class _Inputs(NamedTuple):
    """Everything a snapshot and a state row are built from but the time (which only the
    snapshot's ``time`` and ``paused_remaining`` show): equal inputs, equal rows."""

    plan: Plan
    status: RolloutStatus
    replica_sets: tuple[ReplicaSetSnapshot, ...]
    analysis_runs: tuple[AnalysisRunSnapshot, ...]
    experiments: tuple[Any, ...]
    weights: tuple[int, int] | int | None
    """What the routers hold (:func:`observe`'s weight columns; None: read off the snapshot)."""

    @classmethod
    def read(cls, world: Wiring, *, weights: bool = False) -> _Inputs:
        status = world.controller.status
        plan = world.plan
        rs_snaps = tuple(
            [
                result_snapshot(rs, role_of(rs.hash, status))
                for rs in world.cluster.replica_sets_of(plan.name)
            ]
        )
        held: tuple[int, int] | int | None = None
        if weights:
            mesh = world.mesh
            held = weights_from_manifests(mesh, plan) if mesh.routed else mesh.router_weight()
        return cls(
            plan,
            status,
            rs_snaps,
            _analysis_snapshots(world),
            world.experiments.snapshots(),
            held,
        )

    def same(self, other: _Inputs | None) -> bool:
        """Equal to *other* (the cheap comparisons first; the status is compared last)."""
        return (
            other is not None
            and self.plan is other.plan
            and self.replica_sets == other.replica_sets
            and self.weights == other.weights
            and self.analysis_runs == other.analysis_runs
            and self.experiments == other.experiments
            and (self.status is other.status or self.status == other.status)
        )


def _snapshot_of(
    world: Wiring, inputs: _Inputs, parts: SnapshotParts | None = None
) -> RolloutSnapshot:
    plan = inputs.plan
    snap = rollout_snapshot(
        world.env.now,
        name=plan.name,
        namespace=world.namespace,
        plan=plan,
        status=inputs.status,
        replica_sets=inputs.replica_sets,
        analysis_runs=inputs.analysis_runs,
        created=world.rollout_created,
        parts=parts,
    )
    experiments = inputs.experiments
    return dataclasses.replace(snap, experiments=experiments) if experiments else snap


_RS_COUNTS = ("desired", "current", "ready", "available")
_RS_KEYS: dict[str, tuple[str, ...]] = {}
"""Per ReplicaSet role, its state columns' names (``rs.<role>.<count>``), built once."""


def observe(world: Wiring, parts: SnapshotParts | None = None) -> None:
    """Record a snapshot and a state row if anything visible changed."""
    _record(world, _Inputs.read(world, weights=True), parts)


def _record(world: Wiring, inputs: _Inputs, parts: SnapshotParts | None) -> None:
    now = world.env.now
    snap = _snapshot_of(world, inputs, parts)
    world.recorder.snapshot(snap)
    values: dict[str, float] = {}
    held = inputs.weights
    if isinstance(held, tuple):  # the routed Istio manifests' weights
        canary, stable = held
    elif held is not None:  # a non-Istio router's canary weight
        canary = int(held or 0)
        stable = world.plan.max_weight - canary
    else:
        canary = snap.actual_weight
        stable = world.plan.max_weight - canary
    values["weight.canary"], values["weight.stable"] = canary, stable
    get = values.get
    for rs in snap.replica_sets:
        keys = _RS_KEYS.get(rs.role)
        if keys is None:
            keys = _RS_KEYS[rs.role] = tuple(f"rs.{rs.role}.{w}" for w in _RS_COUNTS)
        desired, current, ready, available = keys  # as _RS_COUNTS
        values[desired] = get(desired, 0) + rs.desired
        values[current] = get(current, 0) + rs.current
        values[ready] = get(ready, 0) + rs.ready
        values[available] = get(available, 0) + rs.available
    world.recorder.state(now, values)


class Recording:
    """When :func:`observe` records: once per instant, after its last change.

    The Result keeps one snapshot per instant, the last (``Recorder.snapshot``), but the
    reconciles and pod changes of one instant each ask for one; the recording waits behind
    every event due at the same time, those scheduled meanwhile included (a reconcile's
    requeue at once, a pod's next stage), and then runs once. Even a request made while
    nothing else is due waits: the requester may schedule more of the instant right after
    (the controller yields its requeue after asking). A settled request (collecting the
    Result) records at once.

    Many recordings find nothing changed (a resync's reconcile writes an equal status): with
    the inputs equal to the last recording's, the snapshot and the state row would equal
    the last ones recorded too (``Recorder.snapshot`` keeps the last of equal snapshots, a
    same-instant one would replace its equal), so neither is built again."""

    def __init__(self, world: Wiring) -> None:
        self.world = world
        self.due = False
        self.parts = SnapshotParts()
        self._last: tuple[_Inputs, RolloutSnapshot, Any] | None = None
        """The inputs of the last recording, and the last snapshot and state row it left."""

    def request(self, *, settled: bool = False) -> None:
        if settled:
            self.due = False
            self._observe()
        elif not self.due:
            self.due = True
            _Settled(self.world.env).callbacks.append(self._when_settled)

    def _when_settled(self, _event: simpy.Event | None) -> None:
        if not self.due:  # recorded meanwhile (the Result was collected)
            return
        env = self.world.env
        if env.peek() <= env.now:
            _Settled(env).callbacks.append(self._when_settled)
            return
        self.due = False
        self._observe()

    def _observe(self) -> None:
        world = self.world
        recorder = world.recorder
        inputs = _Inputs.read(world, weights=True)
        last = self._last
        if (
            last is not None
            and recorder.snapshots
            and recorder.snapshots[-1] is last[1]
            and recorder.state_rows
            and recorder.state_rows[-1] is last[2]
            and inputs.same(last[0])
        ):
            return
        _record(world, inputs, self.parts)
        self._last = (
            (inputs, recorder.snapshots[-1], recorder.state_rows[-1])
            if recorder.snapshots and recorder.state_rows
            else None
        )


AFTER_NORMAL = EventPriority(NORMAL + 1)
"""A priority after SimPy's ``NORMAL`` (1): such an event is processed once every event due
at its time has been, those scheduled meanwhile included."""


class _Settled(simpy.Event):
    """``env.timeout(0)``, processed after every other event due now: the recording looks
    again only once the instant has settled, instead of once per event still queued."""

    def __init__(self, env: simpy.Environment) -> None:
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, AFTER_NORMAL)


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
