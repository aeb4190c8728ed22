"""``canarysim.tune``: the fastest schedule of a search space that meets a risk budget.

>>> t = canarysim.tune("scenarios/imesh-analysis/scenario.yaml",
...     'versions."nginx:1.15.5".errorRate=0.01', detect=0.9, false_rollback=0.05)  # doctest: +SKIP
>>> print(t.steps_yaml())                                                          # doctest: +SKIP

Builds the candidates (:mod:`.space`, :mod:`.knobs`), the good and regressed scenario of each
(:mod:`.regression`), races them (:mod:`.search`) and returns a :class:`~.result.Tuning`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.errors import ScenarioError
from canarysim.tuning.budget import Budget
from canarysim.tuning.knobs import KNOBS, apply_knobs, check_values, find_target
from canarysim.tuning.regression import parse_regression, regressed
from canarysim.tuning.result import Tuning
from canarysim.tuning.search import Entry, Runner, search
from canarysim.tuning.space import (
    DEFAULT_PAUSES,
    Candidate,
    Space,
    carried_analysis,
    duration_text,
    parse_range,
)

__all__ = ["tune"]

WHERE = "canarysim tune"
SLACK = 15 * 60.0
"""Simulated time after the schedule's pauses for pods, analysis and promotion to finish."""
VERIFY_KEY = 2**40
"""The verification sweep's seed is run seed ``VERIFY_KEY`` of the tuning's seed: a stream no
tuning run uses."""


def _load(scenario: Any) -> Any:
    from canarysim.declarations.check import load_scenario
    from canarysim.declarations.validate import validate_scenario

    loaded = scenario if hasattr(scenario, "with_changes") else load_scenario(scenario)
    errors = [f for f in validate_scenario(loaded) if f.severity == "error"]
    if errors:
        raise ScenarioError(WHERE, "SCENARIO", "a valid scenario; " + errors[0].message)
    return loaded


def _update_at(scenario: Any) -> float | None:
    from canarysim.declarations.scenario.actions import SetImage

    times = [a.at for a in scenario.operator if isinstance(a, SetImage)]
    return None if not times or times[-1] is None else float(times[-1])


def _pauses_of(steps: Sequence[Any]) -> float | None:
    """The timed pauses of a step list added up (None: an indefinite pause)."""
    from canarysim.engine.durations import parse_duration

    total = 0.0
    for step in steps:
        if isinstance(step, Mapping) and "pause" in step:
            pause = step["pause"] or {}
            if "duration" not in pause:
                return None
            total += parse_duration(pause["duration"])
    return total


def _with_until(scenario: Any, steps: Sequence[Any], carried: bool) -> Any:
    """The run long enough for the schedule to promote, no longer (what comes after the end
    of the rollout changes none of the figures)."""
    at, pauses = _update_at(scenario), _pauses_of(steps)
    if at is None or pauses is None:
        return scenario
    until = at + pauses + SLACK
    if carried:
        until = max(until, float(scenario.until))
    return scenario.with_changes(until=until)


def _prepare(base: Any, steps: list[Any], target: Any, knobs: Any, carried: bool) -> Any:
    from canarysim.evaluation.variants import apply

    scenario = apply(base, "steps", steps)
    scenario = apply_knobs(scenario, target, knobs)
    return _with_until(scenario, steps, carried)


def _knob_axes(
    scenario: Any, analysis: Mapping[str, Sequence[Any]] | None, metric: str | None
) -> tuple[Any, list[tuple[str, list[Any]]]]:
    if not analysis:
        return None, []
    unknown = [k for k in analysis if k not in KNOBS]
    if unknown:
        raise ScenarioError(
            WHERE, "analysis", "knobs among " + ", ".join(KNOBS), got=", ".join(unknown)
        )
    first = next(iter(analysis))
    target = find_target(scenario, metric, KNOBS[first])
    axes = [(k, check_values(k, list(v), target)) for k, v in analysis.items()]
    return target, axes


def _ttp(entry: Entry) -> float:
    assert entry.figures is not None
    return entry.figures.time_to_promotion.value


def _race(
    entries: list[Entry],
    current: Entry,
    budget: Budget,
    runner: Runner,
    runs_per_candidate: int,
    seed: int,
    eta: int,
    min_runs: int,
    method: str,
    verify_runs: int | None,
) -> tuple[Any, Any, Any, Any]:
    """Race the candidates, pick the fastest passing one, re-check it on fresh seeds."""
    from canarysim.evaluation.seeds import run_seed

    _, history = search(
        entries,
        budget,
        runner,
        runs=runs_per_candidate,
        seed=seed,
        eta=eta,
        min_runs=min_runs,
        method=method,
        extra=[current],
    )

    finalists = [e for e in entries if e.runs == runs_per_candidate and e.figures is not None]
    passing = [e for e in finalists if e.figures is not None and e.figures.passes(budget)]
    best = min(passing, key=lambda e: (_ttp(e), e.key.index), default=None)

    verification = verify_seed = None
    n_verify = runs_per_candidate if verify_runs is None else verify_runs
    if best is not None and n_verify > 0:
        verify_seed = run_seed(seed, VERIFY_KEY)
        check = Entry(best.key, best.good, best.bad)
        runner.run([check], n_verify, verify_seed)
        verification = check.judge(budget.confidence)

    return best, verification, verify_seed, history


def tune(
    scenario: Any,
    regression: str | Mapping[str, Any] | Sequence[str],
    *,
    detect: float = 0.95,
    false_rollback: float = 0.05,
    max_blast_radius: float | None = None,
    max_duration: float | str | None = None,
    family: str = "linear",
    steps: tuple[int, int] | int | str = (1, 4),
    pauses: Sequence[Any] | None = None,
    weights: Sequence[int] | None = None,
    factor: float = 2.0,
    analysis: Mapping[str, Sequence[Any]] | None = None,
    metric: str | None = None,
    runs_per_candidate: int = 100,
    eta: int = 3,
    min_runs: int = 10,
    method: str = "halving",
    confidence: float = 0.95,
    seed: int | None = None,
    verify_runs: int | None = None,
    executor: Any = None,
    jobs: int | None = None,
    scheduler: Any = None,
    progress: bool = True,
) -> Tuning:
    """Search ``family`` schedules of ``scenario`` for the fastest that meets the budget.

    ``regression``: ``'versions."IMAGE".errorRate=0.01'`` (or a list, or a mapping PATH ->
    value), the regressed canary to catch; the scenario as given is the good one. Budget:
    ``detect`` (least detection), ``false_rollback`` (most false rollbacks), optionally
    ``max_blast_radius`` (mean errors the regressed canary serves) and ``max_duration``
    (median time to promotion; also bounds the space). Space: ``steps`` (``(MIN, MAX)`` or
    ``"MIN..MAX"`` weights below 100), ``pauses`` (durations), ``weights`` (exponential starts
    or custom choices), ``factor``, ``analysis`` (knob -> values: ``interval``, ``count``,
    ``failureLimit``, ``threshold``; ``metric`` names the metric when there are several).
    ``method``: ``"halving"`` (default) or ``"exhaustive"``; ``eta``: the halving factor;
    ``verify_runs``: fresh-seed runs re-checking the recommendation (default
    ``runs_per_candidate``; 0: none). Executors as :func:`canarysim.sweep`; the result is the
    same whatever the executor.
    """
    from canarysim.engine.durations import parse_duration

    if isinstance(max_duration, str):
        try:
            max_duration = parse_duration(max_duration)
        except ValueError:
            raise ScenarioError(
                WHERE, "--max-duration", "a duration such as 2h", got=str(max_duration)
            ) from None
    for name, value, least in (
        ("--runs-per-candidate", runs_per_candidate, 2),
        ("--eta", eta, 2),
        ("--min-runs", min_runs, 2),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ScenarioError(WHERE, name, f"an integer of at least {least}", got=str(value))
    if min_runs > runs_per_candidate:
        raise ScenarioError(
            WHERE,
            "--min-runs",
            f"at most --runs-per-candidate ({runs_per_candidate})",
            got=str(min_runs),
        )
    if verify_runs is not None and (isinstance(verify_runs, bool) or verify_runs < 0):
        raise ScenarioError(WHERE, "--verify-runs", "0 or more runs", got=str(verify_runs))
    if method not in ("halving", "exhaustive"):
        raise ScenarioError(WHERE, "--method", "halving or exhaustive", got=str(method))
    budget = Budget(detect, false_rollback, max_blast_radius, max_duration, confidence)
    budget.check(runs_per_candidate)
    if isinstance(steps, str):
        steps = parse_range(steps, "--steps", 1, 20)
    elif isinstance(steps, int):
        steps = (steps, steps)
    if len(steps) != 2 or not all(isinstance(x, int) and not isinstance(x, bool) for x in steps):
        raise ScenarioError(WHERE, "--steps", "MIN..MAX, or (MIN, MAX) integers", got=str(steps))

    base = _load(scenario)
    seed = int(base.seed if seed is None else seed)
    if not 0 <= seed < 2**63:
        raise ScenarioError(WHERE, "--seed", "0 .. 2**63-1", got=str(seed))
    changes = parse_regression(regression)
    bad_base = regressed(base, changes)
    current_steps = list(base.rollout.raw["spec"]["strategy"]["canary"].get("steps") or [])
    carried = carried_analysis(current_steps)
    target, axes = _knob_axes(base, analysis, metric)
    space = Space(
        family,
        (int(steps[0]), int(steps[1])),
        pauses if pauses is not None else DEFAULT_PAUSES,
        weights,
        factor,
        max_duration,
    )
    candidates = space.candidates(axes, carried)

    entries = []
    for c in candidates:
        knobs = c.knobs
        good = _prepare(base, c.step_list(), target, knobs, carried is not None)
        bad = _prepare(bad_base, c.step_list(), target, knobs, carried is not None)
        entries.append(Entry(c, good, bad))
    current = Entry(
        Candidate(-1, (), 0.0),
        _with_until(base, current_steps, True),
        _with_until(bad_base, current_steps, True),
    )
    runner = Runner(executor, jobs, scheduler, f"tuning {base.name or 'scenario'}", progress)
    try:
        best, verification, verify_seed, history = _race(
            entries,
            current,
            budget,
            runner,
            runs_per_candidate,
            seed,
            eta,
            min_runs,
            method,
            verify_runs,
        )
    finally:
        runner.close()

    lo, hi = space.steps
    describe = f"{lo}..{hi} weights below 100, pauses " + ",".join(
        duration_text(p) for p in sorted({c.pause for c in candidates})
    )
    if family != "linear":
        describe += ", weights " + ",".join(
            map(str, sorted({w for c in candidates for w in c.weights}))
        )
    if axes:
        describe += "; " + "; ".join(f"{k} " + ",".join(map(str, v)) for k, v in axes)
    return Tuning(
        scenario_name=base.name or "scenario",
        seed=seed,
        budget=budget,
        regression=changes,
        space={
            "family": family,
            "steps": [lo, hi],
            "describe": describe,
            "eta": eta,
            "runs_per_candidate": runs_per_candidate,
        },
        method=method,
        rungs=history,
        simulated=runner.simulated,
        candidates=[(e.key, e.figures) for e in entries if e.figures is not None],
        current_steps=current_steps,
        current=current.judge(budget.confidence),
        recommended=None if best is None else best.key,
        verification=verification,
        verify_seed=verify_seed,
        target=target,
    )
