"""Small value types of the scenario format: durations, delay distributions, values that
change over time.

``Duration`` reads Argo's syntax (``30s``, ``1h30m``, ``500ms``; a plain integer is seconds) via
:func:`canarysim.engine.durations.parse_duration` and stores float seconds. ``Delay`` is a
distribution given the way people quote one (a fixed value, a median and a p99, or a mean);
:meth:`Delay.to_spec` hands it to ``canarysim.sim.stochastic.distributions.Dist.from_spec``.
"""

import math
import re
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from canarysim.declarations.manifests.base import to_camel
from canarysim.engine.durations import parse_duration

__all__ = [
    "Change",
    "Delay",
    "DelayChange",
    "Duration",
    "FractionChange",
    "PositiveDuration",
    "ScenarioModel",
    "at_time",
    "parse_nonnegative",
]

#: Longest duration accepted anywhere in a scenario: ten years of simulated time.
MAX_SECONDS = 10 * 365 * 24 * 3600.0

_DURATION_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "integer", "minimum": 0, "description": "seconds"},
        {
            "type": "string",
            "pattern": r"^([0-9]+|([0-9]*\.?[0-9]+(d|ns|us|µs|ms|s|m|h))+)$",
            "description": "Go/Argo duration: 30s, 5m, 1h30m, 500ms, and days (7d, 1d12h) "
            "as kubectl prints ages; digits alone are seconds",
        },
        {"type": "number", "minimum": 0, "description": "seconds"},
    ]
}


_PART = r"([0-9]*\.?[0-9]+)(d|ns|us|µs|ms|s|m|h)"


def _with_days(text: str) -> float | None:
    """Seconds of a duration that uses days (``7d``, ``1d12h``), which Go's syntax lacks but
    kubectl prints ages in; None when ``text`` is not of that shape."""
    if not re.fullmatch(f"(?:{_PART})+", text):
        return None
    seconds = 0.0
    for number, unit in re.findall(_PART, text):
        seconds += float(number) * (86400.0 if unit == "d" else parse_duration("1" + unit))
    return seconds


def parse_nonnegative(value: Any) -> float:
    """Seconds of a duration >= 0; ValueError phrased for a person otherwise."""
    if isinstance(value, float):
        # our format also takes a number of seconds with a fraction (0.5)
        if not math.isfinite(value):
            raise ValueError(f"a duration such as 30s, 5m or 1h30m, got {value!r}")
        seconds = value
    else:
        try:
            days = _with_days(value) if isinstance(value, str) and "d" in value else None
            seconds = parse_duration(value) if days is None else days
        except (ValueError, TypeError, OverflowError):
            raise ValueError(f"a duration such as 30s, 5m or 1h30m, got {value!r}") from None
    if seconds < 0:
        raise ValueError(f"a duration >= 0, got {value!r}")
    if seconds > MAX_SECONDS:
        raise ValueError(f"a duration of at most ten years, got {value!r}")
    return seconds


Duration = Annotated[float, BeforeValidator(parse_nonnegative), WithJsonSchema(_DURATION_SCHEMA)]
"""Seconds, written as ``30s``/``1h30m``/``500ms`` or an integer number of seconds."""


def parse_positive(value: Any) -> float:
    """Seconds of a duration > 0 (a period, a bucket width, a mean time between events)."""
    seconds = parse_nonnegative(value)
    if seconds <= 0:
        raise ValueError(f"a duration > 0, got {value!r}")
    return seconds


PositiveDuration = Annotated[
    float,
    BeforeValidator(parse_positive),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "exclusiveMinimum": 0, "description": "seconds"},
                {
                    "type": "string",
                    # as Duration, with at least one non-zero digit
                    "pattern": "^(?=.*[1-9])" + _DURATION_SCHEMA["anyOf"][1]["pattern"][1:],
                    "description": "Go/Argo duration > 0: 30s, 5m, 1h30m, 500ms",
                },
                {"type": "number", "exclusiveMinimum": 0, "description": "seconds"},
            ]
        }
    ),
]
"""A duration where zero means nothing (a period, a bucket): ``0s`` is refused."""


class ScenarioModel(BaseModel):
    """Base of our own format: camelCase keys, unknown keys are errors, values frozen."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="forbid",
        frozen=True,
        defer_build=True,  # built on first use: importing the models costs nothing
        strict=True,  # a typo never passes: true is not a seed, "3" is not a node count
    )
    #: Keys (as written) whose explicit ``null`` means something; elsewhere ``null`` is an
    #: error rather than a silent default.
    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _no_null(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, value in data.items():
                if value is None and key not in cls.NULLABLE:
                    raise PydanticCustomError(
                        "null_value",
                        "a value (leave the key out for the default)",
                        {"key": key},
                    )
        return data


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
    def _one_shape(self) -> "Delay":
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
                raise ValueError(f"p99 >= median, got p99 {self.p99:g}s < median {self.median:g}s")
        if self.mean is not None and self.mean <= 0:
            raise ValueError(f"a mean > 0, got {self.mean}")
        return self

    @classmethod
    def of(cls, seconds: float) -> "Delay":
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


class Change(ScenarioModel):
    """From ``at`` (simulated time) on, the value is ``value``: the base of one concrete
    class per value type (``DelayChange``, ``FractionChange``, …). Concrete classes rather
    than a generic ``Change[T]``: pydantic builds a parametrised generic model's schema when
    the class is subscripted, at import, which the deferred build of every other model
    avoids (about 35 ms of every command's start-up)."""

    NULLABLE = frozenset({"value"})

    at: Duration


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
    """Validator helper: changes sorted by time (stable for equal times); an empty list
    would leave the value undefined."""
    if isinstance(value, list) and not value:
        raise ValueError("a value or a non-empty list of {at, value} changes, got []")
    if isinstance(value, list):
        return sorted(value, key=lambda c: c.at)
    return value


Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class DelayChange(Change):
    """A :class:`Change` of a :class:`Delay`."""

    value: Delay


class FractionChange(Change):
    """A :class:`Change` of a fraction (0 to 1)."""

    value: Fraction
