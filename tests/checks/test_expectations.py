"""The ``expect:`` block: its model, each expectation judged on real runs (pass and fail,
with the observed value), several runs, and the Wilson bounds of probabilistic ones."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import canarysim
from canarysim.checks import check_expectations, wilson_bounds
from canarysim.checks.expectations import max_unavailable, user_error_rate
from canarysim.declarations.scenario.expect import Expect, Probability, min_runs
from canarysim.errors import ScenarioError

ROOT = Path(__file__).resolve().parents[2]
ABORT = ROOT / "scenarios" / "analysis-abort" / "scenario.yaml"
BASIC = ROOT / "scenarios" / "basic-canary" / "scenario.yaml"


@pytest.fixture(scope="module")
def aborted() -> canarysim.Result:
    return canarysim.simulate(ABORT)


@pytest.fixture(scope="module")
def promoted() -> canarysim.Result:
    return canarysim.simulate(BASIC)


def _outcome(expect: dict, result: canarysim.Result):
    (outcome,) = check_expectations(Expect.model_validate(expect), [result])
    return outcome


# ------------------------------------------------------------------------------ the model
def test_expect_block_loads_from_a_scenario() -> None:
    s = canarysim.load_scenario(ABORT)
    assert s.expect is not None
    assert s.expect.final_phase == "Degraded"
    assert s.expect.aborted_within == 180.0
    assert s.expect.detection is not None and s.expect.detection.at_least == 0.9


@pytest.mark.parametrize(
    ("expect", "fragment"),
    [
        ({}, "at least one expectation"),
        ({"finalPhase": "Done"}, "expect.finalPhase"),
        ({"promotedWithin": "soon"}, "expect.promotedWithin"),
        ({"maxUserErrorRate": 1.5}, "expect.maxUserErrorRate"),
        ({"detection": {"confidence": 0.9}}, "atLeast and/or atMost"),
        ({"detection": {"atLeast": 0.9, "atMost": 0.5}}, "atLeast <= atMost"),
        ({"maxErrors": 3}, "expect.maxErrors"),
    ],
)
def test_a_bad_expect_block_is_a_one_line_error(expect: dict, fragment: str) -> None:
    with pytest.raises(ScenarioError) as info:
        canarysim.load_scenario(ABORT).with_changes(expect=None).with_changes(expect=expect)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------------------ per run
def test_final_phase(aborted, promoted) -> None:
    assert _outcome({"finalPhase": "Degraded"}, aborted).passed
    failed = _outcome({"finalPhase": "Healthy"}, aborted)
    assert not failed.passed and failed.observed.startswith("Degraded (")
    assert _outcome({"finalPhase": "Healthy"}, promoted).passed


def test_promoted_and_aborted_within(aborted, promoted) -> None:
    took = promoted.summary["time_to_promotion"]
    assert _outcome({"promotedWithin": math.ceil(took)}, promoted).passed
    late = _outcome({"promotedWithin": math.floor(took) - 1}, promoted)
    assert not late.passed and late.observed.startswith("promoted after ")
    never = _outcome({"promotedWithin": "2h"}, aborted)
    assert not never.passed and never.observed == "not promoted (phase Degraded)"
    assert _outcome({"abortedWithin": "3m"}, aborted).passed
    assert not _outcome({"abortedWithin": "1m"}, aborted).passed
    assert not _outcome({"abortedWithin": "1h"}, promoted).passed


def test_canary_errors_fail_with_the_observed_count(aborted) -> None:
    served = aborted.summary["canary_errors"]
    assert served > 0
    assert _outcome({"maxCanaryErrorsServed": served}, aborted).passed
    failed = _outcome({"maxCanaryErrorsServed": served - 1}, aborted)
    assert not failed.passed and failed.observed == str(served)
    assert failed.line() == (
        f"FAIL  maxCanaryErrorsServed: expected <= {served - 1}, observed {served}"
    )


def test_user_error_rate_counts_every_request_from_the_update_on(aborted) -> None:
    errors, requests = user_error_rate(aborted)
    start = aborted.summary["update_started"]
    t = aborted.series["time"]
    keep = t >= start
    assert requests == int(
        aborted.series["requests.stable"][keep].sum()
        + aborted.series["requests.canary"][keep].sum()
    )
    # Theory: stable fails 0.5 %, the canary 12 % of its ~20 % share for about a minute.
    assert 0.004 < errors / requests < 0.01
    assert _outcome({"maxUserErrorRate": 0.01}, aborted).passed
    assert not _outcome({"maxUserErrorRate": 0.004}, aborted).passed


def test_max_unavailable_sees_a_shortfall() -> None:
    # A canary that never becomes ready replaces nothing, but killing a stable pod during
    # the update leaves one pod short until its replacement is available.
    s = canarysim.load_scenario(BASIC).with_changes(
        faults=[{"at": "3m", "do": "killPod", "target": "stable"}]
    )
    r = canarysim.simulate(s)
    worst, when = max_unavailable(r)
    assert worst >= 1 and when >= 180.0
    failed = _outcome({"maxUnavailable": 0}, r)
    assert not failed.passed and failed.observed.startswith(f"{worst} at ")


def test_analysis_phase(aborted, promoted) -> None:
    assert _outcome({"analysis": {"phase": "Failed"}}, aborted).passed
    assert not _outcome({"analysis": {"phase": "Successful"}}, aborted).passed
    none = _outcome({"analysis": {"phase": "Successful"}}, promoted)
    assert not none.passed and none.observed == "no AnalysisRun"


# ------------------------------------------------------------------------------ several runs
def test_a_failing_run_is_named_by_its_seed(promoted) -> None:
    bad = canarysim.simulate(canarysim.load_scenario(ABORT))
    (outcome,) = check_expectations(
        Expect.model_validate({"finalPhase": "Healthy"}), [promoted, bad, promoted], [7, 8, 9]
    )
    assert not outcome.passed
    assert "with seed 8 (1 of 3 runs failed)" in outcome.observed


def test_probabilistic_detection_uses_the_wilson_bound(aborted, promoted) -> None:
    expect = Expect.model_validate({"detection": {"atLeast": 0.9, "confidence": 0.95}})
    assert expect.default_runs() == 25
    (ok,) = check_expectations(expect, [aborted] * 25)
    assert ok.passed and ok.observed.startswith("25/25 runs aborted")
    (short,) = check_expectations(expect, [aborted] * 24)  # 24/24 cannot show 0.9
    assert not short.passed and "at least 25 runs are needed" in short.observed
    (missed,) = check_expectations(expect, [aborted] * 24 + [promoted])
    assert not missed.passed and "24/25" in missed.observed
    at_most = Expect.model_validate({"promotion": {"atMost": 0.2}})
    (never,) = check_expectations(at_most, [aborted] * at_most.default_runs())
    assert never.passed


# ------------------------------------------------------------------------------ Wilson
@given(st.integers(1, 400), st.data(), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_bounds_are_ordered_and_mirror(n: int, data: st.DataObject, c: float) -> None:
    k = data.draw(st.integers(0, n))
    low, high = wilson_bounds(k, n, c)
    assert 0.0 <= low <= k / n <= high <= 1.0
    mirror_low, mirror_high = wilson_bounds(n - k, n, c)
    assert math.isclose(low, 1 - mirror_high, abs_tol=1e-12)
    assert math.isclose(high, 1 - mirror_low, abs_tol=1e-12)


def test_wilson_lower_bound_covers_at_its_confidence() -> None:
    # Exact binomial: P(lower bound > p) must stay near 1 - confidence (Wilson is close to
    # nominal; allow 2 points of slack) for the probabilities a detection gate cares about.
    n, c = 60, 0.95
    for p in (0.5, 0.8, 0.9, 0.95):
        miss = sum(
            math.comb(n, k) * p**k * (1 - p) ** (n - k)
            for k in range(n + 1)
            if wilson_bounds(k, n, c)[0] > p
        )
        assert miss <= 1 - c + 0.02, (p, miss)


@pytest.mark.parametrize("bound", [{"at_least": 0.9}, {"at_least": 0.5}, {"at_most": 0.1}])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_min_runs_is_the_fewest_that_can_pass(bound: dict, confidence: float) -> None:
    p = Probability(**bound, confidence=confidence)
    n = min_runs(p)
    best = (lambda m: m) if p.at_least is not None else (lambda m: 0)

    def passes(m: int) -> bool:
        low, high = wilson_bounds(best(m), m, confidence)
        return (p.at_least is None or low >= p.at_least) and (
            p.at_most is None or high <= p.at_most
        )

    assert passes(n)
    assert n == 1 or not passes(n - 1)
