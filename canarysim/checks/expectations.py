"""One outcome per expectation of a scenario's ``expect:`` block, over one or several runs.

A per-run expectation passes when it holds in every run; its observed value is the failing
run's (the first, with its seed and how many runs failed) or, when all pass, the worst value
seen. A probabilistic one (``detection``, ``promotion``) counts the runs where the event
happened and passes when the Wilson bound at its confidence clears the bound
(:mod:`.probability`).

What each key measures (docs/scenario-format.md, "Expectations"):

* ``finalPhase``: ``Result.final.phase``;
* ``promotedWithin`` / ``abortedWithin``: ``summary.time_to_promotion`` / ``time_to_abort``
  (from the last update to revision >= 2);
* ``maxCanaryErrorsServed``: ``summary.canary_errors``;
* ``maxUserErrorRate``: errors over requests of every ``requests.*``/``errors.*`` series
  column from the first row at or after the update's start (the whole run without an update);
* ``maxUnavailable``: the largest ``desired - available`` of the snapshots in effect from the
  update's start on;
* ``analysis``: the phase of the last AnalysisRun in ``summary.analysis``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from canarysim.checks.probability import wilson_bounds
from canarysim.declarations.scenario.expect import Expect, Probability, min_runs
from canarysim.result import Result

__all__ = ["Outcome", "check_expectations", "duration_text"]


@dataclass(frozen=True)
class Outcome:
    """One expectation judged: ``name`` is its key, ``expected`` and ``observed`` are texts
    for people (``observed`` carries the value the verdict rests on)."""

    name: str
    expected: str
    observed: str
    passed: bool

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return f"{verdict}  {self.name}: expected {self.expected}, observed {self.observed}"


@dataclass(frozen=True)
class _Seen:
    """One run's verdict on one expectation; ``rank`` orders values (worst = highest)."""

    passed: bool
    text: str
    rank: float


def duration_text(seconds: float) -> str:
    """``4m4.5s``, ``1h2m``, ``0.5s``: a simulated duration as people write it (to 0.1 s).

    >>> duration_text(64.5), duration_text(3672.001), duration_text(0.25)
    ('1m4.5s', '1h1m12s', '0.25s')
    """
    if seconds != seconds:  # NaN
        return "n/a"
    if seconds < 60:
        return f"{seconds:.3g}s"
    tenths = round(seconds * 10)
    h, rest = divmod(tenths, 36000)
    m, rest = divmod(rest, 600)
    sec = f"{rest / 10:g}s" if rest else ""
    return f"{h}h" * bool(h) + f"{m}m" * bool(m) + sec


# ------------------------------------------------------------------------------ measures
def _update_start(r: Result) -> float:
    started = r.summary.get("update_started")
    return float(started) if started is not None else 0.0


def user_error_rate(r: Result) -> tuple[int, int]:
    """Errors and requests of every version (and of no endpoint, no route, faults) in the
    series rows from the update's start to the end of the run."""
    series = r.series
    times = np.asarray(series.get("time", np.zeros(0)), dtype=float)
    keep = times >= _update_start(r) - 1e-9
    requests = errors = 0
    for column, values in series.items():
        if column.startswith("requests."):
            requests += int(np.asarray(values)[keep].sum())
        elif column.startswith("errors."):
            errors += int(np.asarray(values)[keep].sum())
    return errors, requests


def max_unavailable(r: Result) -> tuple[int, float]:
    """Largest shortfall of available pods below ``desired`` from the update's start on, and
    when it first happened."""
    start = _update_start(r)
    worst, when = 0, start
    first = r.status_at(start) if r.snapshots else None
    snaps = [s for s in r.snapshots if s.time > start]
    for snap in ([first] if first is not None else []) + snaps:
        short = int(snap.desired) - int(snap.available)
        if short > worst:
            worst, when = short, max(start, float(snap.time))
    return worst, when


# ------------------------------------------------------------------------------ per run
def _final_phase(want: str) -> Callable[[Result], _Seen]:
    def check(r: Result) -> _Seen:
        phase = r.final.phase
        message = f" ({r.final.message})" if r.final.message and phase != want else ""
        return _Seen(phase == want, f"{phase}{message}", 0.0 if phase == want else 1.0)

    return check


def _within(key: str, verb: str, limit: float) -> Callable[[Result], _Seen]:
    def check(r: Result) -> _Seen:
        took = r.summary.get(key)
        if took is None:
            return _Seen(False, f"not {verb} (phase {r.final.phase})", float("inf"))
        took = float(took)
        return _Seen(took <= limit + 1e-9, f"{verb} after {duration_text(took)}", took)

    return check


def _at_most(
    measure: Callable[[Result], tuple[float, str]], limit: float
) -> Callable[[Result], _Seen]:
    def check(r: Result) -> _Seen:
        value, text = measure(r)
        return _Seen(value <= limit + 1e-12, text, value)

    return check


def _canary_errors(r: Result) -> tuple[float, str]:
    n = int(r.summary.get("canary_errors") or 0)
    return float(n), f"{n}"


def _user_rate(r: Result) -> tuple[float, str]:
    errors, requests = user_error_rate(r)
    rate = errors / requests if requests else 0.0
    return rate, f"{rate:.4g} ({errors} of {requests} requests)"


def _unavailable(r: Result) -> tuple[float, str]:
    worst, when = max_unavailable(r)
    return float(worst), f"{worst}" + (f" at {duration_text(when)}" if worst else "")


def _analysis(want: str) -> Callable[[Result], _Seen]:
    def check(r: Result) -> _Seen:
        runs = r.summary.get("analysis") or []
        if not runs:
            return _Seen(False, "no AnalysisRun", 1.0)
        last = runs[-1]
        ok = last.get("phase") == want
        return _Seen(ok, f"{last.get('phase')} ({last.get('name')})", 0.0 if ok else 1.0)

    return check


def _per_run_checks(expect: Expect) -> list[tuple[str, str, Callable[[Result], _Seen]]]:
    out: list[tuple[str, str, Callable[[Result], _Seen]]] = []
    e = expect
    if e.final_phase is not None:
        out.append(("finalPhase", e.final_phase, _final_phase(e.final_phase)))
    if e.promoted_within is not None:
        limit = e.promoted_within
        out.append(
            (
                "promotedWithin",
                f"<= {duration_text(limit)}",
                _within("time_to_promotion", "promoted", limit),
            )
        )
    if e.aborted_within is not None:
        limit = e.aborted_within
        out.append(
            (
                "abortedWithin",
                f"<= {duration_text(limit)}",
                _within("time_to_abort", "aborted", limit),
            )
        )
    if e.max_canary_errors_served is not None:
        n = e.max_canary_errors_served
        out.append(("maxCanaryErrorsServed", f"<= {n}", _at_most(_canary_errors, n)))
    if e.max_user_error_rate is not None:
        x = e.max_user_error_rate
        out.append(("maxUserErrorRate", f"<= {x:g}", _at_most(_user_rate, x)))
    if e.max_unavailable is not None:
        n = e.max_unavailable
        out.append(("maxUnavailable", f"<= {n}", _at_most(_unavailable, n)))
    if e.analysis is not None:
        out.append(("analysis.phase", e.analysis.phase, _analysis(e.analysis.phase)))
    return out


def _over_runs(name: str, expected: str, seen: list[_Seen], seeds: Sequence[int]) -> Outcome:
    if len(seen) == 1:
        return Outcome(name, expected, seen[0].text, seen[0].passed)
    failed = [(s, seed) for s, seed in zip(seen, seeds, strict=True) if not s.passed]
    if failed:
        first, seed = failed[0]
        text = f"{first.text} with seed {seed} ({len(failed)} of {len(seen)} runs failed)"
        return Outcome(name, expected, text, False)
    if len({s.text for s in seen}) == 1:
        return Outcome(name, expected, f"{seen[0].text} in all {len(seen)} runs", True)
    worst = max(seen, key=lambda s: s.rank)
    return Outcome(name, expected, f"{worst.text} at worst over {len(seen)} runs", True)


# ------------------------------------------------------------------------------ probabilistic
_EVENTS: dict[str, tuple[str, str]] = {
    "detection": ("aborted_at", "aborted"),
    "promotion": ("promoted_at", "promoted"),
}


def _probability(name: str, bound: Probability, results: Sequence[Result]) -> Outcome:
    key, verb = _EVENTS[name]
    events = sum(1 for r in results if r.summary.get(key) is not None)
    n = len(results)
    low, high = wilson_bounds(events, n, bound.confidence)
    conf = f"{bound.confidence:.0%}"
    wants, ok, bounds = [], True, []
    if bound.at_least is not None:
        wants.append(f">= {bound.at_least:g}")
        ok = ok and low >= bound.at_least - 1e-12
        bounds.append(f"lower bound {low:.3f}")
    if bound.at_most is not None:
        wants.append(f"<= {bound.at_most:g}")
        ok = ok and high <= bound.at_most + 1e-12
        bounds.append(f"upper bound {high:.3f}")
    expected = f"P({verb}) {' and '.join(wants)} with {conf} confidence"
    observed = f"{events}/{n} runs {verb} = {events / n:.3g}, {', '.join(bounds)} at {conf}"
    needed = min_runs(bound)
    if not ok and n < needed:
        observed += f" (at least {needed} runs are needed to show this: --runs)"
    return Outcome(name, expected, observed, ok)


def check_expectations(
    expect: Expect, results: Sequence[Result], seeds: Sequence[int] | None = None
) -> list[Outcome]:
    """Every expectation of ``expect`` judged over ``results`` (one run or several seeded
    runs of the same scenario; ``seeds`` name them in messages, default each Result's seed)."""
    if not results:
        raise ValueError("at least one Result to check")
    seeds = list(seeds) if seeds is not None else [int(r.seed) for r in results]
    outcomes: list[Outcome] = []
    for name, expected, check in _per_run_checks(expect):
        outcomes.append(_over_runs(name, expected, [check(r) for r in results], seeds))
    for name, bound in expect.probabilistic:
        outcomes.append(_probability(name, bound, results))
    return outcomes
