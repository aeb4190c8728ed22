"""A PromQL subset over the simulated Istio metrics: what Argo's and Flagger's queries need.

>>> from canarysim.sim.metrics.store import MetricStore
>>> evaluate("vector(1) * 2 + 0.5", MetricStore(), at=0.0)
Vector(samples=[({}, 2.5)])
>>> evaluate("2 > bool 1", MetricStore(), at=0.0)
Scalar(value=1.0)

``evaluate(query, store, at)`` parses the query (raising :class:`PromQLError` with a
``line:column`` position on bad syntax) and evaluates it as an instant query at simulated
time ``at`` (seconds). ``store`` is anything with ``metric_names()`` and ``select(name)``
yielding ``(labels, times, values)``, i.e. :class:`canarysim.sim.metrics.store.MetricStore`.
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

__all__ = ["FUNCTIONS", "PromQLError", "Scalar", "Vector", "evaluate", "parse"]


@functools.lru_cache(maxsize=512)
def _parsed(query: str) -> object:
    """The syntax tree of *query*: immutable, so an analysis asking the same query every
    interval parses it once."""
    return parse(query)


def evaluate(
    query: str, store: Any, at: float, *, lookback_s: float = LOOKBACK_S
) -> Vector | Scalar:
    """Evaluate ``query`` at time ``at`` over ``store``: a :class:`Vector` (possibly empty) or
    a :class:`Scalar`. A bare range selector is not a valid instant result here."""
    ast = _parsed(query)
    result = Evaluator(store, at, query, lookback_s).eval(ast)
    if isinstance(result, _Matrix):
        raise PromQLError("a range vector cannot be the result of an instant query here", query)
    return result
