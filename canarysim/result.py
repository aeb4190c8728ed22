"""The outcome of one simulation: plain, immutable data and numpy arrays.

This is the contract between the simulator and everything that reads it (the CLI, reports,
plots, notebooks and external checks), described in ``docs/design.md``. It never imports SimPy:
a ``Result`` can be saved with :meth:`Result.to_json` and read back with
:meth:`Result.from_json` on a machine that never ran the simulation.

The JSON form is versioned (``"schema": "canarysim.result/v1"``), has a fixed key order and
rounds floats (times to the microsecond, other values to 6 significant digits), so the same
scenario and seed give byte-identical output across runs and platforms.
"""

from __future__ import annotations

import bisect
import copy
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from canarysim.errors import ScenarioError

SCHEMA = "canarysim.result/v1"

#: Kinds of events, as ``kubectl get events`` prints them.
EVENT_KINDS = ("Normal", "Warning")


@dataclass(frozen=True)
class PodSnapshot:
    """One pod as ``kubectl argo rollouts get rollout`` lists it."""

    name: str
    status: str  # Running, ContainerCreating, Pending, Terminating, CrashLoopBackOff, ...
    ready: bool
    available: bool
    restarts: int
    created: float  # simulated seconds


@dataclass(frozen=True)
class ReplicaSetSnapshot:
    """One ReplicaSet of the rollout; ``role`` is stable, canary or old."""

    name: str
    hash: str
    revision: int
    role: str
    image: str
    desired: int
    current: int
    ready: int
    available: int
    created: float
    scale_down_at: float | None
    pods: tuple[PodSnapshot, ...] = ()


@dataclass(frozen=True)
class AnalysisRunSnapshot:
    """One AnalysisRun with its measurement tallies (the ✔ ✖ ? ⚠ column of the CLI)."""

    name: str
    phase: str
    revision: int
    successful: int = 0
    failed: int = 0
    inconclusive: int = 0
    errors: int = 0
    message: str = ""


@dataclass(frozen=True)
class ExperimentSnapshot:
    """An Experiment of an ``experiment`` step (extension of the v1 contract): its phase, its
    template ReplicaSets (``role`` is the template name) and its AnalysisRuns."""

    name: str
    phase: str
    revision: int
    message: str = ""
    created: float = 0.0
    available_at: float | None = None
    finished_at: float | None = None
    replica_sets: tuple[ReplicaSetSnapshot, ...] = ()
    analysis_runs: tuple[AnalysisRunSnapshot, ...] = ()


@dataclass(frozen=True)
class DurationSnapshot:
    """The Rollout's ``status.duration`` (extension of the v1 contract): Argo's
    ``RolloutDurationStatus``, times in simulated whole seconds. In the JSON under Argo's own
    keys (``rolloutStartedAt``, ...), a field that is None left out, as Argo leaves it out."""

    rollout_started_at: float | None = None
    manual_pause_started_at: float | None = None
    total_manual_pause_duration_seconds: int | None = None
    finished_at: float | None = None
    completion_status: str | None = None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


@dataclass(frozen=True)
class ConditionSnapshot:
    """One ``status.conditions`` entry of the Rollout (extension of the v1 contract)."""

    type: str
    status: str
    reason: str
    message: str


@dataclass(frozen=True)
class RolloutSnapshot:
    """The rollout as ``kubectl argo rollouts get rollout`` would show it at ``time``.

    ``paused_remaining`` is the time left in a timed pause at ``time``; ``paused_until`` (an
    extension) is the absolute end of that pause, so a viewer can compute the remaining time at
    any later instant without a new snapshot.
    """

    time: float
    name: str
    namespace: str
    phase: str
    message: str
    strategy: str
    step_index: int | None
    step_count: int
    set_weight: int
    actual_weight: int
    paused_remaining: float | None
    aborted: bool
    revision: int
    stable_hash: str
    canary_hash: str
    desired: int
    current: int
    updated: int
    ready: int
    available: int
    replica_sets: tuple[ReplicaSetSnapshot, ...] = ()
    analysis_runs: tuple[AnalysisRunSnapshot, ...] = ()
    paused_until: float | None = None
    conditions: tuple[ConditionSnapshot, ...] = ()
    experiments: tuple[ExperimentSnapshot, ...] = ()
    """Extension: the rollout's Experiments (left out of the JSON when there are none)."""
    active_hash: str = ""
    """Extension, blue-green: ``status.blueGreen.activeSelector`` (left out when empty)."""
    preview_hash: str = ""
    """Extension, blue-green: ``status.blueGreen.previewSelector`` (left out when empty)."""
    generation: int = 1
    """Extension: ``metadata.generation`` (left out of the JSON, with ``observed_generation``,
    while the two are equal)."""
    observed_generation: int = 1
    """Extension: ``status.observedGeneration``, the generation the controller last observed."""
    created: float = 0.0
    """Extension: the Rollout's ``creationTimestamp`` (s; negative when the scenario starts
    Healthy: it was created before the clock started); left out of the JSON when 0."""
    duration: DurationSnapshot | None = None
    """Extension: ``status.duration`` (left out of the JSON while the Rollout has none)."""
    alb: dict[str, Any] | None = None
    """Extension, ALB with weight verification: ``status.alb`` as Argo writes it
    (``loadBalancer`` / ``canaryTargetGroup`` / ``stableTargetGroup`` with ``name``, ``arn``,
    ``fullName``, and ``ingress``); left out of the JSON when unset."""
    albs: tuple[dict[str, Any], ...] = ()
    """Extension: ``status.albs``, one such entry per ALB Ingress; left out when empty."""
    workload_observed_generation: str = ""
    """Extension, ``spec.workloadRef``: ``status.workloadObservedGeneration``, the referenced
    Deployment's generation; left out of the JSON when empty."""

    def observable(self) -> tuple[Any, ...]:
        """Everything but the time: two snapshots with equal ``observable()`` look the same."""
        return tuple(getattr(self, f.name) for f in fields(self) if f.name != "time")


@dataclass(frozen=True)
class Result:
    """Everything one simulation produced; see ``docs/design.md`` ("The Result contract")."""

    scenario_name: str
    seed: int
    until: float
    mode: str
    events: list[dict[str, Any]] = field(default_factory=list)
    snapshots: list[RolloutSnapshot] = field(default_factory=list)
    series: dict[str, np.ndarray] = field(default_factory=dict)
    manifest_history: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    measurements: list[dict[str, Any]] = field(default_factory=list)
    """Every analysis measurement in time order (extension): ``time`` (finished, s),
    ``started`` (s), ``run``, ``metric``, ``phase``, ``value`` (as Argo stores it, e.g.
    ``"[0.0123]"``), ``message``."""

    # -- queries -------------------------------------------------------------------------

    def status_at(self, t: float) -> RolloutSnapshot:
        """The last snapshot at or before ``t`` (seconds); the first one if ``t`` precedes it."""
        if not self.snapshots:
            raise ValueError("this result holds no rollout snapshots")
        times = [s.time for s in self.snapshots]
        i = bisect.bisect_right(times, float(t)) - 1
        return self.snapshots[max(i, 0)]

    @property
    def final(self) -> RolloutSnapshot:
        """The rollout as it stood at the end of the run."""
        if not self.snapshots:
            raise ValueError("this result holds no rollout snapshots")
        return self.snapshots[-1]

    def manifests_at(self, t: float) -> dict[str, list[dict[str, Any]]]:
        """The VirtualServices and DestinationRules (and, when the scenario has any, the
        Ingresses under ``"ingresses"``) as Argo had last written them at ``t``.

        Returns a deep copy, so callers may modify it freely.
        """
        empty: dict[str, list[dict[str, Any]]] = {"virtualservices": [], "destinationrules": []}
        if not self.manifest_history:
            return empty
        times = [when for when, _ in self.manifest_history]
        i = bisect.bisect_right(times, float(t)) - 1
        chosen = self.manifest_history[max(i, 0)][1]
        out = copy.deepcopy(chosen)
        for key, value in empty.items():
            out.setdefault(key, value)
        return out

    def series_at(self, column: str, t: float) -> float:
        """The value of a step-wise ``series`` column in effect at ``t``."""
        times = self.series["time"]
        i = int(np.searchsorted(times, t, side="right")) - 1
        return float(self.series[column][max(i, 0)])

    # -- JSON ------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict with schema ``canarysim.result/v1``, deterministic in key order and
        float rounding (so ``json.dumps`` of two equal runs is byte-identical)."""
        return {
            "schema": SCHEMA,
            "scenario_name": self.scenario_name,
            "seed": int(self.seed),
            "until": _time(self.until),
            "mode": self.mode,
            "summary": _plain(self.summary),
            "warnings": list(self.warnings),
            "events": [_event_json(e) for e in self.events],
            "measurements": [_measurement_json(m) for m in _by_time(self.measurements)],
            "snapshots": [_dataclass_json(s) for s in self.snapshots],
            "series": {name: _array_json(name, arr) for name, arr in self.series.items()},
            "manifest_history": [
                {"time": _time(when), "manifests": _plain(m)} for when, m in self.manifest_history
            ],
        }

    def dumps(self, indent: int | None = None) -> str:
        """``to_json()`` as text; byte-identical for equal results."""
        return json.dumps(self.to_json(), indent=indent, ensure_ascii=False, allow_nan=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Result:
        """Rebuild a Result from :meth:`to_json` output (also accepts the text form)."""
        if isinstance(data, str | bytes):
            data = json.loads(data)
        if not isinstance(data, Mapping) or data.get("schema") != SCHEMA:
            got = data.get("schema") if isinstance(data, Mapping) else type(data).__name__
            raise ScenarioError("result", "schema", repr(SCHEMA), got=repr(got))
        series = {name: _array_from_json(values) for name, values in data.get("series", {}).items()}
        return cls(
            scenario_name=data["scenario_name"],
            seed=int(data["seed"]),
            until=float(data["until"]),
            mode=data["mode"],
            events=[dict(e) for e in data.get("events", [])],
            snapshots=[_snapshot_from_json(s) for s in data.get("snapshots", [])],
            series=series,
            manifest_history=[
                (float(h["time"]), h["manifests"]) for h in data.get("manifest_history", [])
            ],
            summary=dict(data.get("summary", {})),
            warnings=list(data.get("warnings", [])),
            measurements=[dict(m) for m in data.get("measurements", [])],
        )

    def __repr__(self) -> str:
        final = self.snapshots[-1] if self.snapshots else None
        phase = f"{final.phase!r}" if final else "None"
        return (
            f"Result(scenario_name={self.scenario_name!r}, seed={self.seed}, until={self.until:g}, "
            f"mode={self.mode!r}, final_phase={phase}, snapshots={len(self.snapshots)}, "
            f"events={len(self.events)}, series_rows={len(self.series.get('time', ()))})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return self.dumps() == other.dumps()


# -- helpers -------------------------------------------------------------------------------


def _time(t: float | None) -> float | None:
    """Times are kept to the microsecond."""
    if t is None:
        return None
    v = round(float(t), 6)
    return 0.0 if v == 0 else v


def _num(x: float) -> float | None:
    """Other floats keep 6 significant digits; NaN and infinities become null."""
    x = float(x)
    if not math.isfinite(x):
        return None
    if x == 0:
        return 0.0
    return float(f"{x:.6g}")


_TIME_KEYS = frozenset(
    {
        "time",
        "created",
        "scale_down_at",
        "paused_remaining",
        "paused_until",
        "available_at",
        "finished_at",
    }
)


def _plain(value: Any, key: str = "") -> Any:
    """Convert to JSON-ready values with deterministic rounding (dict order is kept)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if key in _TIME_KEYS and isinstance(value, int | float | np.integer | np.floating):
        return _time(float(value))  # times are always floats, even a whole 0
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return _num(float(value))
    if isinstance(value, Mapping):
        return {str(k): _plain(v, str(k)) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [_plain(v, key) for v in value.tolist()]
    if isinstance(value, Iterable):
        return [_plain(v, key) for v in value]
    raise TypeError(f"cannot put {type(value).__name__} into a Result")


def _event_json(event: Mapping[str, Any]) -> dict[str, Any]:
    head = ("time", "kind", "object", "reason", "message")
    out = {k: _plain(event.get(k), k) for k in head}
    for k, v in event.items():
        if k not in out:
            out[k] = _plain(v, k)
    return out


MEASUREMENT_KEYS = ("time", "started", "run", "metric", "phase", "value", "message")


def _by_time(measurements: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Time order; measurements at the same time keep the order they were taken in."""
    return sorted(measurements, key=lambda m: float(m.get("time") or 0.0))


def _measurement_json(m: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: _plain(m.get(k), k) for k in MEASUREMENT_KEYS}
    out["started"] = _time(m.get("started"))
    for k, v in m.items():
        if k not in out:
            out[k] = _plain(v, k)
    return out


_OMITTED_WHEN_EMPTY = frozenset(
    {
        "experiments",
        "active_hash",
        "preview_hash",
        "duration",
        "alb",
        "albs",
        "workload_observed_generation",
    }
)


def _dataclass_json(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(obj):
        v = getattr(obj, f.name)
        if not v and (
            f.name in _OMITTED_WHEN_EMPTY
            or (f.name == "created" and isinstance(obj, RolloutSnapshot))
        ):
            continue  # additive extensions: results without them keep their v1 shape
        if f.name in ("generation", "observed_generation") and _generation_observed(obj):
            continue  # likewise: only a generation not observed yet is worth writing down
        if isinstance(v, DurationSnapshot):
            out[f.name] = {
                _camel(k.name): _plain(x, "time" if k.name.endswith("_at") else "")
                for k in fields(v)
                if (x := getattr(v, k.name)) is not None
            }
        elif isinstance(v, tuple) and v and hasattr(v[0], "__dataclass_fields__"):
            out[f.name] = [_dataclass_json(x) for x in v]
        else:
            out[f.name] = _plain(v, f.name)
    return out


def _generation_observed(obj: Any) -> bool:
    return bool(getattr(obj, "generation", 0) == getattr(obj, "observed_generation", 0))


def _array_json(name: str, arr: np.ndarray) -> list[Any]:
    a = np.asarray(arr)
    if a.dtype.kind in "iub":
        return [int(v) for v in a.tolist()]
    if name == "time":
        return [_time(float(v)) for v in a.tolist()]
    return [_num(float(v)) for v in a.tolist()]


def _array_from_json(values: Sequence[Any]) -> np.ndarray:
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=np.int64)
    return np.asarray([np.nan if v is None else float(v) for v in values], dtype=float)


def _snapshot_from_json(d: Mapping[str, Any]) -> RolloutSnapshot:
    kw = dict(d)
    kw["replica_sets"] = tuple(
        ReplicaSetSnapshot(**{**rs, "pods": tuple(PodSnapshot(**p) for p in rs.get("pods", []))})
        for rs in d.get("replica_sets", [])
    )
    kw["analysis_runs"] = tuple(AnalysisRunSnapshot(**a) for a in d.get("analysis_runs", []))
    kw["conditions"] = tuple(ConditionSnapshot(**c) for c in d.get("conditions", []))
    kw["experiments"] = tuple(_experiment_from_json(e) for e in d.get("experiments", []))
    if "duration" in d:
        given = d["duration"]
        kw["duration"] = DurationSnapshot(
            **{
                f.name: given[_camel(f.name)]
                for f in fields(DurationSnapshot)
                if _camel(f.name) in given
            }
        )
    kw["albs"] = tuple(dict(a) for a in d.get("albs", []))
    return RolloutSnapshot(**kw)


def _replica_set_from_json(rs: Mapping[str, Any]) -> ReplicaSetSnapshot:
    return ReplicaSetSnapshot(**{**rs, "pods": tuple(PodSnapshot(**p) for p in rs.get("pods", []))})


def _experiment_from_json(d: Mapping[str, Any]) -> ExperimentSnapshot:
    kw = dict(d)
    kw["replica_sets"] = tuple(_replica_set_from_json(rs) for rs in d.get("replica_sets", []))
    kw["analysis_runs"] = tuple(AnalysisRunSnapshot(**a) for a in d.get("analysis_runs", []))
    return ExperimentSnapshot(**kw)


__all__ = [
    "EVENT_KINDS",
    "SCHEMA",
    "AnalysisRunSnapshot",
    "ConditionSnapshot",
    "ExperimentSnapshot",
    "PodSnapshot",
    "ReplicaSetSnapshot",
    "Result",
    "RolloutSnapshot",
]
