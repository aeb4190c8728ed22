"""The simulated metrics as OpenMetrics text: every sample the PromQL evaluator sees.

``promtool tsdb create-blocks-from openmetrics FILE DIR`` turns the text into TSDB blocks a real
Prometheus serves (and Grafana charts). Counters are families named without ``_total``;
``istio_request_duration_milliseconds`` is one histogram family whose MetricPoints (every
``_bucket``, ``_count`` and ``_sum`` of one label set at one instant) stay together, as the
OpenMetrics text format requires. Timestamps are Unix seconds: simulated time plus ``epoch``.

>>> from canarysim.sim.metrics.store import MetricStore
>>> print("".join(openmetrics_lines(MetricStore())), end="")
# EOF
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from canarysim.sim.metrics.tally import DURATION, REQUESTS_TOTAL

__all__ = ["openmetrics_lines"]

_HISTOGRAM_PARTS = ("_bucket", "_count", "_sum")
_HELP = {
    REQUESTS_TOTAL: "Requests reported by Istio's proxies (simulated).",
    DURATION: "Request durations in milliseconds reported by Istio's proxies (simulated).",
}


def _number(value: float) -> str:
    """A Go-parsable float with the shortest round-trip digits (``1``, ``0.5``, ``1e+21``)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _timestamp(t: float) -> str:
    """Seconds with millisecond precision at most (Prometheus stores milliseconds)."""
    text = format(Decimal(repr(round(t, 3))), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()) if v)
    return "{" + inner + "}"


def _series(store: Any, name: str) -> list[tuple[dict[str, str], Sequence[float], Sequence[float]]]:
    return sorted(store.select(name), key=lambda s: sorted(s[0].items()))


def openmetrics_lines(store: Any, epoch: float = 0.0) -> Iterator[str]:
    """The store's samples as OpenMetrics text lines (ending with ``# EOF``)."""
    names = list(store.metric_names())
    histograms = sorted(
        {n[: -len(p)] for n in names for p in _HISTOGRAM_PARTS if n.endswith(p)}
        & {n[: -len("_bucket")] for n in names if n.endswith("_bucket")}
    )
    parts_of_histograms = {h + p for h in histograms for p in _HISTOGRAM_PARTS}
    for name in sorted(n for n in names if n not in parts_of_histograms):
        family = name[: -len("_total")] if name.endswith("_total") else name
        kind = "counter" if name.endswith("_total") else "gauge"
        yield f"# TYPE {family} {kind}\n"
        if name in _HELP:
            yield f"# HELP {family} {_HELP[name]}\n"
        for labels, times, values in _series(store, name):
            text = _labels(labels)
            for t, v in zip(times, values, strict=True):
                yield f"{name}{text} {_number(float(v))} {_timestamp(float(t) + epoch)}\n"
    for family in histograms:
        yield f"# TYPE {family} histogram\n"
        if family in _HELP:
            yield f"# HELP {family} {_HELP[family]}\n"
        yield from _histogram(store, family, epoch)
    yield "# EOF\n"


def _histogram(store: Any, family: str, epoch: float) -> Iterator[str]:
    """MetricPoints grouped per label set and instant: buckets (by bound), count, sum."""
    points: dict[tuple[tuple[str, str], ...], dict[float, list[tuple[int, float, str]]]] = {}
    for order, part in enumerate(_HISTOGRAM_PARTS):
        for labels, times, values in store.select(family + part):
            base = {k: v for k, v in labels.items() if k != "le"}
            key = tuple(sorted(base.items()))
            le = labels.get("le")
            bound = math.inf if le == "+Inf" else float(le) if le is not None else 0.0
            for t, v in zip(times, values, strict=True):
                line = f"{family}{part}{_labels(labels)} {_number(float(v))}"
                points.setdefault(key, {}).setdefault(float(t), []).append((order, bound, line))
    for key in sorted(points):
        for t in sorted(points[key]):
            stamp = _timestamp(t + epoch)
            for _, _, line in sorted(points[key][t], key=lambda p: (p[0], p[1])):
                yield f"{line} {stamp}\n"
