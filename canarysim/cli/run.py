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
    if args.html:
        _write_html(args.html, result, _thresholds(scenario), quiet=args.quiet or args.json)
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
        from canarysim.sim.analysis.prometheus import WALL_CLOCK_EPOCH
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
        from canarysim.report.plots import write_plots

        written += write_plots(result, root / "plots", _thresholds(scenario))
    if not args.quiet and not args.json:
        print(f"canarysim: wrote {len(written)} files under {root}", file=sys.stderr)


def _thresholds(scenario: Any) -> dict[str, list[tuple[str, float]]]:
    """The analysis thresholds the scenario's templates declare (for plots and the HTML)."""
    from canarysim.report.chartdata import analysis_thresholds

    templates = [
        *scenario.manifests.analysis_templates,
        *scenario.manifests.cluster_analysis_templates,
    ]
    return analysis_thresholds(templates)


def _write_html(path: str, result: Any, thresholds: Any, *, quiet: bool) -> None:
    from canarysim.report.html import run_page, write_html

    written = write_html(path, run_page(result, thresholds))
    if not quiet:
        print(f"canarysim: wrote {written}", file=sys.stderr)


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    """``canarysim report RESULT -o FILE``: the HTML report of a saved run."""
    import json

    from canarysim.errors import ScenarioError
    from canarysim.result import Result

    try:
        text = Path(args.result).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(
            args.result, "text", "a result.json written by canarysim run --out", got="binary data"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            args.result,
            "JSON",
            "a result.json written by canarysim run --out",
            line=exc.lineno,
            got=f"invalid JSON ({exc.msg})",
        ) from None
    try:
        result = Result.from_json(data)
    except ScenarioError as exc:
        raise ScenarioError(args.result, exc.field, exc.expected, got=exc.got) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise ScenarioError(
            args.result, str(exc).strip("'\""), "a complete canarysim.result/v1 document"
        ) from None
    thresholds: dict[str, list[tuple[str, float]]] = {}
    if args.scenario:
        import canarysim

        thresholds = _thresholds(canarysim.load_scenario(args.scenario))
    _write_html(args.output, result, thresholds, quiet=False)
    return 0
