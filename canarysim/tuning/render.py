"""A tuning as text: the budget, the search, the recommended steps, its figures against the
current schedule's, the verification on fresh seeds, and the Pareto front as a table."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["render"]


def _pct(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{100 * x:.1f} %"


def _dur(x: float) -> str:
    if not math.isfinite(x):
        return "never"
    s = round(x)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}h{m:02d}m{sec:02d}s" if h else f"{m}m{sec:02d}s"


def _num(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{x:,.1f}"


def _iv(iv: Any, fmt: Any) -> str:
    return f"{fmt(iv.value)} [{fmt(iv.low)}, {fmt(iv.high)}]"


def _budget_line(t: Any) -> str:
    b = t.budget
    parts = [f"detection >= {b.detect:g}", f"false rollback <= {b.false_rollback:g}"]
    if b.max_blast_radius is not None:
        parts.append(f"mean blast radius <= {b.max_blast_radius:g} errors")
    if b.max_duration is not None:
        parts.append(f"median time to promotion <= {_dur(b.max_duration)}")
    return ", ".join(parts) + f" (conservative ends of {100 * b.confidence:g} % intervals)"


def _figure_rows(columns: list[tuple[str, Any]]) -> list[str]:
    names = [n for n, _ in columns]
    width = max(34, *(len(n) + 2 for n in names))
    lines = ["  " + " " * 19 + "".join(f"{n:<{width}}" for n in names).rstrip()]
    for label, get in (
        ("time to promotion", lambda f: _iv(f.time_to_promotion, _dur)),
        ("detection", lambda f: _iv(f.detection, _pct) + f" {f.detected}/{f.runs}"),
        ("false rollback", lambda f: _iv(f.false_rollback, _pct) + f" {f.rolled_back}/{f.runs}"),
        ("blast radius", lambda f: _iv(f.blast_radius, _num)),
    ):
        cells = "".join(f"{get(f):<{width}}" for _, f in columns)
        lines.append(f"  {label:<19}{cells}".rstrip())
    return lines


def _table(t: Any, rows: list[tuple[Any, Any]], budget: Any) -> list[str]:
    out = [
        f"  {'schedule':<34} {'runs':>5}  {'promotion':>10}  {'detection':>25}  "
        f"{'false rollback':>25}  {'blast':>8}  verdict"
    ]
    for c, f in rows:
        verdict = "passes" if f.passes(budget) else "misses " + ", ".join(f.misses(budget))
        out.append(
            f"  {c.label:<34} {f.runs:>5}  {_dur(f.time_to_promotion.value):>10}  "
            f"{_iv(f.detection, _pct):>25}  {_iv(f.false_rollback, _pct):>25}  "
            f"{_num(f.blast_radius.value):>8}  {verdict}"
        )
    return out


def render(t: Any) -> str:
    b = t.budget
    regression = ", ".join(f"{p}={v}" for p, v in t.regression)
    space = t.space
    rungs = " -> ".join(f"{n} runs x {c}" for n, c, _ in t.rungs)
    lines = [
        f"tune {t.scenario_name}: seed {t.seed}, regression {regression}",
        f"budget: {_budget_line(t)}",
        f"searched {len(t.candidates)} {space['family']} schedules ({space['describe']}) by "
        f"{t.method.replace('halving', 'successive halving')}: {rungs}; "
        f"{t.simulated:,} runs simulated",
        "",
    ]
    if t.found:
        best = t.best
        lines.append(f"recommended: {t.recommended.label}")
        lines += ["  " + ln for ln in t.steps_yaml().splitlines()]
        if t.templates():
            lines.append(
                "  with the AnalysisTemplate's "
                + ", ".join(f"{k}={v}" for k, v in t.recommended.knobs)
            )
        lines.append("")
        columns = [("recommended", best), ("current schedule", t.current)]
        if t.verification is not None:
            columns.insert(1, ("verified (fresh seeds)", t.verification))
        lines += _figure_rows(columns)
        if t.verification is not None:
            holds = t.verification.plausible(b)
            lines.append(
                f"  verification on {t.verification.runs} fresh seeds: "
                + (
                    "the budget holds (within every interval's reach)"
                    if holds
                    else "DOES NOT HOLD: " + ", ".join(_missed(t.verification, b))
                )
            )
        cur = t.current.time_to_promotion.value
        new = best.time_to_promotion.value
        if math.isfinite(cur) and math.isfinite(new):
            lines.append(
                f"  {_dur(cur - new)} faster than the current schedule"
                if new < cur
                else "  no faster than the current schedule"
            )
        if not t.current.passes(b):
            lines.append(
                "  the current schedule misses the budget: " + ", ".join(t.current.misses(b))
            )
    else:
        lines.append("NO CANDIDATE MEETS THE BUDGET. The closest:")
        lines += _table(t, t.closest(), b)
        lines.append(
            "Loosen the budget, widen the search (--steps, --pauses, --weights, the "
            "analysis knobs) or raise --runs-per-candidate."
        )
        lines += ["", *_figure_rows([("current schedule", t.current)])]
    front = t.front()
    lines += [
        "",
        f"Pareto front (time to promotion vs blast radius and detection), "
        f"{len(front)} of {len(t.candidates)} candidates:",
    ]
    lines += _table(t, [t.candidates[i] for i in front], b)
    return "\n".join(lines) + "\n"


def _missed(f: Any, b: Any) -> list[str]:
    names = ("detection", "false rollback", "blast radius", "time to promotion")
    return [n for n, (ok, _) in zip(names, f._checks(b, conservative=False), strict=True) if not ok]
