"""How a mesh implementing SMI splits traffic addressed to a TrafficSplit's root Service.

Requests a sidecar sends to the root Service (``spec.service``) are spread over the backends in
proportion to their weights (backends of weight 0 take nothing); a backend Service without a
ready endpoint answers 503. Requests to any other Service are not split.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.engine.trafficrouting.fields import as_dict

__all__ = ["split"]


def _weight(value: Any) -> float:
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        return 0.0


def split(
    traffic_splits: Sequence[Mapping[str, Any]], service: str
) -> tuple[tuple[str, float], ...] | None:
    """``(backend Service, share)`` for requests to ``service``, or None when no
    TrafficSplit has it as its root (or all its weights are 0)."""
    for ts in traffic_splits:
        spec = as_dict(ts.get("spec"))
        if spec.get("service") != service:
            continue
        backends = [
            (str(b.get("service") or ""), _weight(b.get("weight")))
            for b in spec.get("backends") or []
            if isinstance(b, dict)
        ]
        total = sum(w for _, w in backends)
        if total <= 0:
            return None
        return tuple((s, w / total) for s, w in backends if w > 0)
    return None
