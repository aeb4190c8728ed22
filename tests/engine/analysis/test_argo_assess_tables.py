"""Argo's own expectations for metric and run assessment, transcribed as data.

Source: ``analysis/analysis_test.go`` at argo-rollouts 9f8d111 (``TestAssessMetricStatus*``,
``TestAssessRunStatus*``). Each row: the metric's limits, the counters of its ``MetricResult``,
and the phases ``assessMetricStatus`` gives with ``terminating`` false and true.
"""

from __future__ import annotations

import pytest

from canarysim.engine.analysis.assess import (
    MetricLimits,
    MetricTally,
    Phase,
    RunSummary,
    assess_run,
    metric_phase,
)

S, F, INC, E, R, P = (
    Phase.SUCCESSFUL,
    Phase.FAILED,
    Phase.INCONCLUSIVE,
    Phase.ERROR,
    Phase.RUNNING,
    Phase.PENDING,
)


def lim(count=None, failure=0, inconclusive=0, errors=4, streak=0):
    return MetricLimits(
        count=count,
        failure_limit=failure,
        inconclusive_limit=inconclusive,
        consecutive_error_limit=errors,
        consecutive_success_limit=streak,
    )


def tal(count=0, ok=0, failed=0, inconclusive=0, error=0, cons_err=0, streak=0):
    return MetricTally(count, ok, failed, inconclusive, error, cons_err, streak)


# (test name in analysis_test.go, limits, tally, phase not terminating, phase terminating)
TABLE = [
    ("NoMeasurements", lim(count=1), tal(), P, S),
    ("FailureLimit 2", lim(failure=2), tal(count=3, failed=3), F, F),
    ("FailureLimit 3", lim(failure=3), tal(count=3, failed=3), R, S),
    # TestAssessMetricStatusConsecutiveSuccessLimit (failureLimit -1)
    ("CSL indefinite, streak met", lim(failure=-1, streak=3), tal(7, 4, 3, streak=3), S, S),
    ("CSL indefinite, streak short", lim(failure=-1, streak=5), tal(7, 4, 3, streak=3), R, S),
    ("CSL count reached, short", lim(7, failure=-1, streak=5), tal(7, 4, 3, streak=3), F, F),
    ("CSL count reached, met", lim(7, failure=-1, streak=3), tal(7, 4, 3, streak=3), S, S),
    ("CSL count not reached, met", lim(9, failure=-1, streak=3), tal(7, 4, 3, streak=3), S, S),
    ("CSL count not reached, short", lim(9, failure=-1, streak=5), tal(7, 4, 3, streak=3), R, S),
    # TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit (both 4)
    ("FL+CSL indefinite, neither", lim(failure=4, streak=4), tal(7, 4, 3, streak=3), R, S),
    ("FL+CSL indefinite, FL tripped", lim(failure=4, streak=4), tal(9, 9, 5, streak=0), F, F),
    ("FL+CSL indefinite, CSL met", lim(failure=4, streak=4), tal(8, 5, 3, streak=4), S, S),
    ("FL+CSL indefinite, both", lim(failure=4, streak=4), tal(10, 5, 5, streak=4), F, F),
    ("FL+CSL count reached, neither", lim(10, 4, streak=4), tal(10, 6, 4, streak=3), INC, INC),
    ("FL+CSL count reached, FL", lim(10, 4, streak=4), tal(10, 5, 5, streak=3), F, F),
    ("FL+CSL count reached, CSL", lim(10, 4, streak=4), tal(10, 6, 4, streak=4), S, S),
    ("FL+CSL count reached, both", lim(10, 4, streak=4), tal(10, 5, 5, streak=4), F, F),
    ("FL+CSL count open, neither", lim(10, 4, streak=4), tal(8, 5, 3, streak=3), R, S),
    ("FL+CSL count open, FL", lim(10, 4, streak=4), tal(8, 3, 5, streak=3), F, F),
    ("FL+CSL count open, CSL", lim(10, 4, streak=4), tal(8, 5, 3, streak=4), S, S),
    ("FL+CSL count open, both", lim(10, 4, streak=4), tal(9, 4, 5, streak=4), F, F),
    # TestAssessMetricStatusInconclusiveLimit
    ("InconclusiveLimit 2", lim(inconclusive=2), tal(count=3, inconclusive=3), INC, INC),
    ("InconclusiveLimit 3", lim(inconclusive=3), tal(count=3, inconclusive=3), R, S),
    # TestAssessMetricStatusConsecutiveErrors (Argo's row has Count 5 beside the errors)
    ("ConsecutiveErrors 5", lim(), tal(count=5, error=5, cons_err=5), E, E),
    ("ConsecutiveErrors 4", lim(), tal(count=5, error=4, cons_err=4), R, S),
    # TestAssessMetricStatusCountReached
    ("CountReached all ok", lim(10), tal(10, 10), S, S),
    ("CountReached half inconclusive", lim(10), tal(10, 5, inconclusive=5), INC, INC),
]


@pytest.mark.parametrize(("limits", "tally", "calm", "stopping"), [r[1:] for r in TABLE],
                         ids=[r[0] for r in TABLE])  # fmt: skip
def test_assess_metric_status_as_argo(limits, tally, calm, stopping):
    assert metric_phase(limits, tally)[0] is calm
    assert metric_phase(limits, tally, terminating=True)[0] is stopping


def test_in_flight_measurement_is_running_even_when_terminating():
    """TestAssessMetricStatusInFlightMeasurement."""
    tally = tal(1, 1)
    assert metric_phase(lim(), tally, in_flight=True)[0] is R
    assert metric_phase(lim(), tally, in_flight=True, terminating=True)[0] is R


def test_assess_run_status_running_then_worst():
    """TestAssessRunStatus: one metric still running keeps the run Running; else the worst."""
    assert assess_run({"latency": (S, ""), "success-rate": (R, "")}).phase is R
    done = assess_run({"latency": (S, ""), "success-rate": (F, "")}, terminating=False)
    assert (done.phase, done.message) == (F, "")


def test_a_metric_failing_now_leaves_the_run_running_until_the_next_reconcile():
    """TestAssessRunStatusUpdateResult: 'fail-after-30' flips to Failed while 'sleep-infinity'
    is in flight; the run stays Running (terminating is judged from the previous status)."""
    metrics = {"sleep-infinity": (R, ""), "fail-after-30": (F, "failed (1) > failureLimit (0)")}
    done = assess_run(metrics, terminating=False)
    assert (done.phase, done.message) == (R, "")
    again = assess_run({**metrics, "sleep-infinity": (S, "")}, terminating=True)
    assert again.phase is F
    assert again.message == (
        'Metric "fail-after-30" assessed Failed due to failed (1) > failureLimit (0)'
    )


def test_error_message_from_provider_and_dry_run():
    """TestAssessRunStatusErrorMessageFromProvider / ...InDryRunMode: the provider's message is
    appended to the run's; a dry-run metric's goes to the metric and the run succeeds."""
    metrics = {"failed-metric": (F, "failed (2) > failureLimit (0)"), "ok": (S, "")}
    last = {"failed-metric": "Metric Failed"}
    done = assess_run(metrics, last_messages=last)
    assert done.phase is F
    assert done.message == (
        'Metric "failed-metric" assessed Failed due to failed (2) > failureLimit (0): '
        '"Error Message: Metric Failed"'
    )
    assert done.summary == RunSummary(count=2, successful=1, failed=1)
    dry = assess_run(metrics, dry_run=frozenset({"failed-metric"}), last_messages=last)
    assert (dry.phase, dry.message) == (S, "")
    assert dry.dry_run_messages == {
        "failed-metric": "Metric assessed Failed due to failed (2) > failureLimit (0)"
    }
    assert dry.summary == RunSummary(count=1, successful=1)
    assert dry.dry_run_summary == RunSummary(count=1, failed=1)


def test_summary_counts_incomplete_metrics_and_untripped_failures_as_successful():
    """A metric Failed because its success streak was not reached (no limit tripped) counts as
    Successful in runSummary, as ``assessMetricFailureInconclusiveOrError`` gives no phase."""
    done = assess_run({"a": (F, ""), "b": (R, ""), "c": (E, "consecutiveErrors (5) > x")})
    assert done.summary == RunSummary(count=3, successful=1, error=1)
