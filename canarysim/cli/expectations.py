"""``canarysim test PATH...``: run every scenario found and check its ``expect:`` block.

One line per expectation (PASS/FAIL, expected, observed), a summary, and the exit code a CI
job gates on: 0 every expectation held (scenarios without ``expect:`` are skipped), 1 some
expectation failed, 2 some scenario could not be loaded or run (named on its own line; the
others are still checked). ``--junit FILE`` writes the same outcomes as JUnit XML.

Several runs (``--runs N``, or what a probabilistic expectation asks for) use the seeds
``seed, seed + 1, ...`` of the scenario: :func:`seeded_runs` is the one place that makes them.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from canarysim.errors import CanarysimError

__all__ = ["cmd_test", "seeded_runs"]

_SEED_SPACE = 1 << 63


def seeded_runs(scenario: Any, runs: int, mode: str | None = None) -> tuple[list[int], list[Any]]:
    """``runs`` Results of ``scenario`` with the seeds ``seed, seed + 1, ...`` (mod 2**63)."""
    import canarysim

    seeds = [(int(scenario.seed) + i) % _SEED_SPACE for i in range(runs)]
    results = [
        canarysim.simulate(scenario.model_copy(update={"seed": seed}), mode=mode) for seed in seeds
    ]
    return seeds, results


def _check_one(path: Path, args: argparse.Namespace, out: TextIO, cases: list[Any]) -> str:
    """Load, run and check one scenario; returns ``passed``, ``failed``, ``error`` or
    ``skipped`` and appends its JUnit cases."""
    import canarysim
    from canarysim.checks import Case, check_expectations

    suite = str(path)
    try:
        scenario = canarysim.load_scenario(path)
    except CanarysimError as exc:
        out.write(f"ERROR {suite}: {exc}\n")
        cases.append(Case(suite, "load", "error", str(exc)))
        return "error"
    expect = scenario.expect
    if expect is None:
        out.write(f"SKIP  {suite}: no expect: block\n")
        cases.append(Case(suite, "expect", "skipped", "no expect: block"))
        return "skipped"
    runs = args.runs if args.runs is not None else expect.default_runs()
    label = scenario.name or path.stem
    out.write(f"{suite} ({label}, {runs} run{'s' if runs != 1 else ''})\n")
    try:
        seeds, results = seeded_runs(scenario, runs, mode=args.mode)
    except CanarysimError as exc:
        out.write(f"ERROR {suite}: {exc}\n")
        cases.append(Case(suite, "run", "error", str(exc)))
        return "error"
    status = "passed"
    for outcome in check_expectations(expect, results, seeds):
        out.write(f"  {outcome.line()}\n")
        message = f"expected {outcome.expected}, observed {outcome.observed}"
        verdict = "passed" if outcome.passed else "failed"
        cases.append(Case(suite, outcome.name, verdict, "" if outcome.passed else message))
        if not outcome.passed:
            status = "failed"
    return status


def cmd_test(args: argparse.Namespace, out: TextIO) -> int:
    from canarysim.checks import junit_xml
    from canarysim.declarations.scenario.discover import find_scenarios

    paths = find_scenarios(args.paths)
    if not paths:
        out.write("no scenario files found\n")
        return 2
    cases: list[Any] = []
    statuses = [_check_one(p, args, out, cases) for p in paths]
    tally = {s: sum(1 for c in cases if c.status == s) for s in ("passed", "failed", "error")}
    skipped = statuses.count("skipped")
    out.write(
        f"{len(paths)} scenario(s): {tally['passed']} expectation(s) passed, "
        f"{tally['failed']} failed, {tally['error']} error(s), {skipped} skipped\n"
    )
    if args.junit:
        from canarysim.report.files import write_atomic

        write_atomic(Path(args.junit), junit_xml(cases))
    if "error" in statuses:
        return 2
    return 1 if "failed" in statuses else 0
