"""One simulation run: build the world from a scenario, run it, collect a Result.

>>> from canarysim.sim.world import simulate              # doctest: +SKIP
>>> result = simulate(load_scenario("scenarios/imesh-canary/scenario.yaml"))  # doctest: +SKIP

The world owns ``env.now`` and every random stream (:class:`~canarysim.sim.rng.Streams`,
spawned from the scenario's seed by name). It wires the cluster (pods, ReplicaSets, Services),
the mesh (VirtualServices and DestinationRules, rewritten only through Argo's reconciler), the
rollout controller (the engine), AnalysisRuns, the operator's timeline and faults, and the
traffic that flows through it all.

Traffic is simulated one routing-constant interval at a time: whenever the cluster changes
what an informer would see (endpoints follow ReplicaSet status and Service selectors), the
mesh is rewritten, or the rollout's stable/canary hashes move, the interval since the last
change is handed to :class:`~canarysim.sim.traffic.TrafficGenerator` with the routing that held
during it, and its counts go to the metric store (queried by analysis) and the Result's series.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Generator, Hashable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import simpy

from canarysim.engine.durations import parse_duration
from canarysim.engine.model import Command, Plan, StartAnalysisRun
from canarysim.errors import ScenarioError
from canarysim.result import AnalysisRunSnapshot, Result
from canarysim.sim.analysis import AnalysisController, ArgContext
from canarysim.sim.analysis_providers import providers_for
from canarysim.sim.cluster import Cluster
from canarysim.sim.controller import Controller
from canarysim.sim.experiments import ExperimentController
from canarysim.sim.inputs import (
    arrivals_for,
    pod_behaviour_for,
    request_classes,
    version_behaviour,
)
from canarysim.sim.mesh import Mesh
from canarysim.sim.metrics import ISTIO_DURATION_BUCKETS_MS, MetricStore
from canarysim.sim.operator import Operator
from canarysim.sim.recorder import ROLES, Recorder, role_of, rollout_snapshot
from canarysim.sim.rng import Streams
from canarysim.sim.router import RoutePlan, Router
from canarysim.sim.templatehash import pod_template_hash, strip_hash_label
from canarysim.sim.traffic import TrafficGenerator, VersionBehaviour
from canarysim.sim.world_summary import summarize, weights_from_manifests
from canarysim.spec import Scenario, load_scenario, rollout_invalid_message, to_plan

__all__ = ["MODES", "SCRAPE_INTERVAL", "World", "simulate"]

MODES = ("aggregate", "exact")
SCRAPE_INTERVAL = 15.0
"""Prometheus scrape interval of Istio's sample configuration (seconds)."""
EXACT_CHUNK_REQUESTS = 50_000
"""Exact mode: about this many requests per traffic call at most (bounds memory)."""
_NO_BACKEND = {"UH": "(no endpoint)", "NC": "(no endpoint)", "NR": "(no route)", "FI": "(fault)"}
"""Requests no pod answered, by Envoy response flag (the Result's ``summary.by_image``)."""
TRAFFIC_GRID = 5.0
"""Time resolution of traffic tallies; divides the scrape interval and the series interval."""


def _seconds(value: float | str | None, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return float(parse_duration(value))
        except ValueError as err:
            raise ScenarioError(
                "<argument>", what, "a duration such as 2h or 90s", got=repr(value)
            ) from err
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError("<argument>", what, "a number of seconds", got=repr(value))
    if value < 0:
        raise ScenarioError("<argument>", what, "a number of seconds >= 0", got=repr(value))
    return float(value)


class World:
    """Everything of one run (see the module doc): :meth:`build`, :meth:`run`, :meth:`collect`."""

    def __init__(self, scenario: Scenario, *, until: float, mode: str) -> None:
        self.scenario = scenario
        self.until = until
        self.mode = mode
        self.env = simpy.Environment()
        self.streams = Streams(int(scenario.seed))
        interval = float(scenario.outputs.bucket) if scenario.outputs.bucket > 0 else 10.0
        self.recorder = Recorder(series_interval=interval)
        self.commands: list[Command] = []
        self.controller_errors: list[dict[str, Any]] = []

        rollout = scenario.rollout
        self.rollout_manifest: dict[str, Any] = copy.deepcopy(rollout.raw)
        self.namespace = rollout.namespace
        # As the API server would serve it: the namespace is always set (args may read it).
        self.rollout_manifest.setdefault("metadata", {})["namespace"] = self.namespace
        spec = self.rollout_manifest.get("spec") or {}
        template = strip_hash_label(spec.get("template") or {})
        self.templates: dict[str, dict[str, Any]] = {}
        first_hash = pod_template_hash(template)
        self.templates[first_hash] = template
        selector = (spec.get("selector") or {}).get("matchLabels")
        self.selector: dict[str, str] | None = dict(selector) if selector else None

        others = [r.name for r in scenario.manifests.rollouts if r is not rollout]
        if others:
            self.recorder.warn(
                f"only Rollout {rollout.name!r} is simulated; ignored: {', '.join(others)}"
            )
        self.invalid_message = rollout_invalid_message(scenario)
        self.plan = self._first_plan(first_hash)

        self.cluster = Cluster(
            self.env,
            self.streams,
            pod_behaviour_for(scenario, lambda: self.env.now),
            nodes=scenario.cluster.nodes,
            namespace=self.namespace,
        )
        for svc in scenario.manifests.services:
            if svc.namespace == self.namespace:
                self.cluster.add_service(svc.raw)
        self._routing_changed = self.env.event()
        self.mesh = Mesh(
            self.rollout_manifest,
            [v.raw for v in scenario.manifests.virtual_services],
            [d.raw for d in scenario.manifests.destination_rules],
            namespace=self.namespace,
            on_change=self._mesh_changed,
        )
        self.store = MetricStore(scrape_interval_s=SCRAPE_INTERVAL, namespace=self.namespace)
        self.analysis = AnalysisController(
            self.env,
            templates=self._analysis_templates(),
            providers=providers_for(scenario, self._prometheus),
            rng=self.streams["analysis"],
            on_change=lambda: self.controller.wake(),
            on_event=self.recorder.event,
        )
        self.classes = request_classes(scenario, self._default_host(), self._default_gateway())
        self._check_host(self.classes[0][0].host)
        self.generator = TrafficGenerator(
            arrivals_for(scenario),
            self.classes,
            mode=mode,  # type: ignore[arg-type]
            grid_s=TRAFFIC_GRID,
        )
        self._behaviours: dict[str, VersionBehaviour] = {}
        self._segment_start = 0.0
        self._plans: dict[Hashable, RoutePlan] = {}
        self._roles: dict[str, str] = {}
        self._hash_image: dict[str, str] = {}
        self._totals: dict[str, dict[str, int]] = {}
        self._last_hashes: tuple[str, str] = ("", "")
        self.experiments = ExperimentController(self)
        self.controller = Controller(self)
        self.operator = Operator(self)
        self.env.process(self._traffic())
        self.env.process(self._watch_pods())
        self.recorder.manifests(0.0, self.mesh.manifests())

    # ------------------------------------------------------------------ construction
    @classmethod
    def build(
        cls,
        scenario: Scenario | str | Path,
        until: float | str | None = None,
        mode: str | None = None,
    ) -> World:
        """A world ready to :meth:`run`; ``until``/``mode`` override the scenario's."""
        if isinstance(scenario, str | Path):
            scenario = load_scenario(scenario)
        end = _seconds(until, "until")
        end = float(scenario.until) if end is None else end
        chosen = mode or scenario.traffic.mode
        if chosen == "auto":
            chosen = "aggregate"
        if chosen not in MODES:
            raise ScenarioError("<argument>", "mode", "aggregate or exact", got=repr(mode))
        if not scenario.manifests.rollouts:
            raise ScenarioError(
                str(scenario.source or "scenario"), "manifests", "a Rollout to simulate"
            )
        return cls(scenario, until=end, mode=chosen)

    def _first_plan(self, pod_hash: str) -> Plan:
        rollout = self.scenario.rollout
        try:
            return to_plan(rollout, pod_template_hash=pod_hash)
        except ScenarioError:
            if self.invalid_message is None:
                raise
            replicas = rollout.spec.replicas if rollout.spec.replicas is not None else 1
            return Plan(name=rollout.name, replicas=replicas, pod_template_hash=pod_hash)

    def _analysis_templates(self) -> dict[str, Mapping[str, Any]]:
        objs = self.scenario.manifests
        out: dict[str, Mapping[str, Any]] = {t.name: t.raw for t in objs.cluster_analysis_templates}
        for t in objs.analysis_templates:
            if t.namespace == self.namespace:
                out[t.name] = t.raw
        return out

    def _default_host(self) -> str:
        """Where requests go when the scenario does not say: the first host of the rollout's
        VirtualService, else of any VirtualService, else its stable Service, else the first
        Service (requests to a host nobody serves all fail with 503)."""
        refs = self._referenced_vs() or sorted(self.mesh.virtual_services)
        for ref in refs:
            vs = self.mesh.virtual_services.get(ref)
            hosts = ((vs or {}).get("spec") or {}).get("hosts") or []
            if hosts:
                return str(hosts[0])
        if self.plan.stable_service:
            return self.plan.stable_service
        services = sorted(s.name for s in self.cluster.services)
        return services[0] if services else self.plan.name

    def _default_gateway(self) -> str | None:
        """Where requests enter when the scenario does not say: the first gateway of the first
        VirtualService (the rollout's first) serving the requests' host, as
        ``namespace/name``; None (sidecars, ``mesh``) when it lists none."""
        from canarysim.engine.istio_match import fqdn, host_matches
        from canarysim.sim.router import qualify_gateway

        host = fqdn(self.scenario.traffic.host or self._default_host(), self.namespace)
        refs = self._referenced_vs() + sorted(self.mesh.virtual_services)
        for ref in refs:
            vs = self.mesh.virtual_services.get(ref) or {}
            ns = str((vs.get("metadata") or {}).get("namespace") or self.namespace)
            spec = vs.get("spec") or {}
            if any(host_matches(fqdn(str(h), ns), host) for h in spec.get("hosts") or []):
                listed = [str(g) for g in spec.get("gateways") or []]
                return qualify_gateway(listed[0], ns) if listed else None
        return None

    def _check_host(self, host: str) -> None:
        """Warn when nothing in the scenario serves the host the requests ask for."""
        short = host.split(".")[0]
        vs_hosts = {
            str(h).split(".")[0]
            for vs in self.mesh.virtual_services.values()
            for h in ((vs.get("spec") or {}).get("hosts") or [])
        }
        if short not in vs_hosts and short not in self.cluster.services and "*" not in vs_hosts:
            self.recorder.warn(
                f"traffic: requests go to host {host!r}, which no VirtualService or Service "
                "serves: every request fails (set traffic.host)"
            )
        from canarysim.sim.router import unbound_hint

        gateway = self.classes[0][0].gateway
        services = list(self.mesh.virtual_services.values())
        hint = unbound_hint(services, host, gateway, self.namespace)
        if hint is not None:
            self.recorder.warn(
                f"traffic: {hint}; "
                + (
                    "a gateway routes nothing else: every request gets 404"
                    if gateway is not None
                    else "sidecars send them to the Service of that name instead"
                )
                + " (set traffic.gateway)"
            )

    def _referenced_vs(self) -> list[tuple[str, str]]:
        if not self.mesh.routed:
            return []
        from canarysim.engine.istio import referenced_virtual_services

        return referenced_virtual_services(self.mesh.rollout)

    # ------------------------------------------------------------------ services for parts
    def set_plan(self, plan: Plan) -> None:
        """The operator changed the Rollout's spec."""
        self.plan = plan
        self.controller.wake()

    def warn(self, message: str) -> None:
        self.recorder.warn(message)

    def trace(self, reason: str, message: str) -> None:
        """A reconcile error Argo would only log (e.g. the DestinationRule switch delayed
        until a ReplicaSet is fully available); kept in ``summary["controller_errors"]``."""
        self.controller_errors.append({"time": self.env.now, "reason": reason, "message": message})

    def start_analysis(self, action: StartAnalysisRun) -> None:
        context = ArgContext(
            stable_hash=getattr(action, "stable_hash", "") or self.controller.status.stable_rs,
            latest_hash=action.pod_template_hash,
            rollout=self.rollout_manifest,
        )
        canary = ((self.rollout_manifest.get("spec") or {}).get("strategy") or {}).get("canary")
        dry_run: list[str] = []
        if action.kind == "Background":
            for entry in ((canary or {}).get("analysis") or {}).get("dryRun") or []:
                dry_run.append(str((entry or {}).get("metricName", "")))
        self.analysis.start(action, context, rollout_dry_run=dry_run)

    def _prometheus(self, query: str, now: float) -> object:
        from canarysim.sim.promql import evaluate

        self._flush(now)
        self.store.advance_to(now)
        return evaluate(query, self.store, now)

    # ------------------------------------------------------------------ observation
    def _mesh_changed(self) -> None:
        self.recorder.manifests(self.env.now, self.mesh.manifests())
        self._route_change()

    def _route_change(self) -> None:
        if not self._routing_changed.triggered:
            self._routing_changed.succeed()

    def observe(self) -> None:
        """Record a snapshot and a state row if anything visible changed."""
        now = self.env.now
        status = self.controller.status
        rs_snaps = self.cluster.snapshot(self.plan.name)
        snap = rollout_snapshot(
            now,
            name=self.plan.name,
            namespace=self.namespace,
            plan=self.plan,
            status=status,
            replica_sets=rs_snaps,
            analysis_runs=self._analysis_snapshots(),
        )
        experiments = self.experiments.snapshots()
        if experiments:
            snap = dataclasses.replace(snap, experiments=experiments)
        self.recorder.snapshot(snap)
        values: dict[str, float] = {}
        if self.mesh.routed:
            canary, stable = weights_from_manifests(self.mesh, self.plan)
        else:
            canary = snap.actual_weight
            stable = self.plan.max_weight - canary
        values["weight.canary"], values["weight.stable"] = canary, stable
        for rs in snap.replica_sets:
            for what in ("desired", "current", "ready", "available"):
                key = f"rs.{rs.role}.{what}"
                values[key] = values.get(key, 0) + getattr(rs, what)
        self.recorder.state(now, values)
        hashes = (status.stable_rs, status.current_pod_hash)
        if hashes != self._last_hashes:
            self._last_hashes = hashes
            self._route_change()

    def _analysis_snapshots(self) -> tuple[AnalysisRunSnapshot, ...]:
        out = []
        for run in self.analysis.runs.values():
            if run.name in self.controller.deleted_runs:
                continue
            tallies = [m.tally for m in run.metrics.values()]
            out.append(
                AnalysisRunSnapshot(
                    name=run.name,
                    phase=run.phase.value,
                    revision=run.action.revision,
                    successful=sum(t.successful for t in tallies),
                    failed=sum(t.failed for t in tallies),
                    inconclusive=sum(t.inconclusive for t in tallies),
                    errors=sum(t.error for t in tallies),
                    message=run.message,
                )
            )
        return tuple(out)

    def _watch_pods(self) -> Generator[simpy.Event, Any, None]:
        while True:
            yield self.cluster.pods_changed
            self.observe()

    # ------------------------------------------------------------------ traffic
    def _traffic(self) -> Generator[simpy.Event, Any, None]:
        self._replan()
        while True:
            yield self.cluster.changed | self._routing_changed
            if self._routing_changed.triggered:
                self._routing_changed = self.env.event()
            self._replan()

    def _resolve(self, service: str, labels: Mapping[str, str] | None) -> Mapping[str, int]:
        if service not in self.cluster.services:
            return {}
        return self.cluster.ready_by_hash(service, labels)

    def _replan(self) -> None:
        """Close the running interval and take the routing that holds from now on."""
        self._flush(self.env.now)
        router = Router(
            list(self.mesh.virtual_services.values()),
            list(self.mesh.destination_rules.values()),
            namespace=self.namespace,
            resolve=self._resolve,
        )
        self._plans = {cls: router.plan(cls) for cls, _ in self.classes}
        status = self.controller.status
        self._roles = {}
        for rs in self.cluster.replica_sets_of(self.plan.name):
            self._roles[rs.hash] = role_of(rs.hash, status)
            self._hash_image[rs.hash] = rs.image
            if rs.hash not in self._behaviours:
                self._behaviours[rs.hash] = version_behaviour(
                    self.scenario, rs.image, self.plan.name
                )
        for _, template, rs in self.experiments.replica_sets():
            # An experiment's pods answer as their image does; traffic counts as its specRef.
            self._roles.setdefault(rs.hash, "canary" if template.spec_ref == "canary" else "stable")
            self._hash_image.setdefault(rs.hash, rs.image)
            if rs.hash not in self._behaviours:
                self._behaviours[rs.hash] = version_behaviour(
                    self.scenario, rs.image, self.plan.name
                )

    def _flush(self, t: float) -> None:
        """Simulate the requests of ``[segment start, t)`` under the routing that held.

        Exact mode keeps every request of a call in memory, so long quiet stretches are
        advanced in chunks of about :data:`EXACT_CHUNK_REQUESTS` requests."""
        t = min(t, self.until)
        t0 = self._segment_start
        if t <= t0:
            return
        hashes = {h for p in self._plans.values() for b in p.branches for h in b.backends}
        hashes |= {h for p in self._plans.values() for b in p.mirrors for h in b.backends}
        # Sorted: a set's order depends on the process's string hashing, the draws must not.
        beh = {h: self._behaviours.get(h) or VersionBehaviour() for h in sorted(hashes)}
        chunk = math.inf
        if self.mode == "exact":
            peak = float(self.generator.arrivals.max_rate(t0, t))
            if peak > 0:
                chunk = max(1, math.floor(EXACT_CHUNK_REQUESTS / peak / TRAFFIC_GRID))
                chunk *= TRAFFIC_GRID
        while t0 < t:
            t1 = t if chunk == math.inf else min(t, (math.floor(t0 / chunk) + 1) * chunk)
            self._advance(t0, t1, beh)
            t0 = t1
        self._segment_start = t

    def _advance(self, t0: float, t1: float, beh: dict[str, VersionBehaviour]) -> None:
        tally = self.generator.advance(t0, t1, self._plans, beh, self.streams)
        self.store.ingest(tally)
        n = tally.n_buckets
        nbins = len(ISTIO_DURATION_BUCKETS_MS) + 1
        req = {v: np.zeros(n, dtype=np.int64) for v in ("stable", "canary")}
        err = {v: np.zeros(n, dtype=np.int64) for v in ("stable", "canary")}
        hist = {v: np.zeros((n, nbins), dtype=np.int64) for v in ("stable", "canary")}
        for key, sc in tally.series.items():
            if key.reporter != "source":
                continue
            role = self._roles.get(key.hash) or self._role_of_destination(key.destination)
            version = "canary" if role == "canary" else "stable"
            req[version] += sc.count
            hist[version] += sc.hist
            bad = int(key.code) >= 500
            if bad:
                err[version] += sc.count
            image = self._hash_image.get(key.hash) or _NO_BACKEND.get(key.flags, "(no backend)")
            tot = self._totals.setdefault(image, {"requests": 0, "errors": 0})
            tot["requests"] += int(sc.count.sum())
            tot["errors"] += int(sc.count.sum()) if bad else 0
        self.recorder.traffic.add(tally.edges[:-1], req, err, hist)

    def _role_of_destination(self, destination: str) -> str:
        host, _, subset = destination.partition("/")
        service = host.split(".")[0]
        canary_subset = ((self.mesh.rollout.get("spec") or {}).get("strategy") or {}).get(
            "canary"
        ) or {}
        dr = ((canary_subset.get("trafficRouting") or {}).get("istio") or {}).get(
            "destinationRule"
        ) or {}
        if (self.plan.canary_service and service == self.plan.canary_service) or (
            subset and subset == dr.get("canarySubsetName")
        ):
            return "canary"
        return "stable"

    # ------------------------------------------------------------------ run and collect
    def run(self, until: float | None = None) -> World:
        """Advance simulated time to ``until`` (default: the scenario's); events due exactly
        at ``until`` are left for later, except at the very start (``until=0`` settles the
        initial reconciles so that there is a state to report)."""
        end = self.until if until is None else float(until)
        self.until = max(self.until, end)
        if end > self.env.now:
            self.env.run(until=end)
        else:
            while self.env.peek() <= self.env.now:
                self.env.step()
        return self

    def collect(self) -> Result:
        """The run so far as a :class:`Result`."""
        now = self.env.now
        self._flush(now)
        self.observe()
        measured = [(m.metric, m.finished, m.value) for _, m in self.analysis.measurements]
        series = self.recorder.series(now if now > 0 else self.until, measured)
        events = self.recorder.sorted_events(self.cluster.events)
        summary = summarize(self, events, series)
        for role in ROLES:
            series.setdefault(f"rs.{role}.desired", np.zeros(len(series["time"]), dtype=np.int64))
        return Result(
            scenario_name=self.scenario.name
            or (self.scenario.source.stem if self.scenario.source else "scenario"),
            seed=int(self.scenario.seed),
            until=now,
            mode=self.mode,
            events=events,
            snapshots=list(self.recorder.snapshots),
            series=series,
            manifest_history=list(self.recorder.manifest_history),
            summary=summary,
            warnings=list(self.recorder.warnings),
            measurements=[
                {
                    "time": m.finished,
                    "started": m.started,
                    "run": run,
                    "metric": m.metric,
                    "phase": m.phase.value,
                    "value": m.value,
                    "message": m.message,
                }
                for run, m in self.analysis.measurements
            ],
        )


def simulate(
    scenario: Scenario | str | Path, until: float | str | None = None, mode: str | None = None
) -> Result:
    """Build, run and collect in one call (``canarysim.simulate``)."""
    world = World.build(scenario, until=until, mode=mode)
    world.run()
    return world.collect()
