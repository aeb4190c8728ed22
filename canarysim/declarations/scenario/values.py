"""Small value types of the scenario format: durations, delay distributions, values that
change over time.

``Duration`` reads Argo's syntax (``30s``, ``1h30m``, ``500ms``; a plain integer is seconds) via
:func:`canarysim.engine.durations.parse_duration` and stores float seconds. ``Delay`` is a
distribution given the way people quote one (a fixed value, a median and a p99, or a mean);
:meth:`Delay.to_spec` hands it to ``canarysim.sim.stochastic.distributions.Dist.from_spec``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic.alias_generators import to_camel

from canarysim.engine.durations import parse_duration

__all__ = ["Change", "Delay", "Duration", "ScenarioModel", "at_time", "parse_nonnegative"]

#: Longest duration accepted anywhere in a scenario: ten years of simulated time.
MAX_SECONDS = 10 * 365 * 24 * 3600.0

_DURATION_SCHEMA = {
    "anyOf": [
        {"type": "integer", "minimum": 0, "description": "seconds"},
        {
            "type": "string",
            "pattern": r"^([0-9]+|([0-9]*\.?[0-9]+(ns|us|µs|ms|s|m|h))+)$",
            "description": "Go/Argo duration: 30s, 5m, 1h30m, 500ms; digits alone are seconds",
        },
        {"type": "number", "minimum": 0, "description": "seconds"},
    ]
}


def parse_nonnegative(value: Any) -> float:
    """Seconds of a duration >= 0; ValueError phrased for a person otherwise."""
    if isinstance(value, float):
        # our format also takes a number of seconds with a fraction (0.5)
        if not math.isfinite(value):
            raise ValueError(f"a duration such as 30s, 5m or 1h30m, got {value!r}")
        seconds = value
    else:
        try:
            seconds = parse_duration(value)
        except (ValueError, TypeError, OverflowError):
            raise ValueError(f"a duration such as 30s, 5m or 1h30m, got {value!r}") from None
    if seconds < 0:
        raise ValueError(f"a duration >= 0, got {value!r}")
    if seconds > MAX_SECONDS:
        raise ValueError(f"a duration of at most ten years, got {value!r}")
    return seconds


Duration = Annotated[float, BeforeValidator(parse_nonnegative), WithJsonSchema(_DURATION_SCHEMA)]
"""Seconds, written as ``30s``/``1h30m``/``500ms`` or an integer number of seconds."""


class ScenarioModel(BaseModel):
    """Base of our own format: camelCase keys, unknown keys are errors, values frozen."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="forbid",
        frozen=True,
    )


class Delay(ScenarioModel):
    """A non-negative random delay: ``fixed``, or ``median`` + ``p99`` (log-normal), or
    ``mean`` (exponential). A bare duration (``2s``) means fixed."""

    fixed: Duration | None = None
    median: Duration | None = None
    p99: Duration | None = None
    mean: Duration | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_duration(cls, data: Any) -> Any:
        if isinstance(data, str | int | float) and not isinstance(data, bool):
            return {"fixed": data}
        return data

    @model_validator(mode="after")
    def _one_shape(self) -> Delay:
        shapes = [
            self.fixed is not None,
            self.median is not None or self.p99 is not None,
            self.mean is not None,
        ]
        if sum(shapes) != 1:
            raise ValueError("exactly one of: fixed, {median, p99} or mean")
        if (self.median is None) != (self.p99 is None):
            raise ValueError("both median and p99")
        if self.median is not None and self.p99 is not None:
            if self.median <= 0:
                raise ValueError(f"a median > 0, got {self.median}")
            if self.p99 < self.median:
                raise ValueError(f"p99 >= median, got p99 {self.p99} < median {self.median}")
        if self.mean is not None and self.mean <= 0:
            raise ValueError(f"a mean > 0, got {self.mean}")
        return self

    @classmethod
    def of(cls, seconds: float) -> Delay:
        """A fixed delay of ``seconds``."""
        return cls(fixed=seconds)

    @property
    def kind(self) -> str:
        if self.fixed is not None:
            return "fixed"
        return "lognormal" if self.median is not None else "exponential"

    def to_spec(self, scale: float = 1.0) -> dict[str, float]:
        """``Dist.from_spec`` input, values multiplied by ``scale`` (1000 for milliseconds)."""
        if self.fixed is not None:
            return {"fixed": self.fixed * scale}
        if self.median is not None and self.p99 is not None:
            return {"median": self.median * scale, "p99": self.p99 * scale}
        assert self.mean is not None
        return {"exponential": self.mean * scale}


T = TypeVar("T")


class Change(ScenarioModel, Generic[T]):
    """From ``at`` (simulated time) on, the value is ``value``."""

    at: Duration
    value: T


def at_time(value: Any, t: float) -> Any:
    """The value in effect at time ``t`` of a field that is either constant or a list of
    :class:`Change` (the last change at or before ``t``; before the first, the first)."""
    if not isinstance(value, list | tuple):
        return value
    if not value:
        return None
    current = value[0].value
    for change in value:
        if change.at <= t:
            current = change.value
        else:
            break
    return current


def sorted_changes(value: Any) -> Any:
    """Validator helper: changes sorted by time (stable for equal times)."""
    if isinstance(value, list):
        return sorted(value, key=lambda c: c.at)
    return value


Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
