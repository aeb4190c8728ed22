"""Analysis assessment: measurement, metric and run phases, as Argo's AnalysisRun controller
decides them.

Pure functions over counters; the simulator (``sim/analysis.py``) takes the measurements and
feeds them here. Upstream: ``utils/evaluate/evaluate.go::EvaluateResult`` (one measurement),
``analysis/analysis.go::runMeasurements`` (counters), ``assessMetricStatus`` and
``assessMetricFailureInconclusiveOrError`` (metric phase), ``assessRunStatus`` (run phase),
``pkg/apis/rollouts/v1alpha1/analysis_types.go::Metric.EffectiveCount``.

A worked example (``count: 5, interval: 60s, failureLimit: 1`` with S, F, S, F):

>>> limits = MetricLimits(count=5, failure_limit=1)
>>> tally = MetricTally()
>>> for phase in ["Successful", "Failed", "Successful", "Failed"]:
...     tally = tally.record(Phase(phase))
>>> metric_phase(limits, tally)
(<Phase.FAILED: 'Failed'>, 'failed (2) > failureLimit (1)')
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from canarysim.lang.expr.parse import ConditionError

__all__ = [
    "DEFAULT_CONSECUTIVE_ERROR_LIMIT",
    "ERROR_RETRY_INTERVAL",
    "MetricLimits",
    "MetricTally",
    "Phase",
    "RunAssessment",
    "RunSummary",
    "assess_run",
    "is_worse",
    "measurement_phase",
    "metric_phase",
    "result_string",
    "run_phase",
]

#: ``utils/defaults.DefaultConsecutiveErrorLimit``: the 5th consecutive error fails a metric.
DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4
#: ``analysis.DefaultErrorRetryInterval``: an Error measurement is retried after 10 s.
ERROR_RETRY_INTERVAL = 10.0


class Phase(StrEnum):
    """Analysis phases (``AnalysisPhase``)."""

    PENDING = "Pending"
    RUNNING = "Running"
    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    ERROR = "Error"
    INCONCLUSIVE = "Inconclusive"

    @property
    def completed(self) -> bool:
        return self in (Phase.SUCCESSFUL, Phase.FAILED, Phase.ERROR, Phase.INCONCLUSIVE)


# ``analysisStatusOrder`` in utils/analysis/helpers.go: later is worse.
_ORDER = [
    Phase.SUCCESSFUL,
    Phase.RUNNING,
    Phase.PENDING,
    Phase.INCONCLUSIVE,
    Phase.ERROR,
    Phase.FAILED,
]


def is_worse(a: Phase, b: Phase) -> bool:
    """True when *a* is a worse outcome than *b* (``IsWorse``)."""
    return _ORDER.index(a) > _ORDER.index(b)


def measurement_phase(
    result: object,
    success_condition: str | None,
    failure_condition: str | None,
    *,
    json: bool = False,
) -> tuple[Phase, str]:
    """The phase of one measurement and its message (``EvaluateResult``).

    Each condition is type-checked against the result's Go type first, as expr compiles it
    (``json=True``: a web body decoded from JSON, whose values are untyped). Failure wins over
    success; with both conditions set and neither true the measurement is
    Inconclusive; with neither set it is Successful (the code, not the docs).

    >>> measurement_phase([0.5], "result[0] >= 0.9", "result[0] < 0.5")
    (<Phase.INCONCLUSIVE: 'Inconclusive'>, '')
    >>> measurement_phase(float("nan"), "result >= 0.9", None)
    (<Phase.FAILED: 'Failed'>, '')
    >>> print(measurement_phase([], "result[0] >= 0.95", None)[1])  # doctest: +NORMALIZE_WHITESPACE
    could not evaluate successCondition "result[0] >= 0.95": metric result is nil or empty:
    no data returned from the metric provider
    """
    # The evaluator (and the PromQL arithmetic it borrows) loads with the first measurement:
    # a run without analysis never needs it.
    from canarysim.lang.expr.evaluate import evaluate_bool

    outcomes: dict[str, bool] = {}
    for label, condition in (
        ("successCondition", success_condition),
        ("failureCondition", failure_condition),
    ):
        if not condition:
            continue
        try:
            outcomes[label] = evaluate_bool(condition, result, json=json)
        except ConditionError as err:
            if result is None or (isinstance(result, list | tuple) and not result):
                reason = "metric result is nil or empty: no data returned from the metric provider"
            else:
                reason = str(err)
            return Phase.ERROR, f'could not evaluate {label} "{condition}": {reason}'
    success = outcomes.get("successCondition")
    failure = outcomes.get("failureCondition")
    if failure:
        return Phase.FAILED, ""
    if success_condition and failure_condition:
        return (Phase.SUCCESSFUL, "") if success else (Phase.INCONCLUSIVE, "")
    if success_condition:
        return (Phase.SUCCESSFUL, "") if success else (Phase.FAILED, "")
    return Phase.SUCCESSFUL, ""


def result_string(result: object) -> str:
    """A measurement's ``value`` as Argo's Prometheus provider stores it
    (``metricproviders/prometheus/prometheus.go::processResponse``): each sample through
    Prometheus' ``SampleValue.String``, i.e. Go's ``strconv.FormatFloat(v, 'f', -1, 64)``,
    the shortest digits that read back exactly, never in exponent form.

    >>> result_string([0.5, 1.0]), result_string(10.0), result_string([]), result_string(math.inf)
    ('[0.5,1]', '10', '[]', '+Inf')
    >>> result_string(0.1 + 0.2), result_string(1e-7), result_string(2e21)
    ('0.30000000000000004', '0.0000001', '2000000000000000000000')
    """

    def one(value: float) -> str:
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        text = format(Decimal(repr(value)), "f")  # repr: Python's shortest round-trip digits
        return text.rstrip("0").rstrip(".") if "." in text else text

    if isinstance(result, list | tuple):
        return "[" + ",".join(one(float(v)) for v in result) + "]"
    if isinstance(result, int | float) and not isinstance(result, bool):
        return one(float(result))
    return str(result)


@dataclass(frozen=True)
class MetricLimits:
    """A metric's limits after defaulting. ``count`` is the *effective* count; ``None`` means
    the metric runs until the run is terminated (``EffectiveCount`` returns nil).
    ``failure_limit = -1`` disables the failure check."""

    count: int | None = 1
    failure_limit: int = 0
    inconclusive_limit: int = 0
    consecutive_error_limit: int = DEFAULT_CONSECUTIVE_ERROR_LIMIT
    consecutive_success_limit: int = 0

    @staticmethod
    def effective_count(count: int | None, has_interval: bool) -> int | None:
        """``Metric.EffectiveCount``: no count (or 0) and no interval is one measurement;
        no count with an interval runs indefinitely.

        >>> MetricLimits.effective_count(None, False), MetricLimits.effective_count(0, True)
        (1, None)
        """
        if not count:
            return None if has_interval else 1
        return count


@dataclass(frozen=True)
class MetricTally:
    """Counters of one metric (``MetricResult``), cumulative over the run."""

    count: int = 0
    successful: int = 0
    failed: int = 0
    inconclusive: int = 0
    error: int = 0
    consecutive_error: int = 0
    consecutive_success: int = 0

    def record(self, phase: Phase) -> MetricTally:
        """The counters after one completed measurement (``runMeasurements``)."""
        if phase is Phase.ERROR:
            return replace(
                self,
                error=self.error + 1,
                consecutive_error=self.consecutive_error + 1,
                consecutive_success=0,
            )
        counted = replace(self, count=self.count + 1, consecutive_error=0)
        if phase is Phase.SUCCESSFUL:
            return replace(
                counted,
                successful=self.successful + 1,
                consecutive_success=self.consecutive_success + 1,
            )
        if phase is Phase.FAILED:
            return replace(counted, failed=self.failed + 1, consecutive_success=0)
        if phase is Phase.INCONCLUSIVE:
            return replace(counted, inconclusive=self.inconclusive + 1, consecutive_success=0)
        raise ValueError(f"a measurement cannot complete as {phase}")


def metric_phase(
    limits: MetricLimits,
    tally: MetricTally,
    *,
    in_flight: bool = False,
    terminating: bool = False,
) -> tuple[Phase, str]:
    """The phase of a metric that is not yet completed, and its message
    (``assessMetricStatus``). Later threshold checks override earlier ones, so when several
    trip at once Error beats Inconclusive beats Failed.

    >>> metric_phase(MetricLimits(count=10, failure_limit=4, consecutive_success_limit=4),
    ...              MetricTally(count=10, successful=6, failed=4, consecutive_success=3))
    (<Phase.INCONCLUSIVE: 'Inconclusive'>, '')
    """
    measured = tally.count + tally.error
    if measured == 0 and not in_flight:
        return (Phase.SUCCESSFUL if terminating else Phase.PENDING), ""
    if in_flight:
        return Phase.RUNNING, ""
    tripped: tuple[Phase, str] | None = None
    if limits.failure_limit >= 0 and tally.failed > limits.failure_limit:
        tripped = Phase.FAILED, f"failed ({tally.failed}) > failureLimit ({limits.failure_limit})"
    if tally.inconclusive > limits.inconclusive_limit:
        tripped = (
            Phase.INCONCLUSIVE,
            f"inconclusive ({tally.inconclusive}) > "
            f"inconclusiveLimit ({limits.inconclusive_limit})",
        )
    if tally.consecutive_error > limits.consecutive_error_limit:
        tripped = (
            Phase.ERROR,
            f"consecutiveErrors ({tally.consecutive_error}) > "
            f"consecutiveErrorLimit ({limits.consecutive_error_limit})",
        )
    if tripped is not None:
        return tripped
    success_applies = limits.consecutive_success_limit > 0
    streak_done = tally.consecutive_success >= limits.consecutive_success_limit
    if success_applies and streak_done:  # also while terminating (assessMetricStatus)
        return Phase.SUCCESSFUL, ""
    if limits.count is not None and tally.count >= limits.count:
        failure_applies = limits.failure_limit >= 0
        if failure_applies and success_applies:
            return Phase.INCONCLUSIVE, ""
        if success_applies:
            return Phase.FAILED, ""
        return Phase.SUCCESSFUL, ""
    return (Phase.SUCCESSFUL if terminating else Phase.RUNNING), ""


@dataclass(frozen=True)
class RunSummary:
    """``status.runSummary`` (or ``dryRunSummary``): metrics counted, and the completed ones by
    the phase their limits give (a metric whose limits tripped nothing counts as Successful)."""

    count: int = 0
    successful: int = 0
    failed: int = 0
    inconclusive: int = 0
    error: int = 0

    def add(self, phase: Phase | None) -> RunSummary:
        """One more metric; *phase* is None while it is not completed."""
        counted = replace(self, count=self.count + 1)
        if phase is None:
            return counted
        field_name = {
            Phase.FAILED: "failed",
            Phase.INCONCLUSIVE: "inconclusive",
            Phase.ERROR: "error",
        }.get(phase, "successful")
        return replace(counted, **{field_name: getattr(self, field_name) + 1})


@dataclass(frozen=True)
class RunAssessment:
    """What ``assessRunStatus`` decides: the run's phase and message, its two summaries, and
    the message a dry-run metric gets when its limits tripped (``Metric assessed ...``)."""

    phase: Phase
    message: str
    summary: RunSummary
    dry_run_summary: RunSummary
    dry_run_messages: Mapping[str, str]


def assess_run(
    metrics: Mapping[str, tuple[Phase, str]],
    *,
    dry_run: frozenset[str] = frozenset(),
    terminated: bool = False,
    terminating: bool | None = None,
    last_messages: Mapping[str, str] | None = None,
) -> RunAssessment:
    """``analysis/analysis.go::assessRunStatus`` over the metrics' phases (as just assessed)
    and their limit messages.

    *terminating* is ``IsTerminating`` as the reconcile saw the run *before* this assessment
    (``spec.terminate``, or a deciding metric already completed unsuccessfully); a metric
    that completes unsuccessfully now leaves the run Running while a sibling is incomplete, so
    that the next reconcile stops the sibling. When None it is computed from *metrics*.
    """
    deciding = {name: pm for name, pm in metrics.items() if name not in dry_run}
    if terminating is None:
        terminating = terminated or any(
            phase in (Phase.FAILED, Phase.ERROR, Phase.INCONCLUSIVE)
            for phase, _ in deciding.values()
        )
    worst: Phase | None = None
    message = "Run Terminated" if terminated else ""
    everything_done = True
    summary, dry_summary = RunSummary(), RunSummary()
    dry_messages: dict[str, str] = {}
    for name, (phase, limit_message) in metrics.items():
        tripped = limit_message and phase in (Phase.FAILED, Phase.INCONCLUSIVE, Phase.ERROR)
        limit_phase = phase if tripped else Phase.SUCCESSFUL
        if not phase.completed:
            everything_done = False
            if name in dry_run:
                dry_summary = dry_summary.add(None)
            else:
                summary = summary.add(None)
            continue
        if name in dry_run:
            worst = worst or Phase.SUCCESSFUL
            dry_summary = dry_summary.add(limit_phase)
            if limit_message:
                dry_messages[name] = f"Metric assessed {phase.value} due to {limit_message}"
            continue
        summary = summary.add(limit_phase)
        if worst is None or is_worse(phase, worst):
            worst = phase
            if limit_message:
                message = f'Metric "{name}" assessed {phase.value} due to {limit_message}'
                last = (last_messages or {}).get(name)
                if last:
                    message += f': "Error Message: {last}"'
    message = message.strip()
    if terminating:
        phase_now = worst or Phase.SUCCESSFUL
    elif not everything_done or worst is None:
        phase_now, message = Phase.RUNNING, ""
    else:
        phase_now = worst
    return RunAssessment(phase_now, message, summary, dry_summary, dry_messages)


def run_phase(
    metrics: Mapping[str, tuple[Phase, str]],
    *,
    dry_run: frozenset[str] = frozenset(),
    terminated: bool = False,
    terminating: bool | None = None,
    last_messages: Mapping[str, str] | None = None,
) -> tuple[Phase, str]:
    """The run's phase and message from its metrics' phases and limit messages
    (:func:`assess_run`).

    *terminated* is ``spec.terminate``; the run is also terminating once a deciding metric
    completed unsuccessfully (``IsTerminating``). Dry-run metrics never decide the run.
    While any metric is incomplete the run is Running unless terminating, when it takes the
    worst completed phase (Successful with ``Run Terminated`` if none). *last_messages*
    holds each metric's last measurement message, appended as Argo does.

    >>> run_phase({"rate": (Phase.FAILED, "failed (4) > failureLimit (3)")})
    (<Phase.FAILED: 'Failed'>, 'Metric "rate" assessed Failed due to failed (4) > failureLimit (3)')
    >>> run_phase({"rate": (Phase.RUNNING, "")}, terminated=True)
    (<Phase.SUCCESSFUL: 'Successful'>, 'Run Terminated')
    """
    done = assess_run(
        metrics,
        dry_run=dry_run,
        terminated=terminated,
        terminating=terminating,
        last_messages=last_messages,
    )
    return done.phase, done.message
