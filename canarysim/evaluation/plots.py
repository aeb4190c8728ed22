"""The plots of a sweep, as matplotlib Figures (no pyplot state, no display needed).

* ``detection``: probability that the rollout is stopped against the varied value (or the
  variant), Wilson intervals drawn; read as detection for bad canaries, false rollback for good;
* ``promotion-vs-blast``: median time to promotion against mean blast radius per variant, with
  their intervals (down and left is better);
* ``promotion-times``: the distribution (empirical CDF) of time to promotion per variant.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["sweep_figures"]


def _axis(sweep: Any) -> tuple[np.ndarray, str, bool]:
    """x positions of the variants: the single varied number when there is one."""
    keys = {k for c in sweep.changes for k in c}
    if len(keys) == 1:
        (key,) = keys
        values = [c.get(key) for c in sweep.changes]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            return np.asarray(values, dtype=float), key, True
    return np.arange(len(sweep.labels), dtype=float), "variant", False


def _err(value: float | None, lo: float | None, hi: float | None) -> tuple[float, float, float]:
    v = np.nan if value is None else value
    return (v, v - (np.nan if lo is None else lo), (np.nan if hi is None else hi) - v)


def sweep_figures(sweep: Any, report: dict[str, Any]) -> dict[str, Any]:
    from matplotlib.figure import Figure

    variants = report["variants"]
    x, xlabel, numeric = _axis(sweep)
    figs: dict[str, Any] = {}

    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.add_subplot()
    for kind, marker in (("bad", "o"), ("good", "s")):
        idx = [i for i, v in enumerate(variants) if v["canary"] == kind]
        if not idx:
            continue
        pts = [_err(variants[i]["stopped"]["p"], variants[i]["stopped"]["low"],
                    variants[i]["stopped"]["high"]) for i in idx]  # fmt: skip
        y = np.array([p[0] for p in pts])
        yerr = np.array([[p[1] for p in pts], [p[2] for p in pts]])
        name = "detection (bad canary)" if kind == "bad" else "false rollback (good canary)"
        ax.errorbar(x[idx], y, yerr=yerr, fmt=marker, capsize=4, label=name)
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("P(rollout stopped)")
    ax.set_xlabel(xlabel)
    if numeric and np.all(x > 0) and x.max() / x.min() > 20:
        ax.set_xscale("log")
    if not numeric:
        ax.set_xticks(x, [v["label"] for v in variants], rotation=20, ha="right")
    level = f"{100 * report['confidence']:g} %"
    ax.set_title(f"{report['scenario']}: probability the rollout is stopped ({level} Wilson)")
    ax.legend(loc="best")
    ax.grid(alpha=0.3)
    figs["detection"] = fig

    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.add_subplot()
    for v in variants:
        tp, br = v["time_to_promotion"]["median"], v["blast_radius"]["mean"]
        if tp["value"] is None:
            continue
        ty = _err(tp["value"] / 60, _div(tp["low"]), _div(tp["high"]))
        bx = _err(br["value"], br["low"], br["high"])
        ax.errorbar([bx[0]], [ty[0]], xerr=[[bx[1]], [bx[2]]], yerr=[[ty[1]], [ty[2]]],
                    fmt="o", capsize=4, label=v["label"])  # fmt: skip
    ax.set_xlabel("blast radius: mean errors served by the canary")
    ax.set_ylabel("median time to promotion (min)")
    ax.set_title("time to promotion against blast radius (lower left is better)")
    if ax.has_data():
        ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3)
    figs["promotion-vs-blast"] = fig

    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.add_subplot()
    for i, v in enumerate(variants):
        t = np.sort(sweep.columns["time_to_promotion"][sweep.columns["variant"] == i])
        t = t[np.isfinite(t)] / 60
        if len(t):
            ax.step(t, np.arange(1, len(t) + 1) / v["runs"], where="post", label=v["label"])
    ax.set_xlabel("time to promotion (min)")
    ax.set_ylabel("fraction of runs promoted")
    ax.set_ylim(0, 1.02)
    ax.set_title("distribution of time to promotion")
    if ax.has_data():
        ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3)
    figs["promotion-times"] = fig
    return figs


def _div(x: float | None) -> float | None:
    return None if x is None else x / 60
