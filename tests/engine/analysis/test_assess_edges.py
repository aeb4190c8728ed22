"""Assessment edges the mutation run found unpinned (``EvaluateResult``, ``runMeasurements``,
``assessMetricStatus``, ``assessRunStatus``): messages, limits of 0 and 1, streak resets, the
run phase with no metrics and with dry-run metrics first."""

from __future__ import annotations

import pytest

from canarysim.engine.analysis.assess import (
    MetricLimits,
    MetricTally,
    Phase,
    RunSummary,
    assess_run,
    measurement_phase,
    metric_phase,
    result_string,
    run_phase,
)

S, F, INC, E, R = Phase.SUCCESSFUL, Phase.FAILED, Phase.INCONCLUSIVE, Phase.ERROR, Phase.RUNNING


@pytest.mark.parametrize(
    ("success", "failure", "value", "expected"),
    [
        pytest.param("result[0] > 0.5", "result[0] > 0.7", [0.9], F, id="failure wins"),
        pytest.param("result[0] > 0.5", "result[0] < 0.2", [0.9], S, id="both set, success true"),
        pytest.param("result[0] > 0.5", "result[0] < 0.2", [0.3], INC, id="both set, neither"),
        pytest.param("result[0] > 0.5", None, [0.9], S, id="success only, true"),
        pytest.param("result[0] > 0.5", None, [0.1], F, id="success only, false"),
        pytest.param(None, None, [0.1], S, id="no conditions"),
    ],
)
def test_completed_measurements_carry_no_message(success, failure, value, expected):
    assert measurement_phase(value, success, failure) == (expected, "")


def test_an_evaluation_error_on_data_says_what_went_wrong():
    phase, message = measurement_phase([0.5], "result[1] > 0", None)
    assert phase is E
    assert message == (
        'could not evaluate successCondition "result[1] > 0": '
        "index out of range: 1 (array length is 1)"
    )


def test_a_scalar_zero_is_data_not_an_empty_result():
    assert measurement_phase(0, "result[0] > 0", None) == (
        E,
        # expr type-checks before it runs: indexing an int is a compile error.
        'could not evaluate successCondition "result[0] > 0": type int[int] is undefined',
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(float("nan"), "NaN", id="NaN"),
        pytest.param(float("-inf"), "-Inf", id="minus infinity"),
        pytest.param([float("-inf"), 0.0], "[-Inf,0]", id="vector with -Inf"),
        pytest.param("ok", "ok", id="a string passes through"),
    ],
)
def test_result_string_edges(value, text):
    assert result_string(value) == text


@pytest.mark.parametrize("phase", [E, INC, F])
def test_anything_but_success_resets_the_success_streak(phase):
    tally = MetricTally().record(S).record(S).record(phase)
    assert tally.consecutive_success == 0


def test_a_measurement_cannot_complete_as_running():
    with pytest.raises(ValueError, match="a measurement cannot complete as Running"):
        MetricTally().record(R)


def test_errors_count_as_measured():
    tally = MetricTally(count=1, successful=1, error=1)
    assert metric_phase(MetricLimits(count=3), tally) == (R, "")


def test_failure_limit_zero_fails_on_the_first_failure():
    assert metric_phase(MetricLimits(count=3, failure_limit=0), MetricTally(count=1, failed=1)) == (
        F,
        "failed (1) > failureLimit (0)",
    )


def test_consecutive_success_limit_one_succeeds_on_the_first_success():
    limits = MetricLimits(count=5, consecutive_success_limit=1)
    assert metric_phase(limits, MetricTally().record(S)) == (S, "")


def test_count_reached_without_streak_and_failure_limit_zero_is_inconclusive():
    limits = MetricLimits(count=2, failure_limit=0, consecutive_success_limit=2)
    tally = MetricTally().record(S).record(E).record(S)
    assert metric_phase(limits, tally) == (INC, "")


@pytest.mark.parametrize(
    ("limits", "tally", "terminating", "expected"),
    [
        pytest.param(MetricLimits(), MetricTally(), False, Phase.PENDING, id="nothing measured"),
        pytest.param(MetricLimits(count=3), MetricTally().record(S), False, R, id="running"),
        pytest.param(MetricLimits(count=3), MetricTally().record(S), True, S, id="terminating"),
        pytest.param(MetricLimits(count=1), MetricTally().record(S), False, S, id="count reached"),
        pytest.param(
            MetricLimits(count=1, failure_limit=-1, consecutive_success_limit=2),
            MetricTally().record(S),
            False,
            F,
            id="count reached, streak short, no failure limit",
        ),
        pytest.param(
            MetricLimits(count=9, consecutive_success_limit=1),
            MetricTally().record(S),
            False,
            S,
            id="streak reached",
        ),
    ],
)
def test_metric_phases_without_a_tripped_limit_carry_no_message(
    limits, tally, terminating, expected
):
    assert metric_phase(limits, tally, terminating=terminating) == (expected, "")


def test_metric_in_flight_is_running_without_message():
    assert metric_phase(MetricLimits(count=3), MetricTally().record(S), in_flight=True) == (R, "")


def test_run_without_metrics_is_still_running():
    # assessRunStatus (analysis/analysis.go): no completed metric leaves worstStatus empty,
    # which is Running unless the run is terminating.
    assert run_phase({}) == (R, "")
    assert run_phase({}, terminated=True) == (S, "Run Terminated")


def test_running_run_has_no_message():
    assert run_phase({"a": (R, ""), "b": (S, "")}) == (R, "")


def test_terminating_run_looks_past_an_incomplete_metric():
    failed = (F, "failed (1) > failureLimit (0)")
    assert run_phase({"a": (R, ""), "b": failed}, terminated=True) == (
        F,
        'Metric "b" assessed Failed due to failed (1) > failureLimit (0)',
    )


def test_a_dry_run_metric_listed_first_does_not_hide_a_deciding_one():
    failed = (F, "failed (1) > failureLimit (0)")
    phase, _ = run_phase({"a": (S, ""), "b": failed}, dry_run=frozenset({"a"}))
    assert phase is F


def test_a_json_body_is_checked_as_untyped_values():
    """``json=True`` reaches the condition's type check: a web body's number compared with a
    string is simply false there, while a Prometheus float64 against a string is expr's
    compile error."""
    phase, message = measurement_phase([0.5], 'result[0] == "x"', None, json=True)
    assert (phase, message) == (F, "")
    phase, message = measurement_phase([0.5], 'result[0] == "x"', None)
    assert phase is E and message.startswith('could not evaluate successCondition "result[0]')


def test_only_dry_run_metrics_completed_make_a_successful_run():
    """``assessRunStatus``: a completed dry-run metric sets the worst status to Successful when
    none is set yet, whatever its own phase; the limits it tripped go to its dry-run message."""
    failed = (F, "failed (1) > failureLimit (0)")
    done = assess_run({"a": failed}, dry_run=frozenset({"a"}))
    assert (done.phase, done.message) == (S, "")
    assert done.dry_run_summary == RunSummary(count=1, failed=1)
    assert done.dry_run_messages == {
        "a": "Metric assessed Failed due to failed (1) > failureLimit (0)"
    }
    # a deciding metric's phase is not lowered by a dry-run one after it
    mixed = assess_run(
        {"b": (INC, "inconclusive (1) > inconclusiveLimit (0)"), "a": failed},
        dry_run=frozenset({"a"}),
    )
    assert mixed.phase is INC


def test_an_incomplete_dry_run_metric_is_counted_in_the_dry_run_summary():
    done = assess_run({"a": (R, ""), "b": (S, "")}, dry_run=frozenset({"a"}))
    assert done.phase is R
    assert done.dry_run_summary == RunSummary(count=1)
    assert done.summary == RunSummary(count=1, successful=1)


def test_terminating_as_the_reconcile_saw_it_is_passed_through():
    """A metric that fails now while a sibling is still measuring leaves the run Running when
    the reconcile did not see the run terminating (the next reconcile stops the sibling);
    left to itself, the assessment would call the run terminating and Failed."""
    failed = (F, "failed (1) > failureLimit (0)")
    metrics = {"a": (R, ""), "b": failed}
    assert run_phase(metrics, terminating=False) == (R, "")
    assert run_phase(metrics)[0] is F
