"""The data a run's page embeds: plain JSON, derived once from a :class:`Result`.

The page renders everything from this payload; nothing is fetched. What the browser computes
itself is what changes continuously with the scrubbed instant (pod ages, the ``get rollout``
view, so far-totals); what is a property of the run (which image served when, step bands,
per-second rates, thresholds, the YAML of each router state) is computed here, with the same
functions ``--plot`` uses (:mod:`canarysim.report.chartdata`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import yaml

from canarysim.report import chartdata
from canarysim.report.getview import analysis_created

_KINDS = (("virtualservices", "VirtualService"), ("destinationrules", "DestinationRule"))


def _num(x: Any) -> float | int | None:
    """6 significant digits like result.json; NaN and infinities as null."""
    if x is None:
        return None
    if isinstance(x, int | np.integer) and not isinstance(x, bool):
        return int(x)
    v = float(x)
    if not math.isfinite(v):
        return None
    if v == 0:
        return 0
    r = float(f"{v:.6g}")
    return int(r) if r.is_integer() and abs(r) < 2**53 else r


def _time(t: float) -> float:
    return round(float(t), 6)


def _column(values: Any) -> list[Any]:
    return [_num(v) for v in np.asarray(values).tolist()]


def manifests_yaml(manifests: Mapping[str, Any]) -> list[dict[str, str]]:
    """Each router object of one state as ``{kind, name, yaml}``, as ``--out`` writes them."""
    out = []
    for group, kind in _KINDS:
        for m in manifests.get(group, []) or []:
            name = str((m.get("metadata") or {}).get("name", "unnamed"))
            text = yaml.safe_dump(m, sort_keys=False, allow_unicode=True)
            out.append({"kind": kind, "name": name, "yaml": text})
    return out


def _pods(series: Mapping[str, Any]) -> dict[str, dict[str, list[Any]]]:
    out: dict[str, dict[str, list[Any]]] = {}
    for role in ("stable", "canary", "old"):
        fields = {}
        for what in ("desired", "ready", "available"):
            col = f"rs.{role}.{what}"
            if col in series:
                fields[what] = _column(series[col])
        if fields and any(max((v or 0) for v in vals) > 0 for vals in fields.values()):
            out[role] = fields
    return out


def _per_row_counts(result: Any) -> dict[str, dict[str, list[int]]]:
    """{label: {"requests": per row, "errors": per row}}: the series' counts per image."""
    labels = chartdata.row_labels(result)
    order = chartdata.traffic_labels(result, labels)
    n = len(result.series.get("time", ()))
    out: dict[str, dict[str, list[int]]] = {}
    for label in order:
        slot = {}
        for what in ("requests", "errors"):
            total = np.zeros(n)
            for version, per_row in labels.items():
                col = f"{what}.{version}"
                if col in result.series:
                    mask = np.array([lab == label for lab in per_row], dtype=bool)
                    total += np.where(mask, np.nan_to_num(np.asarray(result.series[col], float)), 0)
            slot[what] = [round(v) for v in total.tolist()]
        out[label] = slot
    return out


def _analysis(
    result: Any, thresholds: Mapping[str, list[tuple[str, float]]]
) -> dict[str, dict[str, Any]]:
    metrics: dict[str, dict[str, Any]] = {}
    for m in result.measurements:
        slot = metrics.setdefault(str(m.get("metric")), {"thresholds": [], "points": []})
        slot["points"].append(
            {
                "time": _time(m.get("time") or 0.0),
                "value": _num(chartdata.measured_value(m.get("value"))),
                "raw": m.get("value"),
                "phase": m.get("phase"),
                "run": m.get("run"),
                "message": m.get("message") or "",
            }
        )
    for metric, lines in thresholds.items():
        slot = metrics.setdefault(metric, {"thresholds": [], "points": []})
        for label, value in lines:
            kind = label.split(":", 1)[0]
            slot["thresholds"].append({"kind": kind, "label": label, "value": _num(value)})
    return dict(sorted(metrics.items()))


def run_payload(
    result: Any,
    thresholds: Mapping[str, list[tuple[str, float]]] | None = None,
) -> dict[str, Any]:
    """Everything the run page shows, as JSON-ready data (deterministic for equal results)."""
    doc = result.to_json()
    until = float(result.until)
    routed = any(m.get("virtualservices") for _, m in result.manifest_history)
    width = chartdata.window(until)
    starts, traffic = chartdata.traffic_by_label(result, width)
    latency = chartdata.latency_by_label(result)
    labels = list(traffic)
    times = sorted(
        {_time(e["time"]) for e in result.events} | {_time(s.time) for s in result.snapshots}
    )
    return {
        "scenario": result.scenario_name,
        "seed": int(result.seed),
        "mode": result.mode,
        "until": _time(until),
        "routed": routed,
        "summary": doc["summary"],
        "warnings": doc["warnings"],
        "snapshots": doc["snapshots"],
        "analysisCreated": {k: _time(v) for k, v in analysis_created(result.snapshots).items()},
        "events": doc["events"],
        "instants": [t for t in times if 0 < t < until],
        "manifests": [
            {"time": _time(when), "objects": manifests_yaml(m)}
            for when, m in result.manifest_history
        ],
        "series": {
            "time": [_time(t) for t in np.asarray(result.series.get("time", ())).tolist()],
            "weight": {
                k: _column(v) for k, v in chartdata.traffic_shares(result.series, routed).items()
            },
            "pods": _pods(result.series),
            "counts": _per_row_counts(result),
            "latency": {
                label: {q: _column(v) for q, v in latency[label].items()}
                for label in labels
                if label in latency
            },
        },
        "traffic": {
            "width": width,
            "start": [_time(t) for t in starts.tolist()],
            "labels": labels,
            "requests": {k: _column(v["requests"]) for k, v in traffic.items()},
            "errors": {k: _column(v["errors"]) for k, v in traffic.items()},
        },
        "bands": [_band(b) for b in chartdata.step_bands(result.snapshots, until)],
        "pauses": [_band(b) for b in chartdata.pause_bands(result.snapshots, until)],
        "milestones": [
            {"time": _time(t), "what": what} for t, what in chartdata.milestones(result.snapshots)
        ],
        "faults": [
            {"time": _time(t), "message": msg} for t, msg in chartdata.fault_marks(result.events)
        ],
        "analysis": _analysis(result, thresholds or {}),
    }


def _band(b: chartdata.Band) -> dict[str, Any]:
    return {"start": _time(b.start), "end": _time(b.end), "kind": b.kind, "label": b.label}
