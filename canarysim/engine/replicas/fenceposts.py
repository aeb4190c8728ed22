"""Argo's surge/unavailable fenceposts and the weighted canary/stable split of a basic canary.

:func:`resolve_fenceposts` turns ``maxSurge``/``maxUnavailable`` (int or percent, as the
controller reads them) into pod counts (``resolveFenceposts`` in
``utils/replicaset/replicaset.go``); :func:`weighted_split` is the target split of a basic
canary (``approximateWeightedCanaryStableReplicaCounts`` in ``utils/replicaset/canary.go``).
:class:`ReplicaSetCounts` is the one value type of the replica arithmetic. Part of the issue-#2
API, re-exported by :mod:`canarysim.engine.replicas`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "DEFAULT_MAX_SURGE",
    "DEFAULT_MAX_UNAVAILABLE",
    "IntOrPercent",
    "ReplicaSetCounts",
    "parse_int_or_percent",
    "resolve_fenceposts",
    "weighted_split",
]

IntOrPercent = int | str
DEFAULT_MAX_SURGE = "25"  # utils/defaults: DefaultMaxSurge (a string, so a percentage)
DEFAULT_MAX_UNAVAILABLE = "25"  # utils/defaults: DefaultMaxUnavailable


@dataclass(frozen=True)
class ReplicaSetCounts:
    """One ReplicaSet as the arithmetic sees it: ``spec.replicas`` and available pods."""

    replicas: int
    available: int


# --------------------------------------------------------------------------- surge / unavailable


def parse_int_or_percent(value: IntOrPercent) -> tuple[int, bool]:
    """``(number, is_percent)`` of a Kubernetes IntOrString, as the controller reads it.

    Argo uses apimachinery's deprecated ``GetValueFromIntOrPercent``: every ``%`` is deleted from
    a string and whatever remains must be a Go integer; *any* string is a percentage, ``%`` or
    not. Integers are absolute.

    >>> parse_int_or_percent("25%"), parse_int_or_percent("25"), parse_int_or_percent(3)
    ((25, True), (25, True), (3, False))
    >>> parse_int_or_percent("oops")
    Traceback (most recent call last):
    ...
    ValueError: invalid int-or-percent value 'oops'
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"invalid int-or-percent value {value!r}")
    if isinstance(value, int):
        return value, False
    digits = value.replace("%", "")
    body = digits[1:] if digits[:1] in ("+", "-") else digits
    if not body or not body.isascii() or not body.isdigit():
        raise ValueError(f"invalid int-or-percent value {value!r}")
    return int(digits), True


def _scaled(value: IntOrPercent, total: int, round_up: bool) -> int:
    if type(value) is int:  # an absolute count (the common case: resolved already)
        return value
    number, percent = parse_int_or_percent(value)
    if not percent:
        return number
    exact = float(number) * float(total) / 100  # same float64 expression as apimachinery
    return math.ceil(exact) if round_up else math.floor(exact)


def resolve_fenceposts(
    max_surge: IntOrPercent | None, max_unavailable: IntOrPercent | None, replicas: int
) -> tuple[int, int]:
    """Effective ``(maxSurge, maxUnavailable)`` pod counts for a Rollout of ``replicas`` pods.

    Percentages (any string) resolve against ``replicas``: surge rounds up, unavailable rounds
    down. If both come out 0, unavailable becomes 1 (``resolveFenceposts``), and unavailable is
    finally capped at ``replicas`` (0 when replicas is 0), as ``MaxUnavailable`` does. ``None``
    means "not set in the manifest": Argo's default ``"25"`` (i.e. 25%). A bad string raises
    :class:`ValueError` naming it.

    >>> resolve_fenceposts("39%", "39%", 10)
    (4, 3)
    >>> resolve_fenceposts("25", 0, 10) == resolve_fenceposts("25%", 0, 10) == (3, 0)
    True
    >>> resolve_fenceposts("0%", "0%", 10), resolve_fenceposts(None, None, 4)
    ((0, 1), (1, 1))
    """
    surge = _scaled(DEFAULT_MAX_SURGE if max_surge is None else max_surge, replicas, True)
    unavailable = _scaled(
        DEFAULT_MAX_UNAVAILABLE if max_unavailable is None else max_unavailable, replicas, False
    )
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, max(0, min(unavailable, replicas))  # MaxUnavailable: 0 pods -> 0


# --------------------------------------------------------------------------- weighted split


def _weight_delta(weight: int, max_weight: int, canary: int, total: int) -> float:
    return abs(float(canary * max_weight) / float(total) - float(weight))


def _tied(weight: int, max_weight: int, total: int) -> bool:
    # floorCeilingTied: the float64 product, not the exact rational, decides a tie.
    return math.modf(float(total) * (float(weight) / float(max_weight)))[0] == 0.5


def weighted_split(
    replicas: int, weight: int, max_surge: int, max_weight: int = 100
) -> tuple[int, int]:
    """Target ``(canary, stable)`` pods of a basic canary.

    Upstream: ``approximateWeightedCanaryStableReplicaCounts``.

    Not ``round(R*W/100)``: Argo tries canary counts ``ceil``/``floor`` of ``R*W/max`` over a
    total of R, and of R+1 when ``max_surge`` (resolved pods) > 0, and keeps the candidate whose
    weight is nearest W (earlier candidate on equal distance; an exact .5 tie takes the ceiling).
    For 0 < W < max neither side is emptied once R + surge ≥ 2, except where Argo finds no
    option ("should not get here"): no surge and R·W/max = R − ½, e.g. ``(25, 98, 0)``, which
    keeps everything on the stable, ``(0, R)``.

    >>> weighted_split(10, 10, 1), weighted_split(10, 1, 1), weighted_split(3, 50, 1)
    ((1, 9), (1, 10), (2, 2))
    >>> weighted_split(1, 49, 0), weighted_split(1, 50, 0), weighted_split(0, 50, 1)
    ((0, 1), (1, 0), (0, 0))
    """
    if replicas == 0:
        return 0, 0
    ceil_c = math.ceil(float(replicas * weight) / float(max_weight))
    floor_c = math.floor(float(replicas * weight) / float(max_weight))
    zero_allowed = weight in (max_weight, 0) or (replicas == 1 and max_surge == 0)
    options: list[tuple[int, int]] = []
    if ceil_c < replicas or zero_allowed:
        options.append((ceil_c, replicas))
    if not _tied(weight, max_weight, replicas) and (floor_c != 0 or zero_allowed):
        options.append((floor_c, replicas))
    if max_surge > 0:
        # Argo also offers (floor_c, R + 1); it never wins: floor_c / (R + 1) is strictly
        # farther from the weight than (floor_c, R) whenever that is offered, and than
        # (ceil_c, R) or (ceil_c, R + 1) when R is tied, and the first of equals is kept.
        options.append((ceil_c, replicas + 1))
    if not options:
        return 0, replicas
    best = options[0]
    for option in options[1:]:
        if _weight_delta(weight, max_weight, *option) < _weight_delta(weight, max_weight, *best):
            best = option
    return best[0], best[1] - best[0]
