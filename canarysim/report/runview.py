"""The text report of ``canarysim run``: a heading, the timeline, the final get-rollout view
and the summary table, in the order a reader wants them."""

from __future__ import annotations

from typing import Any

from canarysim.report.durations import offset
from canarysim.report.getview import analysis_created, render_rollout
from canarysim.report.style import PLAIN, Style
from canarysim.report.summary import render_summary, summarize
from canarysim.report.timeline import render_timeline


def render_report(
    result: Any,
    *,
    summary: dict[str, Any] | None = None,
    style: Style = PLAIN,
    every: bool = False,
) -> str:
    """The whole report of ``result`` (``every``: all Kubernetes events in the timeline)."""
    summary = summarize(result) if summary is None else summary
    heading = (
        f"canarysim run {result.scenario_name}: seed {result.seed}, {result.mode} traffic, "
        f"until {offset(result.until)}"
    )
    view = render_rollout(
        result.final,
        now=result.until,
        style=style,
        analysis_created=analysis_created(result.snapshots),
    )
    return (
        style.bold(heading)
        + "\n\n"
        + render_timeline(result, style=style, every=every)
        + "\n"
        + view
        + "\n"
        + render_summary(summary, style=style)
    )
