"""What Argo's Prometheus provider does around a query: its timeout, how a result reaches the
conditions, and a range query's time expressions against the simulated wall clock
(``metricproviders/prometheus/prometheus.go``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from canarysim.errors import SimulationError

if TYPE_CHECKING:
    from canarysim.sim.metrics.store import MetricStore

__all__ = [
    "PROMETHEUS_TIMEOUT",
    "WALL_CLOCK_EPOCH",
    "StoreQueries",
    "argo_result",
    "range_bounds",
    "zone_offset",
]


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
    from canarysim.lang.expr.evaluate import evaluate_time  # loaded by range queries only
    from canarysim.lang.expr.goduration import parse_go_duration
    from canarysim.lang.expr.parse import ConditionError

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


class StoreQueries:
    """The run's Prometheus: queries answered from the metric store, once the traffic up to
    the query's time is in it (``catch_up(now)``: the world's traffic flushed to ``now``).
    ``store()`` is the world's store, None when nothing reads metrics (a query then is a bug
    of ``reads_metrics``, not bad input)."""

    def __init__(
        self,
        store: Callable[[], MetricStore | None],
        catch_up: Callable[[float], None],
        version: int,
    ) -> None:
        self._store, self._catch_up, self.version = store, catch_up, version

    def _at(self, now: float) -> MetricStore:
        store = self._store()
        if store is None:
            raise SimulationError("internal: a metric query without a metric store")
        self._catch_up(now)
        store.advance_to(now)
        return store

    def instant(self, query: str, now: float) -> object:
        """An instant query at ``now``."""
        from canarysim.lang.promql.query import evaluate

        store = self._at(now)
        return evaluate(query, store, now, version=self.version, epoch=WALL_CLOCK_EPOCH)

    def range(
        self, query: str, start: float, end: float, step: float, now: float
    ) -> list[tuple[Any, list[tuple[float, float]]]]:
        """A range query asked at ``now`` (only what was scraped by then exists)."""
        from canarysim.lang.promql.query import evaluate_range

        store = self._at(now)
        return evaluate_range(
            query, store, start, end, step, version=self.version, epoch=WALL_CLOCK_EPOCH
        )
