"""The JSON form of a :class:`~canarysim.result.Result` (``canarysim.result/v1``): fixed key
order and rounding (times to the microsecond, other floats to 6 significant digits), and the
way back from it."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from typing import Any

import numpy as np

from canarysim.result.snapshots import (
    AnalysisRunSnapshot,
    ConditionSnapshot,
    DurationSnapshot,
    ExperimentSnapshot,
    PodSnapshot,
    ReplicaSetSnapshot,
    RolloutSnapshot,
)

SCHEMA = "canarysim.result/v1"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


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
