"""A sweep as one offline HTML page (``canarysim sweep|compare --html FILE``).

The risk report's figures, each with its interval, in one table per variant row, and the
sweep's plots inlined as SVG; built with the HTML report's page builder, so the page has the
same style, works offline and is byte-identical for the same sweep.
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib

from canarysim.report.html import document, figure, risk_table

__all__ = ["sweep_page"]

COLUMNS = [
    ("label", "variant"),
    ("canary", "canary"),
    ("stopped", "stopped (detection or false rollback)"),
    ("time_to_detection", "time to detection, median"),
    ("time_to_promotion", "time to promotion, median"),
    ("promotion_worst", "time to promotion, worst"),
    ("blast_radius", "errors served by the canary, mean"),
    ("user_error_rate", "users' error rate, mean"),
    ("budget_burn", "error-budget burn, mean"),
]


def _percent(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.3g}%"


def _seconds(x: float | None) -> str:
    if x is None:
        return "–"
    m, s = divmod(round(x), 60)
    return f"{m}m{s:02d}s"


def _with_interval(est: dict[str, Any] | None, fmt: Any, key: str = "value") -> str:
    if not est or est.get(key) is None:
        return "–"
    return f"{fmt(est[key])} [{fmt(est.get('low'))}, {fmt(est.get('high'))}]"


def _row(v: dict[str, Any]) -> dict[str, str]:
    stopped = v.get("stopped") or {}
    ttd = (v.get("time_to_detection") or {}).get("median")
    ttp = v.get("time_to_promotion") or {}
    burn = (v.get("budget_burn") or {}).get("mean") if v.get("budget_burn") else None
    return {
        "label": str(v.get("label", "")),
        "canary": str(v.get("canary", "")),
        "stopped": _with_interval(stopped, _percent, "p")
        + f" ({stopped.get('k', 0)} of {stopped.get('n', 0)})",
        "time_to_detection": _with_interval(ttd, _seconds),
        "time_to_promotion": _with_interval(ttp.get("median"), _seconds),
        "promotion_worst": _seconds(ttp.get("worst")),
        "blast_radius": _with_interval(
            (v.get("blast_radius") or {}).get("mean"), lambda x: "–" if x is None else f"{x:.1f}"
        ),
        "user_error_rate": _with_interval((v.get("user_error_rate") or {}).get("mean"), _percent),
        "budget_burn": _with_interval(burn, _percent),
    }


def sweep_page(report: dict[str, Any], figures: dict[str, Any] | None = None) -> str:
    """The page of a risk report (``Sweep.report()``), with matplotlib ``figures`` by name
    (``Sweep.plot()``) drawn as inline SVG."""
    rows = [_row(v) for v in report.get("variants") or []]
    level = f"{100 * float(report.get('confidence', 0.95)):g} %"
    table = risk_table(
        COLUMNS,
        rows,
        caption=f"{report.get('runs')} runs per variant on common seeds; intervals at {level} "
        "(Wilson score for proportions, order statistics for medians, normal for means).",
        numeric=[k for k, _ in COLUMNS[2:]],
    )
    sections = [table]
    for name, fig in sorted((figures or {}).items()):
        buf = io.StringIO()
        # a fixed salt and no date: the same sweep gives the same bytes
        with matplotlib.rc_context({"svg.hashsalt": "canarysim"}):
            fig.savefig(buf, format="svg", metadata={"Date": None})
        sections.append(figure(f"plot-{name}", name.replace("_", " "), buf.getvalue()))
    title = f"canarysim sweep: {report.get('scenario', '')}"
    return document(title, subtitle=f"seed {report.get('seed')}", sections=sections)
