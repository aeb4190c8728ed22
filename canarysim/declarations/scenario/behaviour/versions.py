"""How the pods running one image behave: the scenario's ``versions`` section (error rate,
latency, crashes, readiness), each a constant or step-wise changes in simulated time."""

import functools

from pydantic import Field, field_validator

from canarysim.declarations.scenario.actions import ErrorRate
from canarysim.declarations.scenario.values import (
    Change,
    Delay,
    DelayChange,
    PositiveDuration,
    ScenarioModel,
    at_time,
    sorted_changes,
)


class Crash(ScenarioModel):
    """How a version's containers crash: ``meanTimeBetween`` (exponential time between
    crashes of a running container) and/or ``afterStart`` (each start crashes after this
    delay: ``afterStart: 0s`` is a crash loop). ``none`` disables both."""

    mean_time_between: PositiveDuration | None = None
    after_start: Delay | None = None


class ErrorRateChange(Change):
    """A :class:`Change` of a version's error rate."""

    value: ErrorRate


class CrashChange(Change):
    """A :class:`Change` of how a version crashes (``null``: it stops crashing)."""

    value: Crash | None


class Version(ScenarioModel):
    """Behaviour of the pods running one image. Each field is a constant or a list of
    ``{at, value}`` changes (step-wise in simulated time)."""

    NULLABLE = frozenset({"crash"})

    error_rate: ErrorRate | list[ErrorRateChange] = 0.0
    latency: Delay | list[DelayChange] = Field(default_factory=lambda: Delay(median=0.01, p99=0.05))
    crash: Crash | list[CrashChange] | None = None
    ready: bool = True
    """False: the readiness probe never passes (pods run but are never Ready)."""

    _sort = field_validator("error_rate", "latency", "crash")(sorted_changes)

    def error_rate_at(self, t: float) -> float:
        return float(at_time(self.error_rate, t))

    def latency_at(self, t: float) -> Delay:
        value: Delay = at_time(self.latency, t)
        return value

    def crash_at(self, t: float) -> Crash | None:
        value: Crash | None = at_time(self.crash, t)
        return value

    def change_times(self) -> list[float]:
        """Every time at which some field of this version changes (sorted)."""
        times: set[float] = set()
        for value in (self.error_rate, self.latency, self.crash):
            if isinstance(value, list):
                times.update(c.at for c in value)
        return sorted(times)


@functools.cache
def default_version() -> Version:
    """An image the scenario does not describe: no errors, 10 ms median / 50 ms p99 latency.
    Built on first use, like :func:`~canarysim.declarations.scenario.behaviour.pods.default_pod`."""
    return Version()
