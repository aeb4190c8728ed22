"""Analysis assessment against Argo's documented truth tables and worked examples."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from canarysim.engine.analysis.assess import (
    MetricLimits,
    MetricTally,
    Phase,
    is_worse,
    measurement_phase,
    metric_phase,
    run_phase,
)

S, F, INC, E = Phase.SUCCESSFUL, Phase.FAILED, Phase.INCONCLUSIVE, Phase.ERROR


@pytest.mark.parametrize(
    ("success", "failure", "value", "expected"),
    [
        pytest.param(None, None, [0.1], S, id="no conditions is successful (code, not docs)"),
        pytest.param("result[0] > 0.5", None, [0.9], S, id="success only, true"),
        pytest.param("result[0] > 0.5", None, [0.1], F, id="success only, false fails"),
        pytest.param(None, "result[0] > 0.5", [0.9], F, id="failure only, true"),
        pytest.param(None, "result[0] > 0.5", [0.1], S, id="failure only, false succeeds"),
        pytest.param("result[0] > 0.5", "result[0] > 0.7", [0.9], F, id="failure wins"),
        pytest.param("result[0] >= 0.9", "result[0] < 0.5", [0.7], INC, id="neither: inconclusive"),
        pytest.param("result >= 0.9", "result < 0.9", float("nan"), INC, id="NaN inconclusive"),
        pytest.param("result[0] >= 0.95", None, [], E, id="empty vector errors"),
    ],
)
def test_measurement_phase_truth_table(success, failure, value, expected):
    assert measurement_phase(value, success, failure)[0] is expected


def tally_of(phases):
    tally = MetricTally()
    for phase in phases:
        tally = tally.record(phase)
    return tally


@pytest.mark.parametrize(
    ("limits", "phases", "expected"),
    [
        pytest.param(MetricLimits(count=5, failure_limit=1), [S, F, S, F], F, id="4th of 5 fails"),
        pytest.param(MetricLimits(count=5, failure_limit=2), [S, F, S, F, S], S, id="tolerated"),
        pytest.param(
            MetricLimits(count=None, failure_limit=3),
            [F, F, F],
            Phase.RUNNING,
            id="3 failures within limit 3 keep running",
        ),
        pytest.param(
            MetricLimits(count=None, failure_limit=3),
            [F, F, F, F],
            F,
            id="4th failure trips limit 3",
        ),
        pytest.param(MetricLimits(count=None), [E, E, E, E], Phase.RUNNING, id="4 errors ok"),
        pytest.param(MetricLimits(count=None), [E, E, E, E, E], E, id="5th consecutive error"),
        pytest.param(
            MetricLimits(count=None),
            [E, E, S, E, E, E, E],
            Phase.RUNNING,
            id="a success resets consecutive errors",
        ),
        pytest.param(MetricLimits(count=3), [INC], INC, id="first inconclusive trips limit 0"),
        pytest.param(
            MetricLimits(count=3, failure_limit=0),
            [F, INC, E, E, E, E, E],
            E,
            id="error beats inconclusive beats failed",
        ),
        pytest.param(
            MetricLimits(count=None, failure_limit=-1, consecutive_success_limit=2),
            [F, F, S, S],
            S,
            id="consecutive successes end a disabled-failure metric",
        ),
        pytest.param(
            MetricLimits(count=3, failure_limit=-1, consecutive_success_limit=2),
            [S, F, S],
            F,
            id="count reached without the streak fails",
        ),
        pytest.param(MetricLimits(count=1), [S], S, id="single measurement"),
    ],
)
def test_metric_phase_worked_examples(limits, phases, expected):
    assert metric_phase(limits, tally_of(phases))[0] is expected


def test_metric_phase_messages_are_argos():
    assert metric_phase(MetricLimits(count=None, failure_limit=3), tally_of([F] * 4))[1] == (
        "failed (4) > failureLimit (3)"
    )
    assert metric_phase(MetricLimits(count=None), tally_of([E] * 5))[1] == (
        "consecutiveErrors (5) > consecutiveErrorLimit (4)"
    )
    assert metric_phase(MetricLimits(count=2), tally_of([INC]))[1] == (
        "inconclusive (1) > inconclusiveLimit (0)"
    )


def test_terminating_metric_without_a_tripped_limit_succeeds():
    limits = MetricLimits(count=None, failure_limit=3)
    assert metric_phase(limits, tally_of([S, F]), terminating=True)[0] is S
    assert metric_phase(limits, MetricTally(), terminating=True)[0] is S
    assert metric_phase(limits, MetricTally())[0] is Phase.PENDING


def test_run_phase_takes_the_worst_completed_metric():
    phases = {"a": (S, ""), "b": (INC, "inconclusive (1) > inconclusiveLimit (0)"), "c": (E, "x")}
    assert run_phase(phases) == (E, 'Metric "c" assessed Error due to x')
    assert run_phase({"a": (S, ""), "b": (Phase.RUNNING, "")})[0] is Phase.RUNNING
    assert run_phase({"a": (Phase.RUNNING, "")}, terminated=True) == (S, "Run Terminated")
    assert run_phase({"a": (S, ""), "b": (S, "")}) == (S, "")
    # a failed sibling terminates the run even while another metric still runs
    assert run_phase({"a": (F, "failed (1) > failureLimit (0)"), "b": (Phase.RUNNING, "")}) == (
        F,
        'Metric "a" assessed Failed due to failed (1) > failureLimit (0)',
    )
    assert run_phase({"a": (F, "f")}, last_messages={"a": "boom"}) == (
        F,
        'Metric "a" assessed Failed due to f: "Error Message: boom"',
    )
    assert run_phase({"a": (F, "f"), "b": (S, "")}, dry_run=frozenset({"a"})) == (S, "")


@given(st.lists(st.sampled_from([S, F, INC, E]), max_size=30))
def test_counters_are_consistent(phases):
    tally = tally_of(phases)
    assert tally.count == tally.successful + tally.failed + tally.inconclusive
    assert tally.error == phases.count(E)
    assert tally.count + tally.error == len(phases)
    trailing_errors = len(phases) - len("".join("x" if p is E else "." for p in phases).rstrip("x"))
    assert tally.consecutive_error == trailing_errors


@given(st.sampled_from(list(Phase)), st.sampled_from(list(Phase)))
def test_worse_is_a_strict_order(a, b):
    assert not (is_worse(a, b) and is_worse(b, a))
    assert is_worse(a, b) or is_worse(b, a) or a is b
