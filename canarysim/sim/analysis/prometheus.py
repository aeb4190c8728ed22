"""What Argo's Prometheus provider does around a query: its timeout, how a result reaches the
conditions, and a range query's time expressions against the simulated wall clock
(``metricproviders/prometheus/prometheus.go``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from canarysim.lang.expr.evaluate import ConditionError, evaluate_time
from canarysim.lang.expr.gotime import parse_go_duration

__all__ = ["PROMETHEUS_TIMEOUT", "WALL_CLOCK_EPOCH", "argo_result", "range_bounds", "zone_offset"]


#: The wall-clock instant of simulated time 0 (2026-01-01T00:00:00Z, as the ReplicaSets'
#: timestamps): what ``now()`` means in a ``rangeQuery``'s ``start`` and ``end``.
WALL_CLOCK_EPOCH = 1767225600.0

#: Argo's Prometheus provider gives up on a query after the metric's ``timeout`` (seconds),
#: 30 s when unset (metricproviders/prometheus/prometheus.go::NewPrometheusProvider).
PROMETHEUS_TIMEOUT = 30.0


def argo_result(value: object) -> object:
    """A PromQL instant result as Argo's Prometheus provider hands it to conditions: a
    vector becomes the list of its sample values, a scalar a float (``processResponse``)."""
    samples = getattr(value, "samples", None)
    if samples is not None:
        return [float(s[1]) if isinstance(s, tuple) else float(s.value) for s in samples]
    scalar = getattr(value, "value", None)
    if isinstance(scalar, int | float):
        return float(scalar)
    return value


def zone_offset(zone: str, local: float) -> float:
    """Seconds east of UTC of IANA time zone ``zone`` at wall-clock time ``local`` (Unix-like
    seconds), from the system's time-zone database, for expr's ``date(..., zone)``."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise KeyError(zone) from None
    wall = datetime(1970, 1, 1) + timedelta(seconds=local)
    delta = wall.replace(tzinfo=tz).utcoffset()
    return delta.total_seconds() if delta is not None else 0.0


def range_bounds(range_query: Mapping[str, Any], now: float) -> tuple[float, float, float]:
    """``executeQuery``: a range query's start and end evaluated as expr time expressions
    against the simulated wall clock, and its step, in simulated seconds."""
    wall = WALL_CLOCK_EPOCH + now
    bounds = []
    for key in ("start", "end"):
        try:
            text = str(range_query.get(key) or "")
            bounds.append(evaluate_time(text, wall, zone_offset) - WALL_CLOCK_EPOCH)
        except ConditionError as err:
            raise RuntimeError(f"failed to parse rangeQuery.{key} as time: {err}") from None
    try:
        step = parse_go_duration(str(range_query.get("step") or "")) / 1e9
    except ConditionError as err:
        raise RuntimeError(f"failed to parse rangeQuery.step as duration: {err}") from None
    return bounds[0], bounds[1], step
