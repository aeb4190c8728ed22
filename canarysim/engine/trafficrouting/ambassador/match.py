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
    name = value.split("://", 1)[-1].split(":", 1)[0]
    return name.split(".", 1)[0]


def route(
    mappings: Sequence[Mapping[str, Any]], host: str, uri: str = "/"
) -> tuple[tuple[str, float], ...] | None:
    """``(Service, share)`` for one request class, or None when no Mapping matches it."""
    path = uri.split("?", 1)[0] or "/"
    group: list[dict[str, Any]] = []
    best = -1
    for m in mappings:
        spec = as_dict(m.get("spec"))
        wanted = str(spec.get("hostname") or spec.get("host") or "*")
        if wanted not in ("*", host):
            continue
        prefix = str(spec.get("prefix") or "/")
        if not path.startswith(prefix):
            continue
        if len(prefix) > best:
            best, group = len(prefix), [spec]
        elif len(prefix) == best:
            group.append(spec)
    if not group:
        return None
    weighted = [(s, int(s.get("weight") or 0)) for s in group]
    fixed = sum(w for s, w in weighted if "weight" in s)
    rest = [s for s, _ in weighted if "weight" not in s]
    shares: list[tuple[str, float]] = []
    for s, w in weighted:
        if "weight" in s and w > 0:
            shares.append((_service(str(s.get("service") or "")), min(w, 100) / 100.0))
    left = max(0.0, 1.0 - min(fixed, 100) / 100.0)
    for s in rest:
        if left > 0:
            shares.append((_service(str(s.get("service") or "")), left / len(rest)))
    total = sum(f for _, f in shares)
    if total <= 0:
        return ()
    return tuple((svc, f / total) for svc, f in shares)
