"""``canarysim tune``: the fastest schedule that meets a risk budget (:mod:`canarysim.tuning`).

Prints the search, the recommended ``steps:`` block, its figures against the current
schedule's, the verification on fresh seeds and the Pareto front; ``--out DIR`` writes
``steps.yaml`` (and ``analysis-templates.yaml``), ``report.json``, ``candidates.csv`` and
``pareto.png``. Exit codes: 0 a schedule meets the budget (and held on fresh seeds), 1 no
candidate meets it, 2 bad input, 3 the recommendation did not hold on fresh seeds.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from canarysim.cli.sweep import _confidence, _executor_options, _positive, add_executor_arguments
from canarysim.errors import ScenarioError

__all__ = ["add_command", "cmd_tune"]

NO_CANDIDATE = 1
NOT_VERIFIED = 3


def _probability(option: str) -> Any:
    def parse(text: str) -> float:
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"invalid probability {text!r} for {option}: expected e.g. 0.95"
            ) from None

    return parse


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number {text!r}: expected e.g. 500") from None


def _values(option: str, text: str) -> list[Any]:
    from canarysim.evaluation.variants import read_values

    try:
        return [v for _, v in read_values(option, text)]
    except ScenarioError as exc:
        raise ScenarioError("canarysim tune", option, exc.expected, got=text) from None


def cmd_tune(args: argparse.Namespace, out: TextIO) -> int:
    from canarysim.tuning import tune

    opts = _executor_options(args)
    opts.pop("bad")
    analysis = {}
    for knob, option, attr in (
        ("interval", "--analysis-interval", "analysis_interval"),
        ("count", "--analysis-count", "analysis_count"),
        ("failureLimit", "--failure-limit", "failure_limit"),
        ("threshold", "--threshold", "threshold"),
    ):
        text = getattr(args, attr)
        if text is not None:
            analysis[knob] = _values(option, text)
    t = tune(
        args.scenario,
        args.regression,
        detect=args.detect,
        false_rollback=args.false_rollback,
        max_blast_radius=args.max_blast_radius,
        max_duration=args.max_duration,
        family=args.family,
        steps=args.steps,
        pauses=None if args.pauses is None else _values("--pauses", args.pauses),
        weights=None if args.weights is None else _values("--weights", args.weights),
        factor=args.factor,
        analysis=analysis or None,
        metric=args.metric,
        runs_per_candidate=args.runs_per_candidate,
        eta=args.eta,
        min_runs=args.min_runs,
        method=args.method,
        confidence=args.confidence,
        seed=args.seed,
        verify_runs=args.verify_runs,
        **opts,
    )
    if args.out:
        t.save(args.out, plots=not args.no_plots)
    if args.json:
        out.write(json.dumps(t.report(), indent=1) + "\n")
    else:
        out.write(t.report_text())
        if args.out:
            out.write(
                f"\nwrote {'steps.yaml, ' if t.found else ''}report.json, candidates.csv"
                f"{'' if args.no_plots else ', pareto.png'} in {args.out}\n"
            )
    if not t.found:
        return NO_CANDIDATE
    if t.verification is not None and not t.verification.plausible(t.budget):
        return NOT_VERIFIED
    return 0


def _duration(text: str) -> float:
    import yaml  # here, not at the top: --help and --version need no YAML

    from canarysim.engine.durations import parse_duration

    try:
        return parse_duration(yaml.safe_load(text) if text.isdigit() else text)
    except (ValueError, TypeError):
        raise argparse.ArgumentTypeError(f"invalid duration {text!r}: expected e.g. 2h") from None


def add_command(sub: Any, command: Any, seed_type: Any) -> None:
    p = command(
        sub,
        "tune",
        help="search the fastest canary schedule that meets a risk budget",
        description="Search canary step schedules (and, if asked, analysis knobs) for the "
        "fastest one whose detection of a stated regression and false-rollback rate meet the "
        "budget at the conservative end of their confidence intervals; each candidate is run "
        "on the same seeds against the good and the regressed canary, runs are spent by "
        "successive halving, and the recommendation is re-checked on fresh seeds.",
        epilog="exit codes: 0 a schedule meets the budget, 1 no candidate meets it (the "
        "closest are listed), 2 bad input, 3 the recommendation did not hold on fresh seeds\n\n"
        "example:\n  canarysim tune scenarios/imesh-analysis/scenario.yaml \\\n"
        "      --regression 'versions.\"nginx:1.15.5\".errorRate=0.01' \\\n"
        "      --detect 0.9 --false-rollback 0.05 --out tuned",
    )
    p.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file (its canary is good)")
    p.add_argument(
        "--regression",
        action="append",
        required=True,
        metavar='versions."IMAGE".FIELD=VALUE',
        help="the regressed canary to catch (repeat for several changes)",
    )
    b = p.add_argument_group("budget")
    b.add_argument(
        "--detect",
        type=_probability("--detect"),
        default=0.95,
        metavar="P",
        help="least probability of aborting the regressed canary (default 0.95)",
    )
    b.add_argument(
        "--false-rollback",
        type=_probability("--false-rollback"),
        default=0.05,
        metavar="P",
        help="most probability of aborting the good canary (default 0.05)",
    )
    b.add_argument(
        "--max-blast-radius",
        type=_number,
        metavar="N",
        help="most mean errors the regressed canary serves before the end",
    )
    b.add_argument(
        "--max-duration",
        type=_duration,
        metavar="DURATION",
        help="most median time to promotion (also bounds the pauses searched)",
    )
    b.add_argument(
        "--confidence",
        type=_confidence,
        default=0.95,
        metavar="LEVEL",
        help="level of the intervals (default 0.95)",
    )
    s = p.add_argument_group("search space")
    s.add_argument(
        "--family",
        choices=("linear", "exponential", "custom"),
        default="linear",
        help="linear (equal increments), exponential (doubling from --weights) or "
        "custom (every increasing choice of --weights); default linear",
    )
    s.add_argument(
        "--steps",
        default="1..4",
        metavar="MIN..MAX",
        help="how many weights below 100 a schedule sets (default 1..4)",
    )
    s.add_argument(
        "--pauses",
        metavar="D1,D2,...",
        help="pause lengths to try after each weight (default 1m,2m,5m,10m,20m,30m)",
    )
    s.add_argument(
        "--weights",
        metavar="W1,W2,...",
        help="exponential: start weights (default 1,5,10,20); custom: the weights "
        "to choose from (default 5,10,20,25,50,75)",
    )
    s.add_argument(
        "--factor",
        type=_number,
        default=2.0,
        metavar="F",
        help="exponential: the growth factor (default 2)",
    )
    s.add_argument("--analysis-interval", metavar="D1,D2,...", help="measurement intervals to try")
    s.add_argument("--analysis-count", metavar="N1,N2,...", help="measurement counts to try")
    s.add_argument("--failure-limit", metavar="N1,N2,...", help="failureLimit values to try")
    s.add_argument(
        "--threshold",
        metavar="X1,X2,...",
        help="success-condition thresholds to try (result[0] >= X)",
    )
    s.add_argument("--metric", metavar="NAME", help="the metric the analysis knobs change")
    r = p.add_argument_group("runs")
    r.add_argument(
        "--runs-per-candidate",
        type=_positive,
        default=100,
        metavar="N",
        help="seeds a finalist meets, good and regressed each (default 100)",
    )
    r.add_argument(
        "--method",
        choices=("halving", "exhaustive"),
        default="halving",
        help="successive halving (default) or every candidate to N runs",
    )
    r.add_argument(
        "--eta",
        type=_positive,
        default=3,
        metavar="K",
        help="halving: keep 1/K of the candidates per rung (default 3)",
    )
    r.add_argument(
        "--min-runs",
        type=_positive,
        default=10,
        metavar="N",
        help="halving: runs of the first rung at least (default 10)",
    )
    r.add_argument(
        "--verify-runs",
        type=int,
        metavar="N",
        help="fresh-seed runs re-checking the recommendation (default N; 0: none)",
    )
    r.add_argument(
        "--seed", type=seed_type, metavar="S", help="tuning seed (default: the scenario's)"
    )
    add_executor_arguments(r)
    o = p.add_argument_group("output")
    o.add_argument(
        "--out",
        metavar="DIR",
        help="write steps.yaml, report.json, candidates.csv and pareto.png into DIR",
    )
    o.add_argument("--no-plots", action="store_true", help="with --out: leave the plot out")
    o.add_argument("--json", action="store_true", help="print report.json instead of the text")
    p.set_defaults(handler=cmd_tune, canary="auto")
