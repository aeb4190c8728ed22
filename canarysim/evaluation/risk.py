"""The risk report of a sweep: per variant, each figure with its interval and the method named.

:func:`risk_report` returns plain data (the ``report.json`` schema, ``canarysim.sweep/v1``,
documented in docs/sweep-report.md), so any front end (the terminal, a JSON consumer, an HTML
page) renders the same numbers; :func:`render_report` is the terminal's rendering.

Per variant: the probability that the rollout was stopped (aborted), read as *detection* when
the canary is bad and as *false rollback* when it is good (Wilson interval); time to detection
(aborted runs) and time to promotion (promoted runs) as median and p90 with order-statistic
intervals, and the worst; blast radius (errors served by the canary) and the user-facing error
rate during the rollout (mean with a normal interval, median and p90 with order statistics);
the error-budget burn when the scenario declares an ``slo``. ``comparisons`` holds differences
against the first variant on common random numbers (paired: run *i* of each variant used the
same seed).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from canarysim.evaluation.stats import mean_interval, quantile_interval, wilson

__all__ = ["SCHEMA", "paired_difference", "render_report", "risk_report"]

SCHEMA = "canarysim.sweep/v1"
WILSON = "Wilson score interval"
ORDER = "order statistics (distribution-free)"
NORMAL = "normal approximation (CLT)"


def _num(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 6)


def _proportion(k: int, n: int, confidence: float) -> dict[str, Any]:
    lo, hi = wilson(k, n, confidence)
    return {
        "p": _num(k / n) if n else None,
        "low": _num(lo),
        "high": _num(hi),
        "k": int(k),
        "n": int(n),
        "method": WILSON,
    }


def _quantiles(x: np.ndarray, confidence: float, *, mean: bool = False) -> dict[str, Any]:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    out: dict[str, Any] = {"n": len(x)}
    if mean:
        m, lo, hi = mean_interval(x, confidence)
        out["mean"] = {"value": _num(m), "low": _num(lo), "high": _num(hi), "method": NORMAL}
    for name, q in (("median", 0.5), ("p90", 0.9)):
        est, lo, hi = quantile_interval(x, q, confidence)
        out[name] = {"value": _num(est), "low": _num(lo), "high": _num(hi), "method": ORDER}
    out["worst"] = _num(float(x.max())) if len(x) else None
    return out


def paired_difference(a: np.ndarray, b: np.ndarray, confidence: float) -> dict[str, Any]:
    """Mean of ``b - a`` run by run (common random numbers) with a normal interval."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    m, lo, hi = mean_interval(b[keep] - a[keep], confidence)
    return {"value": _num(m), "low": _num(lo), "high": _num(hi), "n": int(keep.sum()),
            "method": "paired " + NORMAL}  # fmt: skip


def _variant(cols: dict[str, np.ndarray], mask: np.ndarray, confidence: float) -> dict[str, Any]:
    n = int(mask.sum())
    outcome = cols["outcome"][mask]
    stopped = int((outcome == "aborted").sum())
    bad = bool(cols["bad"][mask].any())
    prop = _proportion(stopped, n, confidence)
    burn = cols["budget_burn"][mask]
    return {
        "canary": "bad" if bad else "good",
        "runs": n,
        "outcomes": {o: int((outcome == o).sum()) for o in ("promoted", "aborted", "unfinished")},
        "stopped": prop,
        "detection": prop if bad else None,
        "false_rollback": None if bad else prop,
        "time_to_detection": _quantiles(cols["time_to_stop"][mask], confidence),
        "time_to_promotion": _quantiles(cols["time_to_promotion"][mask], confidence),
        "blast_radius": _quantiles(cols["canary_errors"][mask], confidence, mean=True),
        "user_error_rate": _quantiles(cols["rollout_error_rate"][mask], confidence, mean=True),
        "budget_burn": (
            _quantiles(burn, confidence, mean=True) if np.isfinite(burn).any() else None
        ),
    }


def risk_report(sweep: Any, confidence: float = 0.95) -> dict[str, Any]:
    """The report of a :class:`~canarysim.evaluation.sweep.Sweep` as plain data."""
    cols = sweep.columns
    variants = []
    for i, label in enumerate(sweep.labels):
        mask = cols["variant"] == i
        entry = {"label": label, "changes": sweep.changes[i]}
        entry.update(_variant(cols, mask, confidence))
        variants.append(entry)
    comparisons = []
    if len(sweep.labels) > 1:
        base = cols["variant"] == 0
        for i in range(1, len(sweep.labels)):
            other = cols["variant"] == i
            if not np.array_equal(cols["seed"][base], cols["seed"][other]):
                continue
            stopped = {
                k: (cols["outcome"][m] == "aborted").astype(float)
                for k, m in (("a", base), ("b", other))
            }
            comparisons.append(
                {
                    "baseline": sweep.labels[0],
                    "variant": sweep.labels[i],
                    "stopped": paired_difference(stopped["a"], stopped["b"], confidence),
                    "time_to_promotion": paired_difference(
                        cols["time_to_promotion"][base],
                        cols["time_to_promotion"][other],
                        confidence,
                    ),
                    "blast_radius": paired_difference(
                        cols["canary_errors"][base], cols["canary_errors"][other], confidence
                    ),
                }
            )
    return {
        "schema": SCHEMA,
        "scenario": sweep.scenario_name,
        "seed": int(sweep.seed),
        "runs": int(sweep.runs),
        "confidence": confidence,
        "slo": sweep.slo,
        "variants": variants,
        "comparisons": comparisons,
    }


# -- text ------------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def _dur(x: float | None) -> str:
    if x is None:
        return "–"
    s = round(x)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}h{m:02d}m{sec:02d}s" if h else (f"{m}m{sec:02d}s" if m else f"{x:.1f}s")


def _q(d: dict[str, Any], fmt: Any) -> str:
    if not d or d.get("value") is None:
        return "–"
    return f"{fmt(d['value'])} [{fmt(d['low'])}, {fmt(d['high'])}]"


def _count(x: float | None) -> str:
    return "–" if x is None else f"{x:,.1f}".rstrip("0").rstrip(".")


def render_report(report: dict[str, Any]) -> str:
    """The risk report as text: one block per variant, then the paired comparisons."""
    level = f"{100 * report['confidence']:g} %"
    lines = [
        f"sweep of {report['scenario']}: {report['runs']} runs per variant, seed "
        f"{report['seed']}; intervals at {level} (proportions: Wilson; quantiles: order "
        "statistics; means: normal)"
    ]
    for v in report["variants"]:
        o = v["outcomes"]
        lines += ["", f"{v['label']}  (canary {v['canary']})"]
        lines.append(
            f"  outcomes            promoted {o['promoted']}, aborted {o['aborted']}, "
            f"unfinished {o['unfinished']}"
        )
        p = v["stopped"]
        name = "detection" if v["canary"] == "bad" else "false rollback"
        lines.append(
            f"  {name:<19} {_pct(p['p'])} [{_pct(p['low'])}, {_pct(p['high'])}]  "
            f"({p['k']}/{p['n']} stopped)"
        )
        t = v["time_to_detection"]
        if t["n"]:
            lines.append(
                f"  time to detection   median {_q(t['median'], _dur)}, p90 {_q(t['p90'], _dur)}"
            )
        t = v["time_to_promotion"]
        if t["n"]:
            lines.append(
                f"  time to promotion   median {_q(t['median'], _dur)}, p90 "
                f"{_q(t['p90'], _dur)}, worst {_dur(t['worst'])}"
            )
        b = v["blast_radius"]
        lines.append(
            f"  blast radius        mean {_q(b['mean'], _count)} canary errors, p90 "
            f"{_q(b['p90'], _count)}, worst {_count(b['worst'])}"
        )
        r = v["user_error_rate"]
        lines.append(
            f"  user error rate     mean {_q(r['mean'], lambda x: f'{100 * x:.3f} %')} "
            "during the rollout"
        )
        if v["budget_burn"]:
            b = v["budget_burn"]
            lines.append(
                f"  error-budget burn   mean {_q(b['mean'], _pct)}, p90 {_q(b['p90'], _pct)} "
                "of the SLO's budget"
            )
    for c in report["comparisons"]:
        lines += ["", f"{c['variant']}  vs  {c['baseline']}  (paired, same seeds)"]
        d = c["stopped"]
        lines.append(f"  stopped             {_q(d, lambda x: f'{100 * x:+.1f} pt')}")
        d = c["time_to_promotion"]
        if d["value"] is not None:
            lines.append(f"  time to promotion   {_q(d, lambda x: f'{x:+.0f}s')}")
        d = c["blast_radius"]
        lines.append(f"  blast radius        {_q(d, lambda x: f'{x:+.1f}')}")
    return "\n".join(lines) + "\n"
