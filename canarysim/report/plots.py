"""``--plot``: the run as one figure (PNG and SVG), the same story the timeline tells.

Panels, sharing the time axis (simulated minutes, or hours for long runs), drawn by the same
rules as the HTML report (the data comes from :mod:`canarysim.report.chartdata`):

1. router weights (canary and stable, %), or without traffic routing each version's share of
   the available pods, with the canary steps as labelled bands (``setWeight 50``,
   ``pause 1h``, ``analysis``...) and pauses hatched;
2. pods per ReplicaSet role (desired dashed, ready dotted, available solid);
3. requests per second per image (a version keeps its colour through promotion), requests no
   pod answered (no endpoint, no route) apart in grey dots;
4. errors per second, the same way;
5. latency p50 (solid) and p99 (dashed) per image (ms);
6. analysis measurements (marker per phase: ● successful, ✖ failed, ▲ inconclusive, ■ error)
   against the thresholds read off the metrics' success (green, dashed) and failure (red,
   dash-dot) conditions, when the run measured anything.

Every panel marks the update (new revision), the promotion (stable switch) and an abort with a
dotted vertical line, so a weight that drops to 0 at promotion (the new stable takes over; Argo
reports canary 0 / stable 100 again) is not mistaken for an abort, and every injected fault
(pod or node kill, error spike) with a red dashed line. Traffic is re-binned into windows of
10 s to 5 min so a two-hour run does not look like noise. Every line has its own dash pattern
or marker, so the figure reads without colour. Matplotlib runs with the Agg backend, so
plotting never needs a display.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from canarysim.report.chartdata import (
    analysis_thresholds,
    binned_rate,
    fault_marks,
    latency_by_label,
    measured_value,
    milestones,
    pause_bands,
    step_bands,
    thresholds_of,
    traffic_by_label,
    traffic_shares,
    window,
)
from canarysim.report.durations import offset
from canarysim.report.files import write_atomic

__all__ = [
    "analysis_thresholds",
    "binned_rate",
    "figure",
    "milestones",
    "thresholds_of",
    "write_plots",
]

_VERSION_COLOURS = {"stable": "#0072B2", "canary": "#E69F00", "other": "#7f7f7f"}
_ROLE_COLOURS = {"stable": "#0072B2", "canary": "#E69F00", "old": "#7f7f7f"}
_MARK_COLOURS = {"update": "#444444", "promoted": "#1b7837", "aborted": "#b2182b"}
_IMAGE_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
_IMAGE_DASHES = ("-", "--", ":", "-.")
_IMAGE_MARKERS = ("o", "s", "^", "D", "v", "P")
_PHASE_MARKERS = {"Successful": "o", "Failed": "X", "Inconclusive": "^", "Error": "s"}
_FAULT_COLOUR = "#b2182b"


def _scale(until: float) -> tuple[float, str]:
    return (3600.0, "h") if until > 3 * 3600 else (60.0, "min")


def _image_style(labels: list[str], label: str) -> dict[str, Any]:
    if label.startswith("("):
        return {"color": "#6b6b6b", "linestyle": ":", "marker": None}
    images = [lab for lab in labels if not lab.startswith("(")]
    i = images.index(label) if label in images else 0
    return {
        "color": _IMAGE_COLOURS[i % len(_IMAGE_COLOURS)],
        "linestyle": _IMAGE_DASHES[i % len(_IMAGE_DASHES)],
        "marker": _IMAGE_MARKERS[i % len(_IMAGE_MARKERS)],
    }


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
    measured = _measured(result)
    n = 6 if measured else 5
    fig, axes = plt.subplots(n, 1, figsize=(11, 2.3 * n + 0.8), sharex=True, layout="constrained")
    fig.suptitle(f"{result.scenario_name}: seed {result.seed}, {result.mode} traffic", fontsize=13)

    _weights_panel(axes[0], result, t, unit, until)
    _pods_panel(axes[1], series, t)
    width = window(until)
    starts, traffic = traffic_by_label(result, width)
    labels = list(traffic)
    for ax, what in ((axes[2], "requests"), (axes[3], "errors")):
        for label in labels:
            style = _image_style(labels, label)
            _step_plot(
                ax,
                np.append(starts, until) / unit,
                np.append(traffic[label][what], traffic[label][what][-1:]),
                linewidth=1.4,
                label=label,
                **{k: v for k, v in style.items() if k != "marker"},
            )
            if style["marker"]:
                every = max(1, len(starts) // 12)
                ax.plot(
                    starts[::every] / unit,
                    traffic[label][what][::every],
                    linestyle="none",
                    marker=style["marker"],
                    markersize=4,
                    color=style["color"],
                )
        ax.set_ylabel(f"{what} / s")
        ax.set_ylim(bottom=0)
    axes[2].set_title(
        f"Requests per second per image ({width:g} s windows; grey dots: no pod answered)",
        loc="left",
        fontsize=10,
    )
    axes[3].set_title(
        f"Errors served per second per image ({width:g} s windows)", loc="left", fontsize=10
    )

    ax = axes[4]
    for label, quantiles in latency_by_label(result).items():
        style = _image_style(labels, label)
        for q, dash in (("p50", "-"), ("p99", "--")):
            if q in quantiles and np.isfinite(quantiles[q]).any():
                _step_plot(
                    ax,
                    t,
                    quantiles[q],
                    color=style["color"],
                    linestyle=dash,
                    linewidth=1.1,
                    marker=style["marker"],
                    markevery=max(1, len(t) // 12),
                    markersize=3.5,
                    label=f"{label} {q}",
                )
    ax.set_ylabel("latency (ms)")
    ax.set_ylim(bottom=0)
    ax.set_title("Latency per image (p50 solid, p99 dashed)", loc="left", fontsize=10)

    if measured:
        _analysis_panel(axes[5], measured, thresholds or {}, unit)

    marks = milestones(result.snapshots)
    faults = fault_marks(result.events)
    for k, ax in enumerate(axes):
        for when, what in marks:
            ax.axvline(when / unit, color=_MARK_COLOURS[what], linestyle=":", linewidth=1.2)
        for j, (when, _message) in enumerate(faults):
            ax.axvline(
                when / unit,
                color=_FAULT_COLOUR,
                linestyle=(0, (5, 3)),
                linewidth=1.2,
                label=("fault injected" if j == 0 and k == 0 else None),
            )
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
    for when, message in faults:
        axes[0].text(
            when / unit,
            60,
            f" fault: {message}"[:48],
            color=_FAULT_COLOUR,
            fontsize=7,
            ha="left",
            va="center",
            rotation=90,
        )
    axes[-1].set_xlabel(f"simulated time ({unit_name})")
    axes[-1].set_xlim(0, until / unit)
    return fig


def _weights_panel(ax: Any, result: Any, t: np.ndarray, unit: float, until: float) -> None:
    narrow: list[str] = []
    for k, band in enumerate(step_bands(result.snapshots, until)):
        ax.axvspan(
            band.start / unit,
            band.end / unit,
            facecolor="#dfe8f3" if k % 2 else "#eef3f9",
            hatch=".." if band.kind in ("analysis", "experiment") else None,
            edgecolor="#9a9a9a",
            linewidth=0,
            zorder=0,
        )
        if (band.end - band.start) >= 0.04 * until:  # label only bands wide enough to read
            ax.text(
                (band.start + band.end) / 2 / unit,
                103,
                band.label,
                ha="center",
                va="bottom",
                fontsize=8,
            )
        else:
            narrow.append(f"{band.label} {offset(band.start)}-{offset(band.end)}")
    for j, band in enumerate(pause_bands(result.snapshots, until)):
        ax.axvspan(
            band.start / unit,
            band.end / unit,
            facecolor="none",
            hatch="//",
            edgecolor="#b0b0b0",
            linewidth=0,
            zorder=0.5,
            label="paused" if j == 0 else None,
        )
    routed = any(m.get("virtualservices") for _, m in result.manifest_history)
    shares = traffic_shares(result.series, routed)
    for v, dash in (("stable", "-"), ("canary", "--"), ("other", ":")):
        if v in shares:
            _step_plot(
                ax, t, shares[v], color=_VERSION_COLOURS[v], linestyle=dash, linewidth=2, label=v
            )
    ax.set_ylim(-3, 115)
    if routed:
        ax.set_ylabel("weight (%)")
        title = "Router weights, canary steps and pauses"
    else:
        ax.set_ylabel("share of pods (%)")
        title = "Traffic share by available pods (no traffic routing), canary steps and pauses"
    if narrow:  # steps too short to label in place are listed under the title
        title += "\nsteps: " + "; ".join(narrow)
    ax.set_title(title, loc="left", fontsize=10)


def _pods_panel(ax: Any, series: dict[str, np.ndarray], t: np.ndarray) -> None:
    for role, colour in _ROLE_COLOURS.items():
        for field, style, width in (
            ("desired", "--", 1.3),
            ("ready", ":", 1.5),
            ("available", "-", 1.8),
        ):
            col = f"rs.{role}.{field}"
            if col in series and np.nanmax(np.asarray(series[col], dtype=float)) > 0:
                values = np.asarray(series[col], dtype=float)
                _step_plot(
                    ax,
                    t,
                    values,
                    color=colour,
                    linestyle=style,
                    linewidth=width,
                    label=f"{role} {field}",
                )
    ax.set_ylabel("pods")
    ax.set_ylim(bottom=-0.1)
    ax.set_title(
        "Pods per ReplicaSet role (dashed: desired, dotted: ready, solid: available)",
        loc="left",
        fontsize=10,
    )
    ax.yaxis.get_major_locator().set_params(integer=True)


def _measured(result: Any) -> dict[str, list[tuple[float, float, str]]]:
    """metric -> [(time, value, phase)]: the run's measurements, or without them (a Result
    from an older run) the points where an ``analysis.<metric>`` series changes."""
    out: dict[str, list[tuple[float, float, str]]] = {}
    for m in result.measurements:
        value = measured_value(m.get("value"))
        if value is not None:
            out.setdefault(str(m.get("metric")), []).append(
                (float(m["time"]), value, str(m.get("phase") or ""))
            )
    if out:
        return out
    times = np.asarray(result.series.get("time", ()), dtype=float)
    for col in sorted(c for c in result.series if c.startswith("analysis.")):
        values = np.asarray(result.series[col], dtype=float)
        finite = np.isfinite(values)
        changed = np.flatnonzero(finite & (np.append(np.nan, values[:-1]) != values))
        if len(changed):
            metric = col.removeprefix("analysis.")
            out[metric] = [(float(times[i]), float(values[i]), "") for i in changed]
    return out


def _analysis_panel(
    ax: Any,
    measured: Mapping[str, list[tuple[float, float, str]]],
    thresholds: Mapping[str, list[tuple[str, float]]],
    unit: float,
) -> None:
    for i, (metric, points) in enumerate(sorted(measured.items())):
        colour = ("#5e3c99", "#1f78b4", "#33a02c", "#6a3d9a")[i % 4]
        xs = np.array([p[0] for p in points]) / unit
        ys = np.array([p[1] for p in points])
        ax.plot(xs, ys, linestyle=":", linewidth=1.0, color=colour, label=f"{metric} (measured)")
        for phase in dict.fromkeys(p[2] for p in points):
            sel = [k for k, p in enumerate(points) if p[2] == phase]
            ax.plot(
                xs[sel],
                ys[sel],
                linestyle="none",
                marker=_PHASE_MARKERS.get(phase, "o"),
                markersize=6 if phase == "Failed" else 4.5,
                color=colour,
                label=f"{metric}: {phase.lower()}" if phase else None,
            )
        for label, value in thresholds.get(metric, []):
            success = label.startswith("success")
            ax.axhline(
                value,
                color="#1b7837" if success else "#b2182b",
                linestyle=(0, (8, 4)) if success else (0, (3, 3, 9, 3)),
                linewidth=1.3,
                label=label,
            )
    ax.set_ylabel("measured value")
    ax.set_title(
        "Analysis measurements against their thresholds (success dashed, failure dash-dot)",
        loc="left",
        fontsize=10,
    )


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
