"""``--plot``: the run as one figure (PNG and SVG), the same story the timeline tells.

Panels, sharing the time axis (simulated minutes, or hours for long runs):

1. router weights (canary and stable, %), or without traffic routing each version's share of
   the available pods, with the canary steps as labelled bands and pauses hatched;
2. pods per ReplicaSet role (desired as a dashed line, available solid);
3. requests per second per version;
4. errors served to users so far per version (cumulative: the blast radius as it grows; a
   burst is a jump, a steady error rate a slope);
5. latency p50 and p99 per version (ms);
6. analysis measurements (``analysis.<metric>`` series) against the thresholds read off the
   metrics' success and failure conditions, when the run measured anything.

Every panel marks the update (new revision), the promotion (stable switch) and an abort with a
dotted vertical line, so a weight that drops to 0 at promotion (the new stable takes over; Argo
reports canary 0 / stable 100 again) is not mistaken for an abort. Traffic is re-binned into
windows of 10 s to 5 min so a two-hour run does not look like noise. Matplotlib runs with the
Agg backend, so plotting never needs a display.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from canarysim.report.files import write_atomic

_VERSION_COLOURS = {"stable": "#2a7ab9", "canary": "#e8a33d", "unserved": "#c0392b"}
"""``unserved``: requests no pod answered (no route, no endpoint, a fault abort)."""
_ROLE_COLOURS = {"stable": "#2a7ab9", "canary": "#e8a33d", "old": "#8c8c8c"}
_MARK_COLOURS = {"update": "#555555", "promoted": "#2e8b57", "aborted": "#c0392b"}


def _scale(until: float) -> tuple[float, str]:
    return (3600.0, "h") if until > 3 * 3600 else (60.0, "min")


def _bands(
    snapshots: list[Any], until: float
) -> tuple[list[tuple[float, float, str]], list[tuple[float, float, str]]]:
    """(step bands, pause bands) as (start, end, label) from the snapshots of the update."""
    steps: list[tuple[float, float, str]] = []
    pauses: list[tuple[float, float, str]] = []
    for i, snap in enumerate(snapshots):
        end = snapshots[i + 1].time if i + 1 < len(snapshots) else until
        in_update = snap.step_index is not None and snap.step_index < snap.step_count
        if in_update and snap.stable_hash != snap.canary_hash and not snap.aborted:
            label = f"step {snap.step_index}"
            if steps and steps[-1][2] == label and steps[-1][1] == snap.time:
                steps[-1] = (steps[-1][0], end, label)
            else:
                steps.append((snap.time, end, label))
        if snap.phase == "Paused":
            if pauses and pauses[-1][1] == snap.time:
                pauses[-1] = (pauses[-1][0], end, "paused")
            else:
                pauses.append((snap.time, end, "paused"))
    return steps, pauses


def milestones(snapshots: list[Any]) -> list[tuple[float, str]]:
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


def _window(until: float) -> float:
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
    times = np.asarray(series["time"], dtype=float)
    counts = np.nan_to_num(np.asarray(series[column], dtype=float))
    edges = np.arange(0.0, until + width, width)
    edges[-1] = max(until, edges[-2] + 1e-9) if len(edges) > 1 else until
    idx = np.clip(np.searchsorted(edges, times, side="right") - 1, 0, len(edges) - 2)
    sums = np.bincount(idx, weights=counts, minlength=len(edges) - 1)
    return edges[:-1], sums / np.diff(edges)


def _weights(series: dict[str, np.ndarray], routed: bool) -> dict[str, np.ndarray]:
    """Percent of traffic per version. With a router, the weights it was given. Without one,
    a Service spreads requests over every available pod, so the canary's share is its share
    of available pods (Argo's ActualWeight for a basic canary, info/rollout_info.go) and the
    rest goes to the stable and older ReplicaSets."""
    if routed:
        return {
            v: np.asarray(series[f"weight.{v}"], dtype=float)
            for v in ("stable", "canary")
            if f"weight.{v}" in series
        }
    n = len(series.get("time", ()))
    avail = {
        role: np.asarray(series.get(f"rs.{role}.available", np.zeros(n)), dtype=float)
        for role in ("stable", "canary", "old")
    }
    total = avail["stable"] + avail["canary"] + avail["old"]
    with np.errstate(invalid="ignore", divide="ignore"):
        canary = np.where(total > 0, 100.0 * avail["canary"] / total, 0.0)
    return {"stable": np.where(total > 0, 100.0 - canary, 0.0), "canary": canary}


def _step_plot(ax: Any, x: np.ndarray, y: np.ndarray, **kw: Any) -> None:
    ax.step(x, y, where="post", **kw)


def figure(result: Any, thresholds: Mapping[str, list[tuple[str, float]]] | None = None) -> Any:
    """The matplotlib Figure of ``result`` (caller saves or closes it); ``thresholds`` maps an
    analysis metric to the (label, value) lines to draw (see :func:`analysis_thresholds`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = result.series
    until = float(result.until)
    unit, unit_name = _scale(until)
    t = np.asarray(series.get("time", np.array([0.0])), dtype=float) / unit
    analysis_cols = sorted(
        c
        for c in series
        if c.startswith("analysis.") and np.isfinite(np.asarray(series[c], dtype=float)).any()
    )
    n = 6 if analysis_cols else 5
    fig, axes = plt.subplots(n, 1, figsize=(11, 2.3 * n + 0.8), sharex=True, layout="constrained")
    fig.suptitle(f"{result.scenario_name}: seed {result.seed}, {result.mode} traffic", fontsize=13)
    steps, pauses = _bands(result.snapshots, until)

    ax = axes[0]
    for k, (start, end, label) in enumerate(steps):
        ax.axvspan(start / unit, end / unit, color="#dfe8f3" if k % 2 else "#eef3f9", zorder=0)
        if (end - start) >= 0.04 * until:  # label only bands wide enough to read
            ax.text((start + end) / 2 / unit, 103, label, ha="center", va="bottom", fontsize=8)
    for j, (start, end, _) in enumerate(pauses):
        ax.axvspan(
            start / unit,
            end / unit,
            facecolor="none",
            hatch="//",
            edgecolor="#b0b0b0",
            linewidth=0,
            zorder=0.5,
            label="paused" if j == 0 else None,
        )
    routed = any(m.get("virtualservices") for _, m in result.manifest_history)
    shares = _weights(series, routed)
    for v in ("stable", "canary"):
        if v in shares:
            _step_plot(ax, t, shares[v], color=_VERSION_COLOURS[v], linewidth=2, label=v)
    ax.set_ylim(-3, 115)
    if routed:
        ax.set_ylabel("weight (%)")
        ax.set_title("Router weights, canary steps and pauses", loc="left", fontsize=10)
    else:
        ax.set_ylabel("share of pods (%)")
        ax.set_title(
            "Traffic share by available pods (no traffic routing), canary steps and pauses",
            loc="left",
            fontsize=10,
        )

    ax = axes[1]
    for role, colour in _ROLE_COLOURS.items():
        for field, style in (("desired", "--"), ("available", "-")):
            col = f"rs.{role}.{field}"
            if col in series and np.nanmax(np.asarray(series[col], dtype=float)) > 0:
                values = np.asarray(series[col], dtype=float)
                _step_plot(
                    ax,
                    t,
                    values,
                    color=colour,
                    linestyle=style,
                    linewidth=1.6,
                    label=f"{role} {field}",
                )
    ax.set_ylabel("pods")
    ax.set_ylim(bottom=-0.1)
    ax.set_title(
        "Pods per ReplicaSet role (dashed: desired, solid: available)", loc="left", fontsize=10
    )
    ax.yaxis.get_major_locator().set_params(integer=True)

    width = _window(until)
    ax = axes[2]
    for v, colour in _VERSION_COLOURS.items():
        if f"requests.{v}" in series:
            x, rate = binned_rate(series, f"requests.{v}", until, width)
            _step_plot(ax, x / unit, rate, color=colour, linewidth=1.4, label=v)
    ax.set_ylabel("requests / s")
    ax.set_ylim(bottom=0)
    ax.set_title(f"Requests per version (per second, {width:g} s windows)", loc="left", fontsize=10)

    ax = axes[3]
    for v, colour in _VERSION_COLOURS.items():
        if f"errors.{v}" in series:
            total = np.cumsum(np.nan_to_num(np.asarray(series[f"errors.{v}"], dtype=float)))
            # errors of row i happen during [time[i], time[i+1]): the count so far at time[i]
            # is the sum of the rows before it, and the grand total is reached at `until`
            x = np.append(t, until / unit)
            y = np.append(0.0, total)
            ax.plot(x, y, color=colour, linewidth=1.6, label=v)
    ax.set_ylabel("errors")
    ax.set_ylim(bottom=0)
    ax.set_title("Errors served to users so far, per version (cumulative)", loc="left", fontsize=10)

    ax = axes[4]
    for v, colour in _VERSION_COLOURS.items():
        for q, style in (("p50", "-"), ("p99", "--")):
            col = f"latency_{q}.{v}"
            if col in series:
                values = np.asarray(series[col], dtype=float)
                _step_plot(
                    ax, t, values, color=colour, linestyle=style, linewidth=1.1, label=f"{v} {q}"
                )
    ax.set_ylabel("latency (ms)")
    ax.set_ylim(bottom=0)
    ax.set_title("Latency per version (p50 solid, p99 dashed)", loc="left", fontsize=10)

    if analysis_cols:
        ax = axes[5]
        for i, col in enumerate(analysis_cols):
            colour = f"C{i + 2}"
            metric = col.removeprefix("analysis.")
            values = np.asarray(series[col], dtype=float)
            # the column holds the last measurement at each row: plot the measurements only
            finite = np.isfinite(values)
            changed = np.flatnonzero(finite & (np.append(np.nan, values[:-1]) != values))
            ax.plot(
                t[changed],
                values[changed],
                "o-",
                color=colour,
                markersize=4,
                linewidth=1.4,
                label=f"{metric} (measured)",
            )
            for label, value in (thresholds or {}).get(metric, []):
                ax.axhline(value, color=colour, linestyle="--", linewidth=1.1, label=label)
        ax.set_ylabel("measured value")
        ax.set_title("Analysis measurements against their thresholds", loc="left", fontsize=10)

    marks = milestones(result.snapshots)
    for ax in axes:
        for when, what in marks:
            ax.axvline(when / unit, color=_MARK_COLOURS[what], linestyle=":", linewidth=1.2)
        ax.grid(True, color="#e6e6e6", linewidth=0.6)
        ax.set_axisbelow(True)
        handles, _ = ax.get_legend_handles_labels()
        if handles:
            ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    for when, what in marks:
        axes[0].text(
            when / unit,
            -2,
            f" {what}",
            color=_MARK_COLOURS[what],
            fontsize=8,
            ha="left",
            va="bottom",
            rotation=90,
        )
    axes[-1].set_xlabel(f"simulated time ({unit_name})")
    axes[-1].set_xlim(0, until / unit)
    return fig


def write_plots(
    result: Any,
    directory: str | Path,
    thresholds: Mapping[str, list[tuple[str, float]]] | None = None,
) -> list[Path]:
    """Write ``<scenario>.png`` and ``<scenario>.svg`` under ``directory`` (atomically)."""
    import matplotlib.pyplot as plt

    fig = figure(result, thresholds)
    out = []
    try:
        for ext in ("png", "svg"):
            buf = io.BytesIO()
            fig.savefig(buf, format=ext, dpi=120, metadata={"Date": None} if ext == "svg" else {})
            path = Path(directory) / f"{result.scenario_name}.{ext}"
            out.append(write_atomic(path, buf.getvalue()))
    finally:
        plt.close(fig)
    return out
