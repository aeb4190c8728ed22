"""How Ambassador (Emissary) routes a request over Mappings.

Mappings whose ``hostname`` (or older ``host``; none or ``*``: every host) matches and whose
``prefix`` starts the path are candidates; the longest prefix wins, and every Mapping with that
same prefix (and host) forms one group: Mappings with a ``weight`` take that percentage, the
others share what is left equally. A Mapping's ``service`` (``name``, ``name:port`` or
``name.namespace:port``) names the Kubernetes Service.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.engine.trafficrouting.fields import as_dict

__all__ = ["route"]


def _service(value: str) -> str:
    """The Service of a Mapping's ``service``: ``[scheme://]name[.namespace][:port]``."""
    return value.split("://")[-1].split(":")[0].split(".")[0]


def route(
    mappings: Sequence[Mapping[str, Any]], host: str, uri: str = "/"
) -> tuple[tuple[str, float], ...] | None:
    """``(Service, share)`` for one request class, or None when no Mapping matches it."""
    path = uri.split("?")[0] or "/"
    candidates: list[tuple[int, dict[str, Any]]] = []
    for m in mappings:
        spec = as_dict(m.get("spec"))
        wanted = spec.get("hostname") or spec.get("host") or "*"
        prefix = str(spec.get("prefix") or "/")
        if wanted in ("*", host) and path.startswith(prefix):
            candidates.append((len(prefix), spec))
    if not candidates:
        return None
    longest = max(n for n, _ in candidates)
    group = [s for n, s in candidates if n == longest]
    # A null weight is no weight (the API server prunes nulls from a structural CRD's objects).
    weighted = [s for s in group if s.get("weight") is not None]
    rest = [s for s in group if s.get("weight") is None]
    shares = [(_service_of(s), min(int(s["weight"]), 100) / 100.0) for s in weighted]
    left = 1.0 - sum(f for _, f in shares)
    shares += [(_service_of(s), left / len(rest)) for s in rest]
    shares = [(svc, f) for svc, f in shares if f > 0]
    total = sum(f for _, f in shares)
    return tuple((svc, f / total) for svc, f in shares)


def _service_of(spec: Mapping[str, Any]) -> str:
    return _service(str(spec.get("service") or ""))
