"""Istio request semantics over the current VirtualServices and DestinationRules.

The controller rewrites manifests through :mod:`canarysim.engine.trafficrouting.istio.reconcile`;
the world then
builds a new :class:`Router` from them, so traffic follows exactly what Argo wrote. The
router turns a class of identical requests into a :class:`RoutePlan`: which route matched,
the weighted destinations with the pod-template hashes behind them, mirroring, timeout,
retry policy and fault injection. It knows nothing of SimPy or pods: endpoints come from
the ``resolve`` callable.

Semantics (Istio ``networking/v1alpha3`` API and how Istio/Envoy realise it):

* HTTP routes are tried in order, VirtualServices in the order given; the first route whose
  match blocks accept the request wins (blocks are ORed, conditions in a block ANDed, no
  ``match`` = catch-all). Nothing matched: no route, Envoy answers 404 (flag ``NR``).
  A host no VirtualService claims goes straight to the Kubernetes Service of that name.
* One destination takes all traffic whatever its weight; with several, zero weights are
  dropped and the rest share traffic in proportion to weight (Istio
  ``route.go::applyHTTPRouteDestination``, Envoy ``pickWeightedCluster``: an independent
  draw per request).
* A ``subset`` selects endpoints by the DestinationRule subset's labels; an unknown
  subset, or no ready endpoint, means 503 (``NC`` / ``UH``) for that share.
* Mirroring is fire and forget: ``mirrorPercentage`` (absent: 100 %, 0: off) of the
  requests are copied to the mirror; the client only sees the primary response.
* Retries: no ``retries`` block means Istio's default policy
  (``route/retry/retry.go::DefaultPolicy``): 2 retries on
  ``connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes`` with 503
  as the retriable status code; ``attempts: 0`` disables retries; numeric entries of
  ``retryOn`` are status codes (``ConvertPolicy``/``parseRetryOn``).
* Gateways: a VirtualService applies where it is bound: to requests entering through a
  Gateway it lists, and to sidecar traffic (``mesh``) when it lists ``mesh`` or none; a match
  block's own ``gateways`` override the VirtualService's for that block. A request entering
  through a Gateway that no bound VirtualService routes gets 404 (no fallback to the
  Service, which only sidecars have).
* Faults act in Envoy's fault filter, before the router: an aborted request is answered
  at once (never sent upstream, retried or mirrored); a delay is added before the
  upstream call. Percentages absent mean no request is affected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from canarysim.engine.trafficrouting.istio.match import (
    CLUSTER_SUFFIX,
    DEFAULT_RETRIABLE_STATUS_CODES,
    DEFAULT_RETRY_ON,
    HttpRoute,
    block_matches,
    fqdn,
    host_matches,
    parse_route,
)

__all__ = [
    "DEFAULT_RETRIABLE_STATUS_CODES",
    "DEFAULT_RETRY_ON",
    "MESH",
    "Branch",
    "RequestClass",
    "RoutePlan",
    "Router",
    "gateway_names",
    "qualify_gateway",
    "unbound_hint",
]

Resolver = Callable[[str, Mapping[str, str] | None], Mapping[str, int]]


MESH = "mesh"
"""The reserved gateway name of sidecar-to-sidecar traffic."""


@dataclass(frozen=True)
class RequestClass:
    """A class of identical requests. ``gateway`` is where they enter the mesh: a Gateway
    (``name`` in the router's namespace, or ``namespace/name``), or None / ``"mesh"`` for
    requests sent by a sidecar."""

    host: str  # e.g. "imesh-rollout" (VirtualService hosts match, short or FQDN)
    headers: tuple[tuple[str, str], ...] = ()
    uri: str = "/"
    method: str = "GET"
    gateway: str | None = None
    name: str = ""
    """How summaries call this class of requests (the scenario's ``traffic.headers[].name``)."""
    outside: bool = False
    """Sent by a client without a sidecar (``traffic.source: outside``) and through no
    gateway: no VirtualService routes it, and no client proxy reports it."""

    @property
    def entry(self) -> str | None:
        """Where the requests come from, for Istio's source labels: the gateway, ``outside``,
        or None (the in-mesh client's sidecar)."""
        if self.gateway not in (None, "mesh"):
            return self.gateway
        return "outside" if self.outside else None


@dataclass(frozen=True)
class Branch:
    """One weighted destination of the matched route."""

    fraction: float  # share of this request class; fractions of a plan sum to 1
    destination: str  # "host" or "host/subset", as written in the VirtualService
    backends: Mapping[str, int]  # pod-template hash -> ready endpoints (empty: 503)
    service: str = ""  # the Kubernetes Service the host names
    subset_labels: Mapping[str, str] | None = None  # None: no subset


@dataclass(frozen=True)
class RoutePlan:
    """What the mesh does with one request class. Empty ``branches``: 404 NR."""

    route_name: str | None
    branches: tuple[Branch, ...]
    mirror: Branch | None = None  # fraction = mirrorPercentage / 100
    timeout_s: float | None = None
    retry_attempts: int = 2
    retry_on: frozenset[str] = DEFAULT_RETRY_ON
    per_try_timeout_s: float | None = None
    fault_delay: tuple[float, float] | None = None  # (fraction, seconds)
    fault_abort: tuple[float, int] | None = None  # (fraction, http status)
    retriable_status_codes: frozenset[int] = DEFAULT_RETRIABLE_STATUS_CODES
    mirrors: tuple[Branch, ...] = field(default=())  # every mirror target (`mirror` is the first)

    @property
    def matched(self) -> bool:
        return bool(self.branches)

    def is_retriable(self, status: int) -> bool:
        """Whether Envoy would retry a response with this HTTP status under this policy.

        ``5xx`` covers every 5xx, ``gateway-error`` 502/503/504, ``retriable-status-codes``
        the listed codes. Connection-level conditions (``connect-failure``, ``reset``,
        ``refused-stream``) are for the caller to apply to failed connections; a local
        "no healthy upstream" 503 is never retried.
        """
        if self.retry_attempts <= 0:
            return False
        on = self.retry_on
        return (
            ("5xx" in on and 500 <= status <= 599)
            or ("gateway-error" in on and status in (502, 503, 504))
            or ("retriable-status-codes" in on and status in self.retriable_status_codes)
        )

    def hash_shares(self) -> dict[str, float]:
        """Share of the request class per pod-template hash ("" = no endpoint, 503).

        Within a destination, requests spread over endpoints evenly, so each hash gets the
        branch's fraction in proportion to its endpoint count.
        """
        shares: dict[str, float] = {}
        for branch in self.branches:
            total = sum(branch.backends.values())
            if total <= 0:
                shares[""] = shares.get("", 0.0) + branch.fraction
                continue
            for hash_, count in branch.backends.items():
                shares[hash_] = shares.get(hash_, 0.0) + branch.fraction * count / total
        return shares


# ------------------------------------------------------------------------------ gateways


def service_plan(
    found: Sequence[tuple[str, float]], resolve: Resolver, route_name: str | None = None
) -> RoutePlan:
    """Each share of a request class sent to a Service's ready endpoints, without Envoy's retry
    policy: what an ingress controller, a Gateway or an SMI split does with a match."""
    branches = tuple(
        Branch(
            fraction=share,
            destination=service,
            backends=MappingProxyType(
                {k: int(v) for k, v in resolve(service, None).items() if v > 0}
            ),
            service=service,
        )
        for service, share in found
    )
    return RoutePlan(
        route_name=route_name, branches=branches, retry_attempts=0, retry_on=frozenset()
    )


def qualify_gateway(name: str, namespace: str) -> str:
    """A gateway reference as ``namespace/name`` (``mesh`` stays ``mesh``). Istio reads
    ``name`` in the VirtualService's namespace, ``ns/name`` as written and the older
    ``name.ns.svc.cluster.local`` form as ``ns/name`` (model/virtualservice.go,
    ``resolveGatewayName``)."""
    name = name.strip()
    if name == MESH or "/" in name:
        return name
    if "." in name:
        short, rest = name.split(".", 1)
        return f"{rest.split('.')[0]}/{short}"
    return f"{namespace}/{name}"


def gateway_names(gateways: Any, namespace: str) -> frozenset[str]:
    """The gateways a VirtualService (or a match block) is bound to; none listed: mesh."""
    names = [str(g) for g in gateways or [] if g]
    if not names:
        return frozenset({MESH})
    return frozenset(qualify_gateway(g, namespace) for g in names)


def unbound_hint(
    virtual_services: Sequence[Mapping[str, Any]], host: str, gateway: str | None, namespace: str
) -> str | None:
    """Why requests for ``host`` entering at ``gateway`` miss every VirtualService written
    for that host (it is bound elsewhere), or None when one applies or none claims the host."""
    name = fqdn(host, namespace)
    entry = qualify_gateway(gateway or MESH, namespace)
    elsewhere: set[str] = set()
    for vs in virtual_services:
        meta, spec = vs.get("metadata") or {}, vs.get("spec") or {}
        ns = str(meta.get("namespace") or namespace)
        if not any(host_matches(fqdn(str(h), ns), name) for h in spec.get("hosts") or []):
            continue
        bound = gateway_names(spec.get("gateways"), ns)
        if entry in bound:
            return None
        elsewhere |= bound
    if not elsewhere:
        return None
    return (
        f"requests for {host!r} enter at {entry!r}, but the VirtualServices for that host "
        f"are bound to {', '.join(sorted(elsewhere))}"
    )


def _block_gateway_ok(block: Mapping[str, Any], gateway: str, namespace: str) -> bool:
    """A match block's own ``gateways`` (overriding the VirtualService's) admit ``gateway``."""
    listed = block.get("gateways")
    return not listed or gateway in gateway_names(listed, namespace)


# ------------------------------------------------------------------------------ router


class Router:
    """Routes request classes through the VirtualServices, as the mesh would.

    ``resolve(service, subset_labels_or_None)`` returns ``{pod_template_hash: ready
    endpoint count}``. Plans are cached per request class: build a new Router whenever a
    manifest or the endpoints change. Malformed manifests raise TrafficRoutingError here.
    """

    def __init__(
        self,
        virtual_services: Sequence[Mapping[str, Any]],
        destination_rules: Sequence[Mapping[str, Any]],
        *,
        namespace: str,
        resolve: Resolver,
    ) -> None:
        self._namespace = namespace
        self._resolve = resolve
        self._hosts: list[tuple[tuple[str, ...], list[HttpRoute], frozenset[str]]] = []
        for vs in virtual_services:
            meta, spec = vs.get("metadata") or {}, vs.get("spec") or {}
            ns = str(meta.get("namespace") or namespace)
            where = f"VirtualService {meta.get('name', '?')}"
            hosts = tuple(fqdn(str(h), ns) for h in spec.get("hosts") or [])
            routes = [
                parse_route(r, ns, f"{where} http[{i}]")
                for i, r in enumerate(spec.get("http") or [])
            ]
            self._hosts.append((hosts, routes, gateway_names(spec.get("gateways"), ns)))
        self._subsets: list[tuple[str, dict[str, Mapping[str, str]]]] = []
        for dr in destination_rules:
            meta, spec = dr.get("metadata") or {}, dr.get("spec") or {}
            ns = str(meta.get("namespace") or namespace)
            subsets: dict[str, Mapping[str, str]] = {
                str(s.get("name")): {str(k): str(v) for k, v in (s.get("labels") or {}).items()}
                for s in spec.get("subsets") or []
            }
            self._subsets.append((fqdn(str(spec.get("host") or ""), ns), subsets))
        self._plans: dict[RequestClass, RoutePlan] = {}
        self._endpoints: dict[
            tuple[str, tuple[tuple[str, str], ...] | None], Mapping[str, int]
        ] = {}
        self._asked: dict[
            tuple[str, tuple[tuple[str, str], ...] | None],
            tuple[str, Mapping[str, str] | None],
        ] = {}
        """What was resolved for each endpoint key (service and labels), to resolve again."""

    def fresh(self) -> Router:
        """The same manifests, parsed once, for when the endpoints may have changed but not
        the manifests: the endpoints seen so far are resolved again, and when none moved
        the plans are kept too (a plan is a function of the manifests and endpoints)."""
        twin = object.__new__(type(self))
        twin.__dict__.update(self.__dict__)
        endpoints = {key: self._resolved(*asked) for key, asked in self._asked.items()}
        twin._plans = dict(self._plans) if endpoints == self._endpoints else {}
        twin._endpoints = endpoints
        twin._asked = dict(self._asked)
        return twin

    def _resolved(self, service: str, labels: Mapping[str, str] | None) -> Mapping[str, int]:
        got = self._resolve(service, labels)
        return MappingProxyType({k: int(v) for k, v in got.items() if v > 0})

    def plan(self, request: RequestClass) -> RoutePlan:
        cached = self._plans.get(request)
        if cached is None:
            cached = self._plans[request] = self._build(request)
        return cached

    def _build(self, request: RequestClass) -> RoutePlan:
        name = fqdn(request.host, self._namespace)
        gateway = qualify_gateway(request.gateway or MESH, self._namespace)
        claimed = False
        for hosts, routes, gateways in self._hosts:
            # A VirtualService applies only where it is bound (networking/v1alpha3
            # VirtualService.gateways): no gateways means the sidecars ("mesh") only.
            if gateway not in gateways or not any(host_matches(h, name) for h in hosts):
                continue
            claimed = True
            for route in routes:
                if not route.matches or any(
                    _block_gateway_ok(b, gateway, route.namespace) and block_matches(b, request)
                    for b in route.matches
                ):
                    return self._route_plan(route)
        if claimed or not name.endswith(CLUSTER_SUFFIX) or gateway != MESH:
            # A gateway routes only what a VirtualService bound to it routes (404 otherwise);
            # only a sidecar falls back to the Kubernetes Service of the host.
            return RoutePlan(route_name=None, branches=())
        # No VirtualService for this host: the sidecar sends it to the Service itself.
        branch = self._branch(request.host, None, 1.0, self._namespace)
        return RoutePlan(route_name=None, branches=(branch,))

    def _route_plan(self, route: HttpRoute) -> RoutePlan:
        dests = route.destinations
        if len(dests) > 1:
            dests = tuple(d for d in dests if d[2] > 0)
        total = sum(w for _, _, w in dests)
        branches = tuple(
            self._branch(h, s, 1.0 if len(dests) == 1 else w / total, route.namespace)
            for h, s, w in dests
        )
        mirrors = tuple(self._branch(h, s, f, route.namespace) for h, s, f in route.mirrors)
        attempts, retry_on, codes, per_try = route.retry
        return RoutePlan(
            route_name=route.name,
            branches=branches,
            mirror=mirrors[0] if mirrors else None,
            timeout_s=route.timeout_s,
            retry_attempts=attempts,
            retry_on=retry_on,
            per_try_timeout_s=per_try,
            fault_delay=route.fault_delay,
            fault_abort=route.fault_abort,
            retriable_status_codes=codes,
            mirrors=mirrors,
        )

    def _branch(self, host: str, subset: str | None, fraction: float, namespace: str) -> Branch:
        name = fqdn(host, namespace)
        service = name.split(".")[0] if name.endswith(CLUSTER_SUFFIX) else host
        destination = f"{host}/{subset}" if subset else host
        labels: Mapping[str, str] | None = None
        if subset is not None:
            found = next(
                (
                    subs[subset]
                    for dr_host, subs in self._subsets
                    if host_matches(dr_host, name) and subset in subs
                ),
                None,
            )
            if found is None:  # unknown subset: Envoy has no such cluster, 503 NC
                return Branch(fraction, destination, MappingProxyType({}), service, None)
            labels = MappingProxyType(dict(found))
        key = (service, None if labels is None else tuple(sorted(labels.items())))
        if key not in self._endpoints:
            self._endpoints[key] = self._resolved(service, labels)
            self._asked[key] = (service, labels)
        return Branch(fraction, destination, self._endpoints[key], service, labels)

    @staticmethod
    def sample(plan: RoutePlan, rng: np.random.Generator, n: int) -> np.ndarray:
        """Branch index of each of ``n`` requests (exact mode), -1 for no route.

        Every request draws independently by weight, as Envoy does per stream. A plan with
        one branch consumes no randomness.
        """
        if not plan.branches:
            return np.full(n, -1, dtype=np.int64)
        if len(plan.branches) == 1:
            return np.zeros(n, dtype=np.int64)
        p = np.array([b.fraction for b in plan.branches], dtype=float)
        return rng.choice(len(p), size=n, p=p / p.sum()).astype(np.int64)

    @staticmethod
    def split(plan: RoutePlan, rng: np.random.Generator, n: int) -> np.ndarray:
        """Requests per branch out of ``n`` (aggregate mode): one multinomial draw.

        Same distribution as counting :meth:`sample`; an empty array when no route matched.
        """
        if not plan.branches:
            return np.zeros(0, dtype=np.int64)
        if len(plan.branches) == 1:
            return np.array([n], dtype=np.int64)
        p = np.array([b.fraction for b in plan.branches], dtype=float)
        return rng.multinomial(n, p / p.sum()).astype(np.int64)
