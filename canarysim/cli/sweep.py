"""``canarysim sweep`` and ``canarysim compare``: many seeded runs and their risk report.

Both print the report of :mod:`canarysim.evaluation.risk` (or its JSON with ``--json``) and
write ``runs.csv``, ``report.json`` and plots with ``--out DIR``. Exit code 0 when the sweep ran
(its findings are data, not failures), 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from canarysim.errors import ScenarioError

__all__ = ["add_commands", "cmd_compare", "cmd_sweep"]


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid count {text!r}: expected an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"invalid count {text!r}: must be at least 1")
    return value


def _confidence(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid level {text!r}: expected e.g. 0.95") from None
    if not 0.5 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"invalid level {text!r}: must be in [0.5, 1)")
    return value


def _bad(value: str) -> bool | None:
    return {"auto": None, "bad": True, "good": False}[value]


def _executor_options(args: argparse.Namespace) -> dict[str, Any]:
    if args.executor == "dask" and not args.scheduler:
        raise ScenarioError(
            "canarysim " + args.command, "--scheduler", "tcp://HOST:PORT with --executor dask"
        )
    if args.scheduler and args.executor != "dask":
        raise ScenarioError("canarysim " + args.command, "--scheduler", "--executor dask with it")
    return {
        "executor": args.executor,
        "jobs": args.jobs,
        "scheduler": args.scheduler,
        "bad": _bad(args.canary),
    }


def _finish(args: argparse.Namespace, sw: Any, out: TextIO) -> int:
    from canarysim.evaluation.risk import render_report

    report = sw.report(args.confidence)
    if args.out:
        sw.save(args.out, args.confidence, plots=not args.no_plots)
    if args.html:
        from canarysim.evaluation.page import sweep_page
        from canarysim.report.html import write_html

        figures = sw.plot(args.confidence)
        write_html(args.html, sweep_page(report, figures))
    if args.json:
        out.write(json.dumps(report, indent=1) + "\n")
    else:
        out.write(render_report(report))
        if args.out:
            plots = "" if args.no_plots else " and plots/"
            out.write(f"\nwrote runs.csv, report.json{plots} in {args.out}\n")
    return 0


def cmd_sweep(args: argparse.Namespace, out: TextIO) -> int:
    import canarysim
    from canarysim.evaluation.sweep import sweep

    scenario = canarysim.load_scenario(args.scenario)
    sw = sweep(scenario, runs=args.runs, vary=args.vary, seed=args.seed, **_executor_options(args))
    return _finish(args, sw, out)


def cmd_compare(args: argparse.Namespace, out: TextIO) -> int:
    from canarysim.evaluation.sweep import compare

    sw = compare(args.scenarios, runs=args.runs, seed=args.seed, **_executor_options(args))
    return _finish(args, sw, out)


def _shared(p: argparse.ArgumentParser, seed_type: Any) -> None:
    p.add_argument(
        "--runs",
        type=_positive,
        default=100,
        metavar="N",
        help="runs (seeds) per variant (default 100)",
    )
    p.add_argument(
        "--seed",
        type=seed_type,
        metavar="S",
        help="sweep seed; run i of every variant gets a seed derived from S and i "
        "(default: the scenario's seed)",
    )
    p.add_argument(
        "--canary",
        choices=("auto", "bad", "good"),
        default="auto",
        help="whether the canary carries a regression: auto (default: bad when its error rate "
        "exceeds the stable version's, or it crashes or is never ready), bad or good",
    )
    p.add_argument(
        "--confidence",
        type=_confidence,
        default=0.95,
        metavar="LEVEL",
        help="level of the intervals (default 0.95)",
    )
    p.add_argument(
        "--out", metavar="DIR", help="write runs.csv, report.json and plots/*.png into DIR"
    )
    p.add_argument("--no-plots", action="store_true", help="with --out: leave the plots out")
    p.add_argument(
        "--json", action="store_true", help="print report.json instead of the text report"
    )
    p.add_argument(
        "--html",
        metavar="FILE",
        help="also write the risk report and its plots as one offline HTML page to FILE",
    )
    add_executor_arguments(p)


def add_commands(sub: Any, command: Any, seed_type: Any) -> None:
    """Register ``sweep`` and ``compare`` (``command`` makes a sub-parser like the others)."""
    p = command(
        sub,
        "sweep",
        help="run a scenario on many seeds and variants; print risks with confidence intervals",
        description="Simulate the scenario --runs times per variant (each run with its own "
        "seed, the same seeds for every variant) and print a risk report: detection or "
        "false-rollback probability, time to detection and to promotion, blast radius, "
        "user-facing error rate and error-budget burn, each with its interval.",
        epilog='PATH names a scenario field (traffic.rate, versions."IMAGE".errorRate), steps '
        "(the Rollout's canary steps), rollout.FIELD... or Kind/name.FIELD... of a manifest; "
        "values are YAML; @FILE reads step lists from a YAML file.\n\nexamples:\n"
        "  canarysim sweep scenarios/analysis-abort/scenario.yaml --runs 500 \\\n"
        "      --vary 'versions.\"example/checkout:1.1\".errorRate=0.001,0.01,0.05'\n"
        "  canarysim sweep scenario.yaml --vary steps=@schedules.yaml --out sweep-out",
    )
    p.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    p.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="PATH=V1,V2",
        help="a field and its values; repeat for the cartesian product",
    )
    _shared(p, seed_type)
    p.set_defaults(handler=cmd_sweep)

    c = command(
        sub,
        "compare",
        help="run several scenarios on the same seeds and print their risks side by side",
        description="Run each scenario --runs times on the same seeds (common random numbers, "
        "so differences are not noise) and print each one's risk report, then the paired "
        "differences against the first.",
        epilog="example:\n  canarysim compare fast.yaml slow.yaml --runs 300",
    )
    c.add_argument(
        "scenarios", nargs="+", metavar="SCENARIO", help="scenario YAML files (two or more)"
    )
    _shared(c, seed_type)
    c.set_defaults(handler=cmd_compare)


def add_executor_arguments(p: Any) -> None:
    """``-j/--jobs``, ``--executor`` and ``--scheduler``: where the runs of ``sweep`` and
    ``tune`` go (``p`` a parser or an argument group)."""
    p.add_argument(
        "-j",
        "--jobs",
        type=_positive,
        metavar="N",
        help="local worker processes (default: every core)",
    )
    p.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="local processes (default) or a Dask cluster (pip install 'canarysim[dask]')",
    )
    p.add_argument("--scheduler", metavar="ADDRESS", help="with --executor dask: tcp://HOST:8786")
