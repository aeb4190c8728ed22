"""``--plot``: the run as one figure (PNG and SVG), the same story the timeline tells.

Panels, sharing the time axis (simulated minutes, or hours for long runs):

1. router weights (canary and stable, %) with the canary steps as labelled bands and pauses
   hatched;
2. pods per ReplicaSet role (desired as a dashed line, available solid);
3. requests per second per version;
4. errors per second per version (what users got);
5. latency p50 and p99 per version (ms);
6. analysis measurements against their thresholds, when the run has analysis series
   (``analysis.<metric>`` with optional ``analysis.<metric>.threshold``).

Matplotlib runs with the Agg backend, so plotting never needs a display.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from canarysim.report.files import write_atomic

_VERSION_COLOURS = {"stable": "#2a7ab9", "canary": "#e8a33d"}
_ROLE_COLOURS = {"stable": "#2a7ab9", "canary": "#e8a33d", "old": "#8c8c8c"}


def _scale(until: float) -> tuple[float, str]:
    return (3600.0, "h") if until > 3 * 3600 else (60.0, "min")


def _bands(snapshots: list[Any], until: float) -> tuple[list[tuple], list[tuple]]:
    """(step bands, pause bands) as (start, end, label) from the snapshots of the update."""
    steps: list[tuple[float, float, str]] = []
    pauses: list[tuple[float, float, str]] = []
    for i, snap in enumerate(snapshots):
        end = snapshots[i + 1].time if i + 1 < len(snapshots) else until
        in_update = snap.step_index is not None and snap.step_index < snap.step_count
        if in_update and snap.stable_hash != snap.canary_hash:
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


def _step_plot(ax: Any, x: np.ndarray, y: np.ndarray, **kw: Any) -> None:
    ax.step(x, y, where="post", **kw)


def _rate(series: dict[str, np.ndarray], column: str, until: float) -> np.ndarray:
    times = np.asarray(series["time"], dtype=float)
    widths = np.diff(np.append(times, max(until, times[-1] + 1e-9)))
    widths[widths <= 0] = np.nan
    return np.asarray(series[column], dtype=float) / widths


def figure(result: Any) -> Any:
    """The matplotlib Figure of ``result`` (caller saves or closes it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = result.series
    unit, unit_name = _scale(result.until)
    t = np.asarray(series.get("time", np.array([0.0])), dtype=float) / unit
    analysis_cols = sorted(
        c for c in series if c.startswith("analysis.") and not c.endswith(".threshold")
    )
    n = 6 if analysis_cols else 5
    fig, axes = plt.subplots(n, 1, figsize=(11, 2.3 * n + 0.8), sharex=True, layout="constrained")
    fig.suptitle(f"{result.scenario_name}: seed {result.seed}, {result.mode} traffic", fontsize=13)
    steps, pauses = _bands(result.snapshots, result.until)

    ax = axes[0]
    for k, (start, end, label) in enumerate(steps):
        ax.axvspan(start / unit, end / unit, color="#dfe8f3" if k % 2 else "#eef3f9", zorder=0)
        ax.text((start + end) / 2 / unit, 103, label, ha="center", va="bottom", fontsize=8)
    for start, end, _ in pauses:
        ax.axvspan(
            start / unit,
            end / unit,
            facecolor="none",
            hatch="//",
            edgecolor="#b0b0b0",
            linewidth=0,
            zorder=0.5,
            label="paused" if start == pauses[0][0] else None,
        )
    for v in ("stable", "canary"):
        col = f"weight.{v}"
        if col in series:
            _step_plot(
                ax,
                t,
                np.asarray(series[col], dtype=float),
                color=_VERSION_COLOURS[v],
                linewidth=2,
                label=f"{v} weight",
            )
    ax.set_ylim(-3, 115)
    ax.set_ylabel("weight (%)")
    ax.set_title("Router weights, canary steps and pauses", loc="left", fontsize=10)

    ax = axes[1]
    for role, colour in _ROLE_COLOURS.items():
        for field, style in (("desired", "--"), ("available", "-")):
            col = f"rs.{role}.{field}"
            if col in series:
                _step_plot(
                    ax,
                    t,
                    np.asarray(series[col], dtype=float),
                    color=colour,
                    linestyle=style,
                    linewidth=1.6,
                    label=f"{role} {field}",
                )
    ax.set_ylabel("pods")
    ax.set_title("Pods per ReplicaSet (dashed: desired, solid: available)", loc="left", fontsize=10)
    ax.yaxis.get_major_locator().set_params(integer=True)

    for ax, kind, title in (
        (axes[2], "requests", "Requests served per version"),
        (axes[3], "errors", "Errors served per version (what users got)"),
    ):
        for v, colour in _VERSION_COLOURS.items():
            if f"{kind}.{v}" in series:
                rate = _rate(series, f"{kind}.{v}", result.until)
                _step_plot(ax, t, rate, color=colour, linewidth=1.4, label=v)
        ax.set_ylabel(f"{kind} / s")
        ax.set_ylim(bottom=0)
        ax.set_title(title, loc="left", fontsize=10)

    ax = axes[4]
    for v, colour in _VERSION_COLOURS.items():
        for q, style in (("p50", "-"), ("p99", "--")):
            col = f"latency_{q}.{v}"
            if col in series:
                _step_plot(
                    ax,
                    t,
                    np.asarray(series[col], dtype=float),
                    color=colour,
                    linestyle=style,
                    linewidth=1.3,
                    label=f"{v} {q}",
                )
    ax.set_ylabel("latency (ms)")
    ax.set_ylim(bottom=0)
    ax.set_title("Latency per version", loc="left", fontsize=10)

    if analysis_cols:
        ax = axes[5]
        for i, col in enumerate(analysis_cols):
            colour = f"C{i}"
            ax.plot(
                t,
                np.asarray(series[col], dtype=float),
                "o-",
                color=colour,
                markersize=3,
                label=col.removeprefix("analysis."),
            )
            if f"{col}.threshold" in series:
                _step_plot(
                    ax,
                    t,
                    np.asarray(series[f"{col}.threshold"], dtype=float),
                    color=colour,
                    linestyle="--",
                    label="threshold",
                )
        ax.set_title("Analysis measurements and thresholds", loc="left", fontsize=10)

    for ax in axes:
        ax.grid(True, color="#e6e6e6", linewidth=0.6)
        ax.set_axisbelow(True)
        handles, _ = ax.get_legend_handles_labels()
        if handles:
            ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[-1].set_xlabel(f"simulated time ({unit_name})")
    axes[-1].set_xlim(0, result.until / unit)
    return fig


def write_plots(result: Any, directory: str | Path) -> list[Path]:
    """Write ``<scenario>.png`` and ``<scenario>.svg`` under ``directory`` (atomically)."""
    import io

    import matplotlib.pyplot as plt

    fig = figure(result)
    out = []
    try:
        for ext in ("png", "svg"):
            buf = io.BytesIO()
            fig.savefig(buf, format=ext, dpi=120, metadata={"Date": None} if ext == "svg" else {})
            out.append(
                write_atomic(Path(directory) / f"{result.scenario_name}.{ext}", buf.getvalue())
            )
    finally:
        plt.close(fig)
    return out
