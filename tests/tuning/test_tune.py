"""canarysim.tune on a space small enough to enumerate: halving finds exhaustive search's best,
the recommendation holds on fresh seeds, the result does not depend on the executor."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import canarysim
from canarysim.evaluation.stats import wilson
from canarysim.evaluation.variants import apply
from canarysim.tuning.space import Space

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "imesh-analysis" / "scenario.yaml"
REGRESSION = 'versions."nginx:1.15.5".errorRate=0.01'
# small and cheap: six candidates, short pauses; a 5-minute current schedule
pytestmark = pytest.mark.slow

OPTIONS = dict(
    detect=0.7,
    false_rollback=0.2,
    steps=(1, 3),
    pauses=["1m", "2m"],
    runs_per_candidate=20,
    min_runs=5,
    eta=2,
    verify_runs=0,
    progress=False,
)


@pytest.fixture(scope="module")
def base():
    scenario = canarysim.load_scenario(SCENARIO)
    return apply(scenario, "steps", [{"setWeight": 50}, {"pause": {"duration": "5m"}}])


@pytest.fixture(scope="module")
def halving(base):
    return canarysim.tune(base, REGRESSION, executor="serial", **OPTIONS)


@pytest.fixture(scope="module")
def exhaustive(base):
    return canarysim.tune(base, REGRESSION, method="exhaustive", executor="serial", **OPTIONS)


def test_halving_finds_the_exhaustive_best(halving, exhaustive) -> None:
    assert exhaustive.found and halving.found
    # exhaustive search's best, read off its table: the fastest passing candidate
    passing = [
        (f.time_to_promotion.value, c.index)
        for c, f in exhaustive.candidates
        if f.passes(exhaustive.budget)
    ]
    assert exhaustive.recommended.index == min(passing)[1]
    assert halving.recommended.weights == exhaustive.recommended.weights
    assert halving.recommended.pause == exhaustive.recommended.pause
    # on the same seeds the finalist's figures are the same numbers
    assert halving.best == exhaustive.best
    # and halving spent fewer runs
    assert halving.simulated < exhaustive.simulated
    assert [n for n, _, _ in halving.rungs] == sorted(n for n, _, _ in halving.rungs)


def test_the_recommendation_is_faster_than_a_slower_passing_one(exhaustive) -> None:
    best = exhaustive.best.time_to_promotion.value
    for c, f in exhaustive.candidates:
        if f.passes(exhaustive.budget):
            assert f.time_to_promotion.value >= best
        if c.pause == 1 and len(c.weights) == 1:
            # one minute at 50 % leaves too few measurements to fail the analysis 3 times
            assert not f.passes(exhaustive.budget)


def test_recommendation_holds_on_fresh_seeds(base, halving) -> None:
    """An independent sweep (other seeds, the public sweep API) does not reject the budget:
    detection's upper bound reaches the budget and false rollback's lower bound stays under
    it, at 99 %."""
    steps = halving.steps()
    good = apply(base, "steps", steps)
    bad = apply(good, 'versions."nginx:1.15.5".errorRate', 0.01)
    n = 30
    for scenario, is_bad in ((good, False), (bad, True)):
        sw = canarysim.sweep(scenario, runs=n, seed=987654321, executor="serial", progress=False)
        stopped = int((sw.columns["outcome"] == "aborted").sum())
        lo, hi = wilson(stopped, n, 0.99)
        if is_bad:
            assert hi >= OPTIONS["detect"], (stopped, n)
        else:
            assert lo <= OPTIONS["false_rollback"], (stopped, n)


def test_the_same_tuning_on_two_processes(base) -> None:
    small = {**OPTIONS, "steps": (1, 2), "pauses": ["1m"], "runs_per_candidate": 8}
    small.update(min_runs=4, detect=0.5, false_rollback=0.4)
    serial = canarysim.tune(base, REGRESSION, executor="serial", **small)
    local = canarysim.tune(base, REGRESSION, executor="local", jobs=2, **small)
    assert local.report() == serial.report()


def test_the_same_tuning_on_a_dask_cluster(base) -> None:
    distributed = pytest.importorskip("dask.distributed")
    small = {**OPTIONS, "steps": (1, 2), "pauses": ["1m"], "runs_per_candidate": 6}
    small.update(min_runs=3, detect=0.5, false_rollback=0.4, verify_runs=3)
    serial = canarysim.tune(base, REGRESSION, executor="serial", **small)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        # several batches (rungs, the verification) through one client it opened itself
        by_address = canarysim.tune(
            base, REGRESSION, executor="dask", scheduler=cluster.scheduler_address, **small
        )
    assert by_address.report() == serial.report()


def test_steps_yaml_pastes_into_the_rollout(base, halving) -> None:
    block = yaml.safe_load(halving.steps_yaml())
    assert list(block) == ["steps"]
    again = apply(base, "steps", block["steps"])  # validated like a file
    weights = [s["setWeight"] for s in block["steps"] if "setWeight" in s]
    assert tuple(weights) == halving.recommended.weights
    assert again.rollout.raw["spec"]["strategy"]["canary"]["steps"] == block["steps"]


def test_report_and_front(halving) -> None:
    report = halving.report()
    assert report["schema"] == "canarysim.tune/v1"
    assert report["found"] and report["recommended"]["figures"]["passes"]
    front = [c for c in report["candidates"] if c["pareto"]]
    assert front
    # nothing on the front is dominated by any candidate
    pts = [
        (
            c["figures"]["time_to_promotion_median"]["value"],
            c["figures"]["blast_radius_mean"]["value"],
            c["figures"]["detection"]["value"],
        )
        for c in report["candidates"]
    ]
    for c in front:
        t, b, d = (
            c["figures"]["time_to_promotion_median"]["value"],
            c["figures"]["blast_radius_mean"]["value"],
            c["figures"]["detection"]["value"],
        )
        assert not any(
            t2 <= t and b2 <= b and d2 >= d and (t2, b2, d2) != (t, b, d) for t2, b2, d2 in pts
        )
    text = halving.report_text()
    assert "recommended:" in text and "Pareto front" in text and "current schedule" in text


def test_save_writes_whole_files(halving, tmp_path) -> None:
    written = halving.save(tmp_path / "out")
    names = sorted(p.name for p in written)
    assert names == ["candidates.csv", "pareto.png", "report.json", "steps.yaml"]
    for p in written:
        assert p.stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "out" / "pareto.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = halving.save(tmp_path / "again")
    for p in again:
        assert p.read_bytes() == (tmp_path / "out" / p.name).read_bytes()


@pytest.mark.parametrize(
    ("family", "extra", "expected"),
    [
        ("linear", {"steps": (1, 3)}, [(50,), (33, 67), (25, 50, 75)]),
        ("exponential", {"weights": [10, 20], "steps": (1, 9)}, [(20, 40, 80), (10, 20, 40, 80)]),
        ("custom", {"weights": [10, 50], "steps": (1, 2)}, [(10,), (50,), (10, 50)]),
    ],
)
def test_families(family, extra, expected) -> None:
    assert Space(family, **extra).weight_lists() == expected


def test_knobs_cross_the_schedules(base) -> None:
    """A threshold knob rewrites the success condition; candidates are schedules x values."""
    from canarysim.tuning.knobs import find_target, template_with

    target = find_target(base, None, "--threshold")
    raw = template_with(target, [("threshold", 0.99), ("failureLimit", 1)])
    metric = raw["spec"]["metrics"][0]
    assert metric["successCondition"] == "len(result) == 0 || result[0] >= 0.99"
    assert metric["failureLimit"] == 1
    space = Space("linear", (1, 2), ["1m"])
    cands = space.candidates([("threshold", [0.99, 0.999])])
    assert len(cands) == 4 and {c.knobs for c in cands} == {
        (("threshold", 0.99),),
        (("threshold", 0.999),),
    }


def test_budget_interval_ends() -> None:
    from canarysim.tuning.budget import Budget, figures_of

    good = {
        "outcome": np.array(["promoted"] * 40),
        "time_to_promotion": np.full(40, 300.0),
        "canary_errors": np.zeros(40),
    }
    bad = {
        "outcome": np.array(["aborted"] * 38 + ["promoted"] * 2),
        "time_to_promotion": np.full(40, np.nan),
        "canary_errors": np.full(40, 50.0),
    }
    f = figures_of(good, bad, 0.95)
    # 38/40 = 0.95 point estimate, but the Wilson low end is below 0.9
    assert f.point_feasible(Budget(0.9, 0.1))
    assert not f.passes(Budget(0.9, 0.1))
    assert f.passes(Budget(0.8, 0.1))
    assert not f.passes(Budget(0.8, 0.1, max_duration=299.0))
    assert not f.passes(Budget(0.8, 0.1, max_blast_radius=49.0))
