"""A PromQL subset over the simulated Istio metrics: what Argo's and Flagger's queries need.

>>> from canarysim.sim.metrics.store import MetricStore
>>> evaluate("vector(1) * 2 + 0.5", MetricStore(), at=0.0)
Vector(samples=[({}, 2.5)])
>>> evaluate("2 > bool 1", MetricStore(), at=0.0)
Scalar(value=1.0)

``evaluate(query, store, at)`` parses the query (raising :class:`PromQLError` with a
``line:column`` position on bad syntax) and evaluates it as an instant query at simulated
time ``at`` (seconds). ``store`` is anything with ``metric_names()`` and ``select(name)``
yielding ``(labels, times, values)``, i.e. :class:`canarysim.sim.metrics.store.MetricStore`;
a store may also offer ``select_ends(name, matchers)``, yielding ``(labels, times, values,
staleness marker time or None)`` and free to leave out the series the selector's other
matchers refuse.
The supported language and its semantics are documented in :mod:`canarysim.lang.promql.parse`
and :mod:`canarysim.lang.promql.evaluator`.
"""

from __future__ import annotations

import functools
from typing import Any

from canarysim.lang.promql.evaluator import (
    FUNCTIONS,
    LOOKBACK_S,
    Evaluator,
    Scalar,
    Vector,
    _Matrix,
)
from canarysim.lang.promql.parse import PromQLError, parse

__all__ = ["FUNCTIONS", "PromQLError", "Scalar", "Vector", "evaluate", "evaluate_range", "parse"]

#: Prometheus refuses range queries with more points per series (``api/v1``'s check).
MAX_POINTS = 11000


@functools.lru_cache(maxsize=512)
def _parsed(query: str) -> object:
    """The syntax tree of *query*: immutable, so an analysis asking the same query every
    interval parses it once."""
    return parse(query)


def evaluate(
    query: str,
    store: Any,
    at: float,
    *,
    lookback_s: float = LOOKBACK_S,
    version: int = 3,
    epoch: float = 0.0,
) -> Vector | Scalar:
    """Evaluate ``query`` at time ``at`` over ``store``: a :class:`Vector` (possibly empty) or
    a :class:`Scalar`. A bare range selector is not a valid instant result here. ``version``
    is Prometheus' major version (2 or 3) whose window boundaries to follow; ``epoch`` the
    Unix time of the store's time 0."""
    ast = _parsed(query)
    result = Evaluator(store, at, lookback_s, version=version, epoch=epoch).eval(ast)
    if isinstance(result, _Matrix):
        raise PromQLError("a range vector cannot be the result of an instant query here")
    return result


def evaluate_range(
    query: str,
    store: Any,
    start: float,
    end: float,
    step: float,
    *,
    lookback_s: float = LOOKBACK_S,
    version: int = 3,
    epoch: float = 0.0,
) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
    """A range query (``/api/v1/query_range``): the expression evaluated at ``start``,
    ``start + step``, ... up to ``end``; one ``(labels, [(t, value), ...])`` per series, series
    sorted by labels as Prometheus returns a matrix (a scalar is one series without labels)."""
    if end < start:
        raise PromQLError("end timestamp must not be before start time")
    if step <= 0:
        raise PromQLError(
            "zero or negative query resolution step widths are not accepted. Try a positive integer"
        )
    if (end - start) / step > MAX_POINTS:
        raise PromQLError(
            "exceeded maximum resolution of 11,000 points per timeseries. "
            "Try decreasing the query resolution (?step=XX)"
        )
    ast = _parsed(query)
    series: dict[tuple[tuple[str, str], ...], list[tuple[float, float]]] = {}
    i = 0
    t = start
    while t <= end:
        value = Evaluator(
            store, t, lookback_s, version=version, epoch=epoch, start=start, end=end
        ).eval(ast)
        if isinstance(value, _Matrix):
            raise PromQLError(
                'invalid expression type "range vector" for range query, must be Scalar or '
                "instant Vector"
            )
        samples = [({}, value.value)] if isinstance(value, Scalar) else value.samples
        for labels, v in samples:
            series.setdefault(tuple(sorted(labels.items())), []).append((t, v))
        i += 1
        t = start + i * step
    return [(dict(key), series[key]) for key in sorted(series)]
