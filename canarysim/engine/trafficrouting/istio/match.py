"""Istio's HTTP request matching and route policies, read from VirtualService dicts.

Pure functions used by the simulated mesh (``canarysim.sim.mesh.router``): StringMatch and
HTTPMatchRequest semantics, host names relative to a namespace, and the per-route policy
Istio derives from a route (weights, mirrors, timeout, retries, faults). Sources: the
``istio/api`` proto comments for ``networking/v1alpha3``, and Istio's
``pilot/pkg/networking/core/route/route.go`` and ``route/retry/retry.go``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import parse_qs

from canarysim.engine.durations import parse_duration
from canarysim.errors import TrafficRoutingError

__all__ = [
    "CLUSTER_SUFFIX",
    "DEFAULT_RETRIABLE_STATUS_CODES",
    "DEFAULT_RETRY_ON",
    "HttpRoute",
    "Request",
    "RetryPolicy",
    "block_matches",
    "fqdn",
    "host_matches",
    "parse_route",
    "retry_policy",
    "string_match",
]

# Istio route/retry/retry.go::DefaultPolicy (503 unless Exclude503FromDefaultRetries).
DEFAULT_RETRY_ON = frozenset(
    {"connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"}
)
DEFAULT_RETRIABLE_STATUS_CODES = frozenset({503})
CLUSTER_SUFFIX = ".svc.cluster.local"
RetryPolicy = tuple[int, frozenset[str], frozenset[int], float | None]


class Request(Protocol):
    """What matching reads from a request (``sim.router.RequestClass`` has these)."""

    @property
    def host(self) -> str: ...
    @property
    def headers(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def uri(self) -> str: ...
    @property
    def method(self) -> str: ...


# ------------------------------------------------------------------------------ matching


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as err:
        raise TrafficRoutingError(f"invalid regex {pattern!r} in a VirtualService: {err}") from None


def string_match(spec: Any, value: str | None, ignore_case: bool = False) -> bool:
    """Istio StringMatch: exactly one of exact / prefix / regex (RE2, whole string).

    An empty StringMatch only asks for presence (used for headers)."""
    if value is None:
        return False
    spec = spec if isinstance(spec, dict) else {}
    if "exact" in spec:
        want = str(spec["exact"])
        return value.lower() == want.lower() if ignore_case else value == want
    if "prefix" in spec:
        want = str(spec["prefix"])
        return value.lower().startswith(want.lower()) if ignore_case else value.startswith(want)
    if "regex" in spec:
        return _regex(str(spec["regex"])).fullmatch(value) is not None
    return True


def block_matches(block: Mapping[str, Any], req: Request) -> bool:
    """One HTTPMatchRequest: every condition given must hold.

    Envoy matches ``prefix`` against the whole ``:path`` and ``exact``/``regex`` against the
    path without its query string. ``port``, ``sourceLabels``, ``gateways`` and
    ``sourceNamespace`` are not modelled (every request class passes them).
    """
    path, _, query = req.uri.partition("?")
    uri = block.get("uri")
    if isinstance(uri, dict):
        ignore_case = bool(block.get("ignoreUriCase"))
        target = req.uri if "prefix" in uri else path
        if not string_match(uri, target, ignore_case):
            return False
    for key, value in (("method", req.method), ("scheme", "http"), ("authority", req.host)):
        if isinstance(block.get(key), dict) and not string_match(block[key], value):
            return False
    headers: dict[str, str] = {}
    for name, value in req.headers:
        headers.setdefault(name.lower(), value)
    for name, spec in (block.get("headers") or {}).items():
        if not string_match(spec, headers.get(str(name).lower())):
            return False
    for name, spec in (block.get("withoutHeaders") or {}).items():
        if string_match(spec, headers.get(str(name).lower())):
            return False
    params = parse_qs(query, keep_blank_values=True)
    for name, spec in (block.get("queryParams") or {}).items():
        values = params.get(str(name))
        if not string_match(spec, values[0] if values else None):
            return False
    return True


def fqdn(host: str, namespace: str) -> str:
    """A host as Istio reads it; model/config.go::ResolveShortnameToFQDN.

    Only a name without a dot is short: it is relative to the manifest's namespace (not
    the Service's). Anything with a dot, and ``*``, is taken literally, so
    ``reviews.prod`` is not ``reviews.prod.svc.cluster.local``.
    """
    if host == "*" or "." in host or not host:
        return host
    return f"{host}.{namespace}{CLUSTER_SUFFIX}"


def host_matches(pattern: str, fqdn: str) -> bool:
    """``*`` alone matches every host (every name ends with the empty suffix)."""
    if pattern.startswith("*"):
        return fqdn.endswith(pattern[1:])
    return pattern == fqdn


# ------------------------------------------------------------------------------ parsing


def duration_s(value: Any, what: str) -> float | None:
    if value is None:
        return None
    try:
        seconds = parse_duration(value)
    except ValueError as err:
        raise TrafficRoutingError(f"{what}: {err}") from None
    return seconds if seconds > 0 else None


def _percent(spec: Mapping[str, Any], default: float) -> float:
    """``percentage: {value: double}``, else deprecated integer ``percent``, else default."""
    pct = spec.get("percentage")
    if isinstance(pct, dict):
        return float(pct.get("value") or 0.0)
    if spec.get("percent") is not None:
        return float(spec["percent"])
    return default


def retry_policy(retries: Any) -> RetryPolicy:
    """Istio route/retry/retry.go::ConvertPolicy, as (attempts, retryOn, codes, perTry)."""
    if not isinstance(retries, dict):
        return 2, DEFAULT_RETRY_ON, DEFAULT_RETRIABLE_STATUS_CODES, None
    attempts = int(retries.get("attempts") or 0)
    if attempts <= 0:
        return 0, frozenset(), frozenset(), None
    retry_on, codes = DEFAULT_RETRY_ON, DEFAULT_RETRIABLE_STATUS_CODES
    if retries.get("retryOn"):
        parts = [p.strip() for p in str(retries["retryOn"]).split(",") if p.strip()]
        codes = frozenset(int(p) for p in parts if p.isdigit() and 100 <= int(p) <= 599)
        retry_on = frozenset(p for p in parts if not (p.isdigit() and int(p) in codes))
        if codes:
            retry_on |= {"retriable-status-codes"}
    per_try = duration_s(retries.get("perTryTimeout"), "retries.perTryTimeout")
    return attempts, retry_on, codes, per_try


@dataclass(frozen=True)
class HttpRoute:
    """An HTTP route with its fixed parts parsed once, per Router."""

    name: str | None
    namespace: str
    matches: tuple[Mapping[str, Any], ...]
    destinations: tuple[tuple[str, str | None, int], ...]  # host, subset, weight
    mirrors: tuple[tuple[str, str | None, float], ...]  # host, subset, fraction
    timeout_s: float | None
    retry: RetryPolicy
    fault_delay: tuple[float, float] | None
    fault_abort: tuple[float, int] | None


def _dest_of(spec: Any) -> tuple[str, str | None]:
    spec = spec if isinstance(spec, dict) else {}
    return str(spec.get("host") or ""), (str(spec["subset"]) if spec.get("subset") else None)


def parse_route(route: Mapping[str, Any], namespace: str, where: str) -> HttpRoute:
    dests = []
    for d in route.get("route") or []:
        host, subset = _dest_of(d.get("destination"))
        weight = int(d.get("weight") or 0)
        if weight < 0:
            raise TrafficRoutingError(f"{where}: weight {weight} < 0")
        dests.append((host, subset, weight))
    if len(dests) > 1 and sum(w for _, _, w in dests) == 0:
        raise TrafficRoutingError(f"{where}: total destination weight = 0")
    mirrors = []
    if route.get("mirror") is not None:
        pct = _percent({"percentage": route.get("mirrorPercentage")}, 100.0)
        if route.get("mirrorPercentage") is None and route.get("mirrorPercent") is not None:
            pct = float(route["mirrorPercent"])
        mirrors.append((*_dest_of(route["mirror"]), pct / 100.0))
    for m in route.get("mirrors") or []:
        mirrors.append((*_dest_of(m.get("destination")), _percent(m, 100.0) / 100.0))
    fault = route.get("fault") or {}
    delay = abort = None
    if isinstance(fault.get("delay"), dict):
        seconds = duration_s(fault["delay"].get("fixedDelay"), f"{where}: fault.delay.fixedDelay")
        frac = _percent(fault["delay"], 0.0) / 100.0
        delay = (frac, seconds) if frac > 0 and seconds else None
    if isinstance(fault.get("abort"), dict):
        status = int(fault["abort"].get("httpStatus") or 0)
        frac = _percent(fault["abort"], 0.0) / 100.0
        abort = (frac, status) if frac > 0 and status else None
    return HttpRoute(
        name=str(route["name"]) if route.get("name") else None,
        namespace=namespace,
        matches=tuple(m for m in route.get("match") or [] if isinstance(m, dict)),
        destinations=tuple(dests),
        mirrors=tuple((h, s, f) for h, s, f in mirrors if f > 0),
        timeout_s=duration_s(route.get("timeout"), f"{where}: timeout"),
        retry=retry_policy(route.get("retries")),
        fault_delay=delay,
        fault_abort=abort,
    )
