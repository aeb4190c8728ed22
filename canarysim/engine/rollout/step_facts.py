"""What a plan's steps say to the replica arithmetic and the traffic reconciler, worked out
once per steps tuple (a plan's steps do not change between reconciles): each step in the
manifest form the arithmetic reads, and the nearest ``setWeight`` at or before each step."""

from __future__ import annotations

from typing import Any

from canarysim.engine.memo import LastEntry
from canarysim.engine.model import (
    SetCanaryScale,
    SetWeight,
    SingleStep,
    Step,
    step_part,
    step_parts,
)

__all__ = ["prior_set_weights", "step_mapping", "step_mappings"]


def step_mapping(step: Step) -> dict[str, Any]:
    """A typed step back in the manifest form the replica arithmetic reads: its ``setWeight``
    and ``setCanaryScale`` fields (of every part of a compound step); the arithmetic reads no
    other field, so other kinds of step map to an empty mapping that keeps their position."""
    out: dict[str, Any] = {}
    for part in step_parts(step):
        out.update(_single_mapping(part))
    return out


def _single_mapping(step: SingleStep) -> dict[str, Any]:
    if isinstance(step, SetWeight):
        return {"setWeight": step.weight}
    if isinstance(step, SetCanaryScale):
        scs: dict[str, Any] = {}
        if step.replicas is not None:
            scs["replicas"] = step.replicas
        if step.weight is not None:
            scs["weight"] = step.weight
        if step.match_traffic_weight:
            scs["matchTrafficWeight"] = True
        return {"setCanaryScale": scs}
    return {}


_MAPPED: LastEntry[tuple[Step, ...], tuple[dict[str, Any], ...]] = LastEntry()


def step_mappings(steps: tuple[Step, ...]) -> tuple[dict[str, Any], ...]:
    """:func:`step_mapping` of every step, computed once per steps tuple: a plan's steps do not
    change between reconciles, and mapping them on each one made reconciles O(steps).
    (Remembers the last tuple by identity; callers must not modify the result.)"""
    known = _MAPPED.get(steps)
    if known is not None:
        return known
    return _MAPPED.put(steps, tuple(step_mapping(s) for s in steps))


_PRIOR_WEIGHTS: LastEntry[tuple[Step, ...], tuple[int | None, ...]] = LastEntry()


def prior_set_weights(steps: tuple[Step, ...]) -> tuple[int | None, ...]:
    """For each step index, the weight of the nearest ``setWeight`` at or before it (None
    when there is none): what ``GetCurrentSetWeight`` and the traffic reconciler walk the
    steps back for, worked out once per steps tuple instead of on every reconcile.
    (Remembers the last tuple by identity; the answer is immutable.)"""
    known = _PRIOR_WEIGHTS.get(steps)
    if known is not None:
        return known
    out: list[int | None] = []
    last: int | None = None
    for step in steps:
        if (weight := step_part(step, SetWeight)) is not None:
            last = weight.weight
        out.append(last)
    return _PRIOR_WEIGHTS.put(steps, tuple(out))
