"""The Pareto front of a tuning, and its plot.

Every candidate is a point (median time to promotion, mean blast radius, detection) read off
the runs it met (a candidate dropped early has fewer runs: its ``runs`` says so). A point is on
the front when no other promotes as fast or faster, with no more blast radius and at least the
same detection, and is strictly better in one of the three. The figure plots time to promotion
against blast radius, coloured by detection, the front joined by a line, the recommended
schedule starred and the current one crossed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = ["front_figure", "pareto"]


def _point(f: Any) -> tuple[float, float, float]:
    return (f.time_to_promotion.value, f.blast_radius.value, f.detection.value)


def pareto(figures: Sequence[Any]) -> list[int]:
    """Indices of the non-dominated figures, by time to promotion then index."""
    points = [_point(f) for f in figures]
    out = []
    for i, (t, b, d) in enumerate(points):
        if not all(math.isfinite(x) for x in (t, b, d)):
            continue
        dominated = any(
            t2 <= t and b2 <= b and d2 >= d and (t2 < t or b2 < b or d2 > d)
            for j, (t2, b2, d2) in enumerate(points)
            if j != i and all(math.isfinite(x) for x in (t2, b2, d2))
        )
        if not dominated:
            out.append(i)
    return sorted(out, key=lambda i: (points[i][0], i))


def front_figure(rows: Sequence[dict[str, Any]], title: str) -> Any:
    """``rows``: dicts with ``label``, ``figures``, ``front`` (bool), ``role`` (``candidate``,
    ``recommended``, ``current``). A matplotlib Figure (no pyplot state)."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 4.8))
    ax = fig.add_subplot(1, 1, 1)
    norm = Normalize(0.0, 1.0)
    cmap = colormaps["viridis"]
    for role, marker, size in (
        ("candidate", "o", 28),
        ("recommended", "*", 220),
        ("current", "X", 110),
    ):
        pts = [r for r in rows if r["role"] == role]
        xs, ys, cs = [], [], []
        for r in pts:
            t, b, d = _point(r["figures"])
            if math.isfinite(t) and math.isfinite(b):
                xs.append(t / 60.0)
                ys.append(b)
                cs.append(d)
        if xs:
            ax.scatter(
                xs,
                ys,
                c=cs,
                cmap=cmap,
                norm=norm,
                marker=marker,
                s=size,
                edgecolors="black",
                linewidths=0.6 if role != "candidate" else 0.2,
                label=role,
                zorder=3 if role != "candidate" else 2,
            )
    front = sorted(
        (_point(r["figures"]) for r in rows if r["front"]),
        key=lambda p: p[0],
    )
    if front:
        ax.plot(
            [p[0] / 60.0 for p in front],
            [p[1] for p in front],
            color="0.4",
            lw=1,
            ls="--",
            label="Pareto front",
            zorder=1,
        )
    sm = fig.colorbar(ScalarMappable(norm, cmap), ax=ax)
    sm.set_label("detection (regressed canary aborted)")
    ax.set_xlabel("median time to promotion, good canary (minutes)")
    ax.set_ylabel("mean blast radius, regressed canary (errors)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig
