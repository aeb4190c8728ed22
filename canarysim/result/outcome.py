"""One simulation's outcome: :class:`Result`, its queries and its JSON form."""

from __future__ import annotations

import bisect
import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from canarysim.errors import ScenarioError
from canarysim.result.jsonform import (
    SCHEMA,
    _array_from_json,
    _array_json,
    _by_time,
    _dataclass_json,
    _event_json,
    _measurement_json,
    _plain,
    _snapshot_from_json,
    _time,
)
from canarysim.result.snapshots import RolloutSnapshot


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
