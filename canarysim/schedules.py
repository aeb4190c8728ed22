"""Weight schedules as Argo canary ``steps:`` lists, ready to paste into a Rollout.

>>> from_weights([1, 5, 100], pause="10m")  # doctest: +NORMALIZE_WHITESPACE
[{'setWeight': 1}, {'pause': {'duration': '10m'}},
 {'setWeight': 5}, {'pause': {'duration': '10m'}}]
>>> [s["setWeight"] for s in linear(4, pause="5m") if "setWeight" in s]
[25, 50, 75]
>>> [s["setWeight"] for s in exponential(1, 2, pause="5m", cap=50) if "setWeight" in s]
[1, 2, 4, 8, 16, 32, 50]

A weight of 100 ends the list without a step (Argo promotes after the last step); ``pause=None``
leaves a pause out, ``pause={}`` adds an indefinite pause (promotion by hand). ``analysis``
(a list of template names, or a full ``analysis`` step mapping) adds an inline analysis step
after each pause. Use a schedule with ``canarysim.sweep(..., vary={"steps": [...]})`` or write
several to a YAML mapping for ``canarysim sweep --vary steps=@schedules.yaml``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["exponential", "from_weights", "linear"]


def _pause(pause: str | int | Mapping[str, Any] | None) -> dict[str, Any] | None:
    if pause is None:
        return None
    if isinstance(pause, Mapping):
        return {"pause": dict(pause)}
    return {"pause": {"duration": pause}}


def _analysis(analysis: Sequence[str] | Mapping[str, Any] | None) -> dict[str, Any] | None:
    if analysis is None:
        return None
    if isinstance(analysis, Mapping):
        return {"analysis": dict(analysis)}
    if isinstance(analysis, str):
        analysis = [analysis]
    return {"analysis": {"templates": [{"templateName": name} for name in analysis]}}


def from_weights(
    weights: Sequence[int],
    pause: str | int | Mapping[str, Any] | None = "10m",
    analysis: Sequence[str] | Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """``setWeight`` then ``pause`` (then ``analysis``) for each weight below 100."""
    steps: list[dict[str, Any]] = []
    last = 0
    for w in weights:
        if isinstance(w, bool) or not isinstance(w, int) or not 0 < w <= 100:
            raise ValueError(f"weights must be integers in 1..100, got {w!r}")
        if w <= last:
            raise ValueError(f"weights must increase, got {w} after {last}")
        last = w
        if w == 100:
            break
        steps.append({"setWeight": w})
        for extra in (_pause(pause), _analysis(analysis)):
            if extra is not None:
                steps.append(extra)
    return steps


def linear(
    n: int,
    pause: str | int | Mapping[str, Any] | None = "10m",
    analysis: Sequence[str] | Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """``n`` equal increments to 100 % (the last one is the promotion): 100/n, 2*100/n, ..."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    weights = sorted({max(1, round(100 * i / n)) for i in range(1, n + 1)})
    return from_weights(weights, pause, analysis)


def exponential(
    start: int,
    factor: float = 2.0,
    pause: str | int | Mapping[str, Any] | None = "10m",
    analysis: Sequence[str] | Mapping[str, Any] | None = None,
    cap: int = 100,
) -> list[dict[str, Any]]:
    """``start``, ``start*factor``, ... (rounded, strictly increasing) up to ``cap``; a cap
    below 100 is the last weight held before promotion."""
    if not 0 < start <= 100 or factor <= 1 or not 0 < cap <= 100:
        raise ValueError("need 0 < start <= 100, factor > 1 and 0 < cap <= 100")
    weights: list[int] = []
    w = float(start)
    while True:
        value = min(cap, max(math.floor(w + 0.5), (weights[-1] + 1) if weights else 1))
        weights.append(value)
        if value >= cap:
            break
        w *= factor
    return from_weights(weights, pause, analysis)
