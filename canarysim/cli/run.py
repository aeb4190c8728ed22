"""``canarysim run``: simulate, write the requested files, print the report or the JSON summary.

The exit code is the summary's: 0 Healthy, 1 Degraded/aborted, 3 still going at ``--until``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from canarysim.cli.loading import load, simulate, style


def cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    from canarysim.report import summarize
    from canarysim.report.runview import render_report
    from canarysim.report.summary import summary_json

    scenario = load(args)
    after = _metrics_writer(Path(args.metrics_out)) if args.metrics_out else None
    result = simulate(args, scenario, args.until, after)
    summary = summarize(result)
    _write_files(args, scenario, result, summary)
    if args.json:
        out.write(summary_json(summary))
    elif not args.quiet:
        out.write(
            render_report(result, summary=summary, style=style(args, out), every=args.verbose)
        )
    return int(summary["exit_code"])


def _metrics_writer(path: Path) -> Any:
    """``--metrics-out``: the world's metric store as OpenMetrics text, written whole."""

    def write(world: Any) -> None:
        from canarysim.report.files import write_atomic
        from canarysim.sim.analysis.runs import WALL_CLOCK_EPOCH
        from canarysim.sim.metrics.export import openmetrics_lines

        now = float(world.env.now)
        world.flow.flush(now)
        world.store.advance_to(now)
        write_atomic(path, "".join(openmetrics_lines(world.store, WALL_CLOCK_EPOCH)))

    return write


def _outputs(args: argparse.Namespace, scenario: Any) -> tuple[Path | None, set[str]]:
    """Where files go and which: --out DIR takes everything but plots (--plot adds them);
    without --out, the scenario's ``outputs: {dir, formats}`` decide, relative to the
    scenario file; --plot alone writes plots under ./canarysim-out."""
    plots = {"png"} if args.plot else set()
    if args.out:
        return Path(args.out), {"json", "csv"} | plots
    spec = getattr(scenario, "outputs", None)
    if spec is not None and spec.dir:
        return scenario.base_dir / spec.dir, set(spec.formats) | plots
    if plots:
        return Path("canarysim-out"), plots
    return None, set()


def _write_files(
    args: argparse.Namespace, scenario: Any, result: Any, summary: dict[str, Any]
) -> None:
    from canarysim.report.files import write_outputs

    root, formats = _outputs(args, scenario)
    if root is None:
        return
    text = None
    if "txt" in formats:
        from canarysim.report.runview import render_report

        text = render_report(result, summary=summary, every=args.verbose)
    written = write_outputs(result, root, formats=formats, report=text)
    if "png" in formats:
        from canarysim.report.plots import analysis_thresholds, write_plots

        templates = [
            *scenario.manifests.analysis_templates,
            *scenario.manifests.cluster_analysis_templates,
        ]
        written += write_plots(result, root / "plots", analysis_thresholds(templates))
    if not args.quiet and not args.json:
        print(f"canarysim: wrote {len(written)} files under {root}", file=sys.stderr)
