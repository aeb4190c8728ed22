"""Traffic of one run, one routing-constant interval at a time.

Whenever the cluster changes what an informer would see (endpoints follow ReplicaSet status
and Service selectors), the mesh is rewritten, or the rollout's stable/canary hashes move,
:class:`TrafficFlow` closes the interval since the last change: it hands it to
:class:`~canarysim.sim.traffic.generator.TrafficGenerator` with the routing that held during it and
sends
the counts to the metric store (queried by analysis), the Result's series and the per-image
totals of ``summary.by_image``. Then it takes the routing that holds from now on.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Hashable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from canarysim.engine.memo import LastEntry
from canarysim.engine.trafficrouting.nginx.reconcile import annotation_prefix
from canarysim.sim.inputs import version_behaviour
from canarysim.sim.mesh.alb import AlbRouter
from canarysim.sim.mesh.appmesh import AppMeshRouter
from canarysim.sim.mesh.gateway import (
    AmbassadorRouter,
    ApisixRouter,
    GatewayRouter,
    TraefikRouter,
)
from canarysim.sim.mesh.ingress import IngressRouter
from canarysim.sim.mesh.router import RoutePlan, Router
from canarysim.sim.mesh.split import SplitRouter
from canarysim.sim.metrics.buckets import VERSIONS
from canarysim.sim.metrics.snapshot import role_of
from canarysim.sim.metrics.tally import SeriesKey, Tally
from canarysim.sim.metrics.targets import Target
from canarysim.sim.traffic.generator import TrafficGenerator, VersionBehaviour

if TYPE_CHECKING:
    from canarysim.sim.wiring import Wiring

__all__ = ["AGGREGATE_CHUNK_S", "EXACT_CHUNK_REQUESTS", "TRAFFIC_GRID", "TrafficFlow"]

EXACT_CHUNK_REQUESTS = 50_000
"""Exact mode: about this many requests per traffic call at most (bounds memory)."""
AGGREGATE_CHUNK_S = 12 * 3600.0
"""Aggregate mode: a routing-constant stretch longer than this is simulated in pieces of it
(on multiples of it), so memory does not grow with the stretch (days at a time)."""
NO_BACKEND = {"UH": "(no endpoint)", "NC": "(no endpoint)", "NR": "(no route)", "FI": "(fault)"}
"""Requests no pod answered, by Envoy response flag (the Result's ``summary.by_image``)."""
_add = np.add.reduce  # ndarray.sum() without its Python wrapper

TRAFFIC_GRID = 5.0
"""Time resolution of traffic tallies; divides the scrape interval and the series interval."""


_BEHAVIOURS: LastEntry[Any, dict[tuple[str, str], VersionBehaviour]] = LastEntry()
"""The last scenario's version behaviours by (image, workload): facts of the scenario alone
(loaded scenarios are read-only), the same for every seed, so kept between its runs."""


def _behaviour(scenario: Any, image: str, workload: str) -> VersionBehaviour:
    """:func:`~canarysim.sim.inputs.version_behaviour`, built once per scenario."""
    known = _BEHAVIOURS.get(scenario)
    if known is None:
        known = _BEHAVIOURS.put(scenario, {})
    got = known.get((image, workload))
    if got is None:
        got = known[image, workload] = version_behaviour(scenario, image, workload)
    return got


class TrafficFlow:
    """The running interval's routing and what flowed so far (see the module doc)."""

    def __init__(self, world: Wiring, generator: TrafficGenerator) -> None:
        self.world = world
        self.generator = generator
        self.routing_changed: simpy.Event = world.env.event()
        self.behaviours: dict[str, VersionBehaviour] = {}
        self.segment_start = 0.0
        self.plans: dict[Hashable, RoutePlan] = {}
        self.roles: dict[str, str] = {}
        self.hash_image: dict[str, str] = {}
        self.totals: dict[str, dict[str, int]] = {}
        self.class_totals: dict[str, dict[str, int]] = {}
        """Requests and 5xx answers per request class name (``summary.by_class``)."""
        self.last_hashes: tuple[str, str] = ("", "")
        self._istio: tuple[int, Router] | None = None
        """The mesh's version and the Istio router parsed from its manifests then."""

    # ------------------------------------------------------------------ wake-ups
    def route_change(self) -> None:
        """The routing may differ from now on: wake :meth:`process`."""
        if not self.routing_changed.triggered:
            self.routing_changed.succeed()

    def hashes_seen(self, hashes: tuple[str, str]) -> None:
        """The rollout's (stable, current) pod hashes as last observed; roles follow them."""
        if hashes != self.last_hashes:
            self.last_hashes = hashes
            self.route_change()

    def process(self) -> Generator[simpy.Event, Any, None]:
        """The SimPy process: a new interval on every cluster or routing change."""
        world = self.world
        self.replan()
        while True:
            yield world.cluster.changed | self.routing_changed
            if self.routing_changed.triggered:
                self.routing_changed = world.env.event()
            self.replan()

    # ------------------------------------------------------------------ intervals
    def _resolve(self, service: str, labels: Mapping[str, str] | None) -> Mapping[str, int]:
        cluster = self.world.cluster
        if service not in cluster.services:
            return {}
        return cluster.ready_by_hash(service, labels)

    def replan(self) -> None:
        """Close the running interval and take the routing that holds from now on."""
        world = self.world
        self.flush(world.env.now)
        # Every change of a routing manifest bumps the mesh's version: the VirtualServices
        # and DestinationRules are parsed again only then (the endpoints every time, and
        # the plans when an endpoint moved).
        if self._istio is not None and self._istio[0] == world.mesh.version:
            router = self._istio[1].fresh()
        else:
            router = Router(
                list(world.mesh.virtual_services.values()),
                list(world.mesh.destination_rules.values()),
                namespace=world.namespace,
                resolve=self._resolve,
            )
        self._istio = (world.mesh.version, router)
        ingress: IngressRouter | AlbRouter | None = None
        if world.mesh.balancers is not None:
            ingress = AlbRouter(
                world.mesh.balancers, resolve=self._resolve, prefix=world.mesh.balancers.prefix
            )
        elif world.mesh.ingresses:
            ingress = IngressRouter(
                list(world.mesh.ingresses.values()),
                resolve=self._resolve,
                prefix=annotation_prefix(world.mesh.rollout),
            )
        gateway: GatewayRouter | ApisixRouter | TraefikRouter | AmbassadorRouter | None = None
        mesh = world.mesh
        if mesh.http_routes or mesh.grpc_routes or mesh.tls_routes or mesh.tcp_routes:
            gateway = GatewayRouter(
                list(mesh.http_routes.values()),
                grpc_routes=list(mesh.grpc_routes.values()),
                tls_routes=list(mesh.tls_routes.values()),
                tcp_routes=list(mesh.tcp_routes.values()),
                resolve=self._resolve,
            )
        elif world.mesh.apisix_routes:
            gateway = ApisixRouter(list(world.mesh.apisix_routes.values()), resolve=self._resolve)
        elif world.mesh.ingress_routes:
            gateway = TraefikRouter(
                list(world.mesh.ingress_routes.values()),
                {name: ts for (_, name), ts in world.mesh.traefik_services.items()},
                resolve=self._resolve,
            )
        elif world.mesh.mappings:
            gateway = AmbassadorRouter(list(world.mesh.mappings.values()), resolve=self._resolve)
        splitter: SplitRouter | AppMeshRouter | None = None
        if world.mesh.virtual_routers:
            splitter = AppMeshRouter(
                world.mesh.appmesh_virtual_services,
                world.mesh.virtual_routers,
                world.mesh.virtual_nodes,
                namespace=world.namespace,
                resolve=self._resolve,
            )
        elif world.mesh.traffic_splits:
            splitter = SplitRouter(
                list(world.mesh.traffic_splits.values()),
                namespace=world.namespace,
                resolve=self._resolve,
            )
        # a client without a sidecar reaches the Service through kube-proxy: no
        # VirtualService or DestinationRule applies to it (built only for such a class)
        bare: Router | None = None
        # the ingress decides for the hosts it serves, then a Gateway for its routes'
        # hosts, then an SMI split for its root Service (or App Mesh for its VirtualService),
        # then Istio (or the plain Service)
        first = [r for r in (ingress, gateway, splitter) if r is not None]
        plans: dict[Hashable, RoutePlan] = {}
        for cls, _ in world.classes:
            plan = None
            for r in first:
                plan = r.plan(cls)
                if plan:
                    break
            if not plan:
                if cls.outside:
                    if bare is None:
                        bare = Router([], [], namespace=world.namespace, resolve=self._resolve)
                    plan = bare.plan(cls)
                else:
                    plan = router.plan(cls)
            plans[cls] = plan
        self.plans = plans
        if world.store is not None:
            world.store.set_serving(self._serving_pods())
        status = world.controller.status
        self.roles = {}
        for rs in world.cluster.replica_sets_of(world.plan.name):
            self.roles[rs.hash] = role_of(rs.hash, status)
            self.hash_image[rs.hash] = rs.image
            if rs.hash not in self.behaviours:
                self.behaviours[rs.hash] = _behaviour(world.scenario, rs.image, world.plan.name)
        for rs in world.workloads.all_replica_sets():
            # a workloadRef's Deployment: its pods answer as their version, as stable
            self.roles.setdefault(rs.hash, "stable")
            self.hash_image.setdefault(rs.hash, rs.image)
            if rs.hash not in self.behaviours:
                self.behaviours[rs.hash] = _behaviour(world.scenario, rs.image, world.plan.name)
        for _, template, rs in world.experiments.replica_sets():
            # An experiment's pods answer as their image does; traffic counts as its specRef.
            self.roles.setdefault(rs.hash, "canary" if template.spec_ref == "canary" else "stable")
            self.hash_image.setdefault(rs.hash, rs.image)
            if rs.hash not in self.behaviours:
                self.behaviours[rs.hash] = _behaviour(world.scenario, rs.image, world.plan.name)

    def _serving_pods(self) -> dict[str, tuple[Target, ...]]:
        """Per backend hash of the routing, its Ready pods (not being deleted): the scrape
        targets its requests are counted at (:mod:`canarysim.sim.metrics.targets`)."""
        hashes = {h for p in self.plans.values() for b in p.branches for h in b.backends}
        hashes |= {h for p in self.plans.values() for b in p.mirrors for h in b.backends}
        out: dict[str, tuple[Target, ...]] = {}
        for rs in self.world.cluster.replica_sets.values():
            if rs.hash in hashes:
                pods = tuple(Target.of(name) for name in rs.group.serving())
                out[rs.hash] = (*out.get(rs.hash, ()), *pods)
        return out

    def flush(self, t: float) -> None:
        """Simulate the requests of ``[segment start, t)`` under the routing that held.

        Exact mode keeps every request of a call in memory, so long quiet stretches are
        advanced in chunks of about :data:`EXACT_CHUNK_REQUESTS` requests (less than a grid
        step at high rates); aggregate mode's stretches in :data:`AGGREGATE_CHUNK_S` pieces."""
        t = min(t, self.world.until)
        t0 = self.segment_start
        if t <= t0:
            return
        hashes = {h for p in self.plans.values() for b in p.branches for h in b.backends}
        hashes |= {h for p in self.plans.values() for b in p.mirrors for h in b.backends}
        # Sorted: a set's order depends on the process's string hashing, the draws must not.
        beh = {h: self.behaviours.get(h) or VersionBehaviour() for h in sorted(hashes)}
        chunk = math.inf
        if self.world.mode == "exact":
            peak = self.generator.max_rate(t0, t)
            if peak > 0:
                steps = EXACT_CHUNK_REQUESTS / peak / TRAFFIC_GRID
                # Whole grid steps while one holds few enough requests; above that rate
                # (10,000 req/s) an even division of a step, so memory stays bounded.
                chunk = TRAFFIC_GRID * (
                    math.floor(steps) if steps >= 1 else 1 / math.ceil(1 / steps)
                )
        elif t - t0 > AGGREGATE_CHUNK_S:
            chunk = AGGREGATE_CHUNK_S
        while t0 < t:
            t1 = t if chunk == math.inf else min(t, (math.floor(t0 / chunk) + 1) * chunk)
            if t1 <= t0:  # t0 a rounding error short of a chunk boundary
                t1 = min(t, t0 + chunk)
            self._advance(t0, t1, beh)
            t0 = t1
        self.segment_start = t

    def _advance(self, t0: float, t1: float, beh: dict[str, VersionBehaviour]) -> None:
        world = self.world
        # Without a metric store, only the client side's reports are read (below).
        tally = self.generator.advance(
            t0, t1, self.plans, beh, world.streams, server_side=world.store is not None
        )
        if world.store is not None:
            world.store.ingest(tally)
        for cls, (n_requests, n_errors) in tally.by_class.items():
            name = str(getattr(cls, "name", "") or cls)
            row = self.class_totals.setdefault(name, {"requests": 0, "errors": 0})
            row["requests"] += n_requests
            row["errors"] += n_errors
        n = tally.n_buckets
        req = {v: np.zeros(n, dtype=np.int64) for v in VERSIONS}
        err = {v: np.zeros(n, dtype=np.int64) for v in VERSIONS}
        # Only the versions with requests get a histogram: their first series' a copy, or
        # the sum of their first two (one pass instead of a copy and an addition).
        hist: dict[str, np.ndarray] = {}
        first: dict[str, np.ndarray] = {}  # a version's first series' while it is alone
        for key, sc in tally.series.items():
            if key.reporter != "source":
                continue
            version = self._version_of(key)
            req[version] += sc.count
            got = hist.get(version)
            if got is not None:
                got += sc.hist
            elif version not in first:
                first[version] = sc.hist
            else:
                alone = first.pop(version)
                if alone.dtype == sc.hist.dtype == np.int64:
                    hist[version] = np.add(alone, sc.hist)
                else:
                    hist[version] = got = np.array(alone, dtype=np.int64)
                    got += sc.hist
            bad = int(key.code) >= 500
            if bad:
                err[version] += sc.count
            image = self.hash_image.get(key.hash) or NO_BACKEND.get(key.flags, "(no backend)")
            tot = self.totals.setdefault(image, {"requests": 0, "errors": 0})
            n_requests = int(_add(sc.count))
            tot["requests"] += n_requests
            tot["errors"] += n_requests if bad else 0
        for version, alone in first.items():
            hist[version] = np.array(alone, dtype=np.int64)
        world.recorder.traffic.add(tally.edges[:-1], req, err, hist)
        if tally.class_counts is not None:
            self._by_class(tally)

    def _by_class(self, tally: Tally) -> None:
        """Each class's requests and 5xx per bucket and version, for the series' breakdown."""
        n = tally.n_buckets
        names: dict[Hashable, str] = {
            cls: str(getattr(cls, "name", "") or cls) for cls, _ in self.world.classes
        }
        req = {name: {v: np.zeros(n, dtype=np.int64) for v in VERSIONS} for name in names.values()}
        err = {name: {v: np.zeros(n, dtype=np.int64) for v in VERSIONS} for name in names.values()}
        for (cls, key), counts in (tally.class_counts or {}).items():
            name, version = names[cls], self._version_of(key)
            req[name][version] += counts
            if int(key.code) >= 500:
                err[name][version] += counts
        self.world.recorder.class_traffic.add(tally.edges[:-1], req, err)

    def _version_of(self, key: SeriesKey) -> str:
        """Who answered a client-side series: ``unserved`` when no pod did (no route, no
        endpoint, a fault abort), else the role of the ReplicaSet (or the Service aimed at)."""
        if key.flags in NO_BACKEND:
            return "unserved"
        role = self.roles.get(key.hash) or self._role_of_destination(key.destination)
        return "canary" if role == "canary" else "stable"

    def _role_of_destination(self, destination: str) -> str:
        """Role of a request no ReplicaSet answered, from the Service or subset it aimed at."""
        world = self.world
        host, _, subset = destination.partition("/")
        service = host.split(".")[0]
        canary_subset = ((world.mesh.rollout.get("spec") or {}).get("strategy") or {}).get(
            "canary"
        ) or {}
        dr = ((canary_subset.get("trafficRouting") or {}).get("istio") or {}).get(
            "destinationRule"
        ) or {}
        if (world.plan.canary_service and service == world.plan.canary_service) or (
            subset and subset == dr.get("canarySubsetName")
        ):
            return "canary"
        return "stable"
