"""What the charts of a run show, computed once for ``--plot`` and the HTML report alike.

Both pictures follow the same rules, so they are derived here from a :class:`Result` alone
(a result read back from ``result.json`` gives the same charts):

* :func:`step_bands`: the canary steps as labelled bands (``setWeight 50``, ``pause 1h``,
  ``analysis``, ``experiment``), read off the snapshots of an update;
* :func:`pause_bands` and :func:`milestones`: when the rollout was paused; the update, the
  promotion and an abort;
* :func:`fault_marks`: injected faults (pod and node kills, error spikes) where they happen;
* :func:`traffic_labels` and :func:`traffic_by_label`: requests and errors per **image**, so a
  version keeps its colour through promotion (the series count per role, stable/canary, and
  the role of an image changes at promotion), with requests no pod answered (``(no endpoint)``,
  ``(no route)``, ``(fault)``, whenever the series has such columns) kept apart;
* :func:`thresholds_of` / :func:`analysis_thresholds`: the numbers an analysis metric's
  success and failure conditions compare with, and :func:`measured_value` for a measurement.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from canarysim.report.durations import span

ROLES = ("stable", "canary", "old")
"""Series columns per ReplicaSet role (``requests.stable``...), counted for the image that role's
ReplicaSet runs; every other suffix (``(no endpoint)``, ``no_route``...) is traffic no pod of the
rollout answered and is shown apart."""


@dataclass(frozen=True)
class Band:
    """A stretch of simulated time with a label: a canary step or a pause."""

    start: float
    end: float
    kind: str  # setWeight | pause | analysis | experiment | step | paused
    label: str
    step: int | None = None


def _in_update(snap: Any) -> bool:
    return (
        snap.step_index is not None
        and snap.step_index < snap.step_count
        and snap.stable_hash != snap.canary_hash
        and not snap.aborted
    )


def step_bands(snapshots: Sequence[Any], until: float) -> list[Band]:
    """One band per canary step the rollout spent time in during an update, labelled with what
    the step did, as far as the snapshots tell: ``pause 1h`` (a timed pause: its length from
    the pause's end; ``pause`` when indefinite), ``setWeight N`` (the weight the rollout asks for
    changed), ``analysis`` / ``experiment`` (a new AnalysisRun / Experiment appeared), else
    ``step N``."""
    bands: list[Band] = []
    seen_runs: set[str] = set()
    seen_exps: set[str] = set()
    prev_weight: int | None = None
    for i, snap in enumerate(snapshots):
        end = snapshots[i + 1].time if i + 1 < len(snapshots) else until
        new_runs = {ar.name for ar in snap.analysis_runs} - seen_runs
        new_exps = {e.name for e in getattr(snap, "experiments", ())} - seen_exps
        seen_runs |= new_runs
        seen_exps |= new_exps
        if not _in_update(snap):
            prev_weight = snap.set_weight
            continue
        last = bands[-1] if bands else None
        if last is not None and last.step == snap.step_index and last.end == snap.time:
            # the same step goes on: stretch its band; a pause says so once it starts
            kind, label = last.kind, last.label
            if snap.phase == "Paused":
                kind, label = "pause", _pause_label(snap, last.start)
            bands[-1] = Band(last.start, end, kind, label, last.step)
        else:
            if snap.phase == "Paused":
                kind, label = "pause", _pause_label(snap, snap.time)
            elif new_exps:
                kind, label = "experiment", "experiment"
            elif prev_weight is not None and snap.set_weight != prev_weight:
                kind, label = "setWeight", f"setWeight {snap.set_weight}"
            elif new_runs:
                kind, label = "analysis", "analysis"
            else:
                kind, label = "step", f"step {snap.step_index}"
            bands.append(Band(snap.time, end, kind, label, snap.step_index))
        prev_weight = snap.set_weight
    return bands


def _pause_label(snap: Any, start: float) -> str:
    """``pause 1h`` for a timed pause that began at ``start``; ``pause`` when indefinite."""
    if snap.paused_until is None:
        return "pause"
    return f"pause {span(snap.paused_until - start, round_up=True)}"


def pause_bands(snapshots: Sequence[Any], until: float) -> list[Band]:
    """Every stretch in which the rollout's phase was ``Paused`` (steps, manual pauses,
    inconclusive analysis)."""
    out: list[Band] = []
    for i, snap in enumerate(snapshots):
        end = snapshots[i + 1].time if i + 1 < len(snapshots) else until
        if snap.phase != "Paused":
            continue
        if out and out[-1].end == snap.time:
            out[-1] = Band(out[-1].start, end, "paused", "paused")
        else:
            out.append(Band(snap.time, end, "paused", "paused"))
    return out


def milestones(snapshots: Sequence[Any]) -> list[tuple[float, str]]:
    """(time, "update" | "promoted" | "aborted"): a new revision appears, the stable hash
    moves to it, or the rollout is aborted."""
    out: list[tuple[float, str]] = []
    prev = None
    for snap in snapshots:
        if prev is not None:
            if snap.revision > prev.revision and snap.revision > 1:
                out.append((snap.time, "update"))
            if snap.stable_hash != prev.stable_hash and prev.stable_hash:
                out.append((snap.time, "promoted"))
            if snap.aborted and not prev.aborted:
                out.append((snap.time, "aborted"))
        prev = snap
    return out


def fault_marks(events: Iterable[dict[str, Any]]) -> list[tuple[float, str]]:
    """(time, message) of every injected fault (events whose ``source`` is ``fault``)."""
    return [
        (float(e["time"]), str(e.get("message") or e.get("reason") or "fault"))
        for e in events
        if e.get("source") == "fault"
    ]


# -- traffic per destination and per image -----------------------------------------------------


def traffic_shares(series: dict[str, np.ndarray], routed: bool) -> dict[str, np.ndarray]:
    """Percent of traffic per destination, per series row.

    With a router, the weights it was given to the canary and stable Services, plus ``other``
    (experiment Services, whatever the VirtualService sends elsewhere) when those two leave part
    of the traffic unaccounted for. Without one, a Service spreads requests over every
    available pod, so the canary's share is its share of available pods (Argo's ActualWeight
    for a basic canary, info/rollout_info.go) and the rest goes to the stable and older
    ReplicaSets."""
    n = len(series.get("time", ()))
    if routed:
        out = {
            v: np.asarray(series[f"weight.{v}"], dtype=float)
            for v in ("canary", "stable")
            if f"weight.{v}" in series
        }
        if out:
            rest = 100.0 - sum(out.values())
            if np.nanmax(rest) > 0.5:
                out["other"] = np.clip(rest, 0.0, 100.0)
        return out
    avail = {
        role: np.asarray(series.get(f"rs.{role}.available", np.zeros(n)), dtype=float)
        for role in ("stable", "canary", "old")
    }
    total = avail["stable"] + avail["canary"] + avail["old"]
    with np.errstate(invalid="ignore", divide="ignore"):
        canary = np.where(total > 0, 100.0 * avail["canary"] / total, 0.0)
    return {"canary": canary, "stable": np.where(total > 0, 100.0 - canary, 0.0)}


def _versions(series: dict[str, np.ndarray]) -> list[str]:
    """Suffixes of the ``requests.<x>`` columns, roles first."""
    found = [c.removeprefix("requests.") for c in series if c.startswith("requests.")]
    return sorted(found, key=lambda v: (v not in ROLES, ROLES.index(v) if v in ROLES else 0, v))


def off_pod_label(version: str) -> str:
    """``(no endpoint)`` for a column suffix ``(no endpoint)``, ``no_endpoint`` or
    ``no-endpoint``: requests no pod of the rollout answered."""
    text = version.strip("()").replace("_", " ").replace("-", " ")
    return f"({text})"


def row_labels(result: Any) -> dict[str, list[str]]:
    """For each ``requests.<x>`` column, the label each series row counts for: the image the
    role's ReplicaSet ran at the row's start (from the snapshot in effect), or the column's own
    off-pod label (``(no endpoint)``...)."""
    times = [float(t) for t in np.asarray(result.series.get("time", ()), dtype=float)]
    snap_times = [s.time for s in result.snapshots]
    out: dict[str, list[str]] = {}
    for version in _versions(result.series):
        if version not in ROLES:
            out[version] = [off_pod_label(version)] * len(times)
            continue
        labels = []
        for t in times:
            label = version
            if result.snapshots:
                snap = result.snapshots[max(bisect.bisect_right(snap_times, t) - 1, 0)]
                label = next((rs.image for rs in snap.replica_sets if rs.role == version), version)
            labels.append(label)
        out[version] = labels
    return out


def traffic_labels(result: Any, labels: dict[str, list[str]] | None = None) -> list[str]:
    """Images in the order they first served a request, then the off-pod labels that saw
    any request (alphabetical)."""
    labels = row_labels(result) if labels is None else labels
    times = np.asarray(result.series.get("time", ()), dtype=float)
    first: dict[str, float] = {}
    for version, per_row in labels.items():
        counts = np.nan_to_num(np.asarray(result.series[f"requests.{version}"], dtype=float))
        for t, label, n in zip(times, per_row, counts, strict=True):
            if n > 0:
                first[label] = min(first.get(label, math.inf), float(t))
    off = {off_pod_label(v) for v in labels if v not in ROLES}
    images = sorted((lab for lab in first if lab not in off), key=lambda lab: first[lab])
    return images + sorted(lab for lab in first if lab in off)


def window(until: float) -> float:
    """Re-binning width: the smallest of 10 s, 30 s, 1 min, 5 min giving at most 240 bins."""
    for width in (10.0, 30.0, 60.0, 300.0):
        if until / width <= 240:
            return width
    return 300.0


def binned_rate(
    series: dict[str, np.ndarray], column: str, until: float, width: float
) -> tuple[np.ndarray, np.ndarray]:
    """Counts of ``column`` (per-row buckets) summed into windows of ``width`` seconds and
    divided by the window's length: (window starts, per-second rates)."""
    return binned_counts(series["time"], np.asarray(series[column], dtype=float), until, width)


def binned_counts(
    times: np.ndarray, counts: np.ndarray, until: float, width: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per-row counts summed into windows of ``width`` s, as per-second rates."""
    times = np.asarray(times, dtype=float)
    counts = np.nan_to_num(np.asarray(counts, dtype=float))
    edges = np.arange(0.0, until + width, width)
    if len(edges) < 2:
        edges = np.array([0.0, max(until, 1e-9)])
    edges[-1] = max(until, edges[-2] + 1e-9)
    idx = np.clip(np.searchsorted(edges, times, side="right") - 1, 0, len(edges) - 2)
    sums = np.bincount(idx, weights=counts, minlength=len(edges) - 1)
    return edges[:-1], sums / np.diff(edges)


def traffic_by_label(
    result: Any, width: float
) -> tuple[np.ndarray, dict[str, dict[str, np.ndarray]]]:
    """(window starts, {label: {"requests": per-second, "errors": per-second}}) per image and
    per off-pod label, re-binned into ``width``-second windows."""
    labels = row_labels(result)
    until = float(result.until)
    order = traffic_labels(result, labels)
    starts: np.ndarray = np.arange(0.0, until, width)
    out: dict[str, dict[str, np.ndarray]] = {}
    for label in order:
        per: dict[str, np.ndarray] = {}
        for what in ("requests", "errors"):
            total = None
            for version, per_row in labels.items():
                col = f"{what}.{version}"
                if col not in result.series:
                    continue
                mask = np.array([lab == label for lab in per_row], dtype=bool)
                counts = np.where(mask, np.nan_to_num(np.asarray(result.series[col], float)), 0)
                starts, rate = binned_counts(result.series["time"], counts, until, width)
                total = rate if total is None else total + rate
            per[what] = total if total is not None else np.zeros(len(starts))
        out[label] = per
    return starts, out


def latency_by_label(result: Any) -> dict[str, dict[str, np.ndarray]]:
    """{image: {"p50": ms per row, "p99": ms per row}}, NaN where the image did not serve that
    role in that row (the series keeps latency per role)."""
    labels = row_labels(result)
    out: dict[str, dict[str, np.ndarray]] = {}
    for version in ROLES:
        if version not in labels:
            continue
        for q in ("p50", "p99"):
            col = f"latency_{q}.{version}"
            if col not in result.series:
                continue
            values = np.asarray(result.series[col], dtype=float)
            for label in dict.fromkeys(labels[version]):
                mask = np.array([lab == label for lab in labels[version]], dtype=bool)
                mine = np.where(mask, values, np.nan)
                slot = out.setdefault(label, {})
                slot[q] = mine if q not in slot else np.where(np.isnan(slot[q]), mine, slot[q])
    return out


# -- analysis ---------------------------------------------------------------------------------

#: ``result < 0.05``, ``result[0] >= 0.95``: a measured value compared with a number.
_COMPARISON = re.compile(
    r"result(?:\[0\])?\s*(<=|>=|<|>|==)\s*(-?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"
)


def thresholds_of(condition: str, kind: str) -> list[tuple[str, float]]:
    """The numbers a success/failure condition compares the result with, as plot lines.

    >>> thresholds_of("len(result) == 0 || result[0] < 0.05", "success")
    [('success: result < 0.05', 0.05)]
    >>> thresholds_of("result[0] >= 0.95", "success"), thresholds_of("", "failure")
    ([('success: result >= 0.95', 0.95)], [])
    """
    return [
        (f"{kind}: result {op} {number}", float(number))
        for op, number in _COMPARISON.findall(condition or "")
    ]


def analysis_thresholds(templates: Iterable[Any]) -> dict[str, list[tuple[str, float]]]:
    """metric name -> threshold lines, from AnalysisTemplate models (spec layer) or anything
    with ``spec.metrics[].name/success_condition/failure_condition``."""
    out: dict[str, list[tuple[str, float]]] = {}
    for template in templates:
        for metric in template.spec.metrics:
            lines = thresholds_of(metric.success_condition, "success")
            lines += thresholds_of(metric.failure_condition, "failure")
            if lines:
                out.setdefault(metric.name, []).extend(lines)
    return out


_NUMBER = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def measured_value(value: Any) -> float | None:
    """The first number of a measurement's value as Argo stores it (``"[0.0123]"``, ``"12"``),
    or None (``"[]"``, an error).

    >>> measured_value("[0.137]"), measured_value("[]"), measured_value("3"), measured_value(None)
    (0.137, None, 3.0, None)
    """
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    match = _NUMBER.search(str(value))
    return float(match.group()) if match else None
