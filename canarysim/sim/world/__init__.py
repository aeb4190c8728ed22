"""One simulation run: build the world from a scenario, run it, collect a Result (and, in
:func:`simulate`, let go of the finished world: :mod:`.teardown`).

>>> from canarysim.sim.world import simulate              # doctest: +SKIP
>>> result = simulate(load_scenario("scenarios/imesh-canary/scenario.yaml"))  # doctest: +SKIP

The world owns ``env.now`` and every random stream (:class:`~canarysim.sim.stochastic.rng.Streams`,
spawned from the scenario's seed by name). It wires the cluster (pods, ReplicaSets, Services),
the mesh (VirtualServices and DestinationRules, rewritten only through Argo's reconciler), the
rollout controller (the engine), AnalysisRuns, Experiments, the operator's timeline and faults,
and the traffic that flows through it all; the parts reach each other through it, reading it as
the :class:`~canarysim.sim.wiring.Wiring` protocol (so that none of them imports this module).

The ideas live next door: :mod:`~canarysim.sim.build` (run arguments and what the
scenario leaves out), :mod:`~canarysim.sim.routing` (where requests enter, ALBs, target
groups), :mod:`~canarysim.sim.flow` (traffic one routing-constant
interval at a time, into the metric store and the series), :mod:`~canarysim.sim.observe`
(snapshots, state rows, the Result) and :mod:`~canarysim.sim.summary`.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import simpy

from canarysim.declarations import Scenario
from canarysim.declarations.apply import live_copy
from canarysim.declarations.workloadref import resolve_workload_ref
from canarysim.engine.model import Command, Plan, StartAnalysisRun
from canarysim.result import Result
from canarysim.sim.analysis.prometheus import StoreQueries
from canarysim.sim.analysis.providers import (
    metric_lookback,
    metric_names_read,
    providers_for,
    reads_metrics,
)
from canarysim.sim.analysis.runs import AnalysisController, ArgContext
from canarysim.sim.build import (
    MODES,
    first_template,
    history_length,
    run_arguments,
    scenario_facts,
)
from canarysim.sim.cluster.cluster import Cluster
from canarysim.sim.cluster.disruption import DisruptionBudgets
from canarysim.sim.controller.loop import Controller
from canarysim.sim.experiments.runtime import ExperimentController
from canarysim.sim.flow import EXACT_CHUNK_REQUESTS, TRAFFIC_GRID, TrafficFlow
from canarysim.sim.inputs import arrivals_for, own_arrivals, pod_behaviour_for
from canarysim.sim.mesh.objects import Mesh, deep_copy
from canarysim.sim.metrics.labels import GATEWAY_POD, Workload
from canarysim.sim.metrics.recorder import Recorder
from canarysim.sim.metrics.store import MetricStore
from canarysim.sim.metrics.targets import Target, workload_pods
from canarysim.sim.observe import Recording, collect
from canarysim.sim.operator import Operator
from canarysim.sim.routing import checked_classes, load_balancers, target_groups
from canarysim.sim.stochastic.rng import Streams
from canarysim.sim.traffic.generator import TrafficGenerator
from canarysim.sim.workloads.deployments import Deployments
from canarysim.sim.world.teardown import release

__all__ = [
    "EXACT_CHUNK_REQUESTS",
    "MODES",
    "SCRAPE_INTERVAL",
    "TRAFFIC_GRID",
    "World",
    "simulate",
]

SCRAPE_INTERVAL = 15.0
"""Prometheus scrape interval of Istio's sample configuration (seconds)."""
FULL_COLLECTION_THRESHOLD = 100
"""Young-generation collections between two full ones during a run (Python's default: 10)."""


class World:
    """Everything of one run (see the module doc): :meth:`build`, :meth:`run`, :meth:`collect`."""

    # Parts built last, each given the world; the analysis controller's callback reaches the
    # controller only once it exists.
    controller: Controller
    experiments: ExperimentController
    flow: TrafficFlow

    def __init__(
        self, scenario: Scenario, *, until: float, mode: str, keep_metrics: bool = False
    ) -> None:
        self.scenario = scenario
        self.until = until
        self.mode = mode
        self.healthy_start = scenario.start == "healthy"
        self._recording = True
        """False while the history before t=0 runs (see :meth:`_history`)."""
        self.recording = Recording(self)
        self.env = simpy.Environment(
            initial_time=-history_length(scenario) if self.healthy_start else 0.0
        )
        self.rollout_created = float(self.env.now)
        """When the Rollout was created (``kubectl apply``): -history with ``start: healthy``."""
        self.streams = Streams(int(scenario.seed))
        interval = float(scenario.outputs.bucket) if scenario.outputs.bucket > 0 else 10.0
        self.recorder = Recorder(series_interval=interval)
        self.commands: list[Command] = []
        self.controller_errors: list[dict[str, Any]] = []

        rollout = scenario.rollout
        manifests = scenario.manifests  # a property: read once
        self.rollout_manifest: dict[str, Any] = deep_copy(rollout.raw)
        self.namespace = rollout.namespace
        # As the API server would serve it: the namespace is always set (args may read it).
        self.rollout_manifest.setdefault("metadata", {})["namespace"] = self.namespace
        # a workloadRef's template and selector: the Deployment's (never stored on the Rollout)
        spec = resolve_workload_ref(rollout, manifests).rollout.raw.get("spec") or {}
        template, first_hash = first_template(spec.get("template") or {})
        self.templates: dict[str, dict[str, Any]] = {first_hash: template}
        selector = (spec.get("selector") or {}).get("matchLabels")
        self.selector: dict[str, str] | None = dict(selector) if selector else None

        others = [r.name for r in manifests.rollouts if r is not rollout]
        if others:
            self.recorder.warn(
                f"only Rollout {rollout.name!r} is simulated; ignored: {', '.join(others)}"
            )
        facts = scenario_facts(scenario, first_hash)
        for message in facts.warnings:
            self.recorder.warn(message)
        #: The cluster's objects as the API server holds them (``apply``/``delete`` change
        #: them); ``objects_version`` counts the changes (the controller re-validates).
        self.objects = live_copy(manifests)
        self.objects_version = 0
        self.invalid_message = facts.invalid_message
        self.plan = facts.plan

        self.cluster = Cluster(
            self.env,
            self.streams,
            pod_behaviour_for(scenario, lambda: self.env.now),
            nodes=scenario.cluster.nodes,
            namespace=self.namespace,
        )
        for svc in manifests.services:
            if svc.namespace == self.namespace:
                self.cluster.add_service(svc.raw)
        self.workloads = Deployments.existing(
            self.cluster,
            [d for d in manifests.deployments if d.namespace == self.namespace],
            lambda *event: self.recorder.event(self.env.now, *event),
            on_change=lambda: self.flow.route_change() if hasattr(self, "flow") else None,
        )
        self.cluster.budgets = DisruptionBudgets(
            p.raw for p in manifests.pod_disruption_budgets if p.namespace == self.namespace
        )
        self.mesh = Mesh(
            self.rollout_manifest,
            [v.raw for v in manifests.virtual_services],
            [d.raw for d in manifests.destination_rules],
            namespace=self.namespace,
            on_change=self._mesh_changed,
            ingresses=[i.raw for i in manifests.ingresses],
            traffic_splits=[t.raw for t in manifests.traffic_splits],
            http_routes=[r.raw for r in manifests.http_routes],
            grpc_routes=[r.raw for r in manifests.grpc_routes],
            tcp_routes=[r.raw for r in manifests.tcp_routes],
            tls_routes=[r.raw for r in manifests.tls_routes],
            apisix_routes=[r.raw for r in manifests.apisix_routes],
            traefik_services=[t.raw for t in manifests.traefik_services],
            ingress_routes=[r.raw for r in manifests.ingress_routes],
            ambassador_mappings=[m.raw for m in manifests.ambassador_mappings],
            appmesh_virtual_services=[v.raw for v in manifests.appmesh_virtual_services],
            appmesh_virtual_routers=[r.raw for r in manifests.appmesh_virtual_routers],
            appmesh_virtual_nodes=[n.raw for n in manifests.appmesh_virtual_nodes],
            copied_from=rollout.raw,
        )
        if self.mesh.alb:
            self.mesh.balancers = load_balancers(self, scenario)
        self.mesh.target_groups = target_groups(self, scenario)
        templates = {
            t.name: t.raw for t in manifests.analysis_templates if t.namespace == self.namespace
        }
        cluster_templates = {t.name: t.raw for t in manifests.cluster_analysis_templates}
        every_template = [*templates.values(), *cluster_templates.values()]
        # Scraping costs as much as the traffic it counts: keep a store only if something
        # queries it or the caller wants the metrics, and only as many samples as its longest
        # query reads, of the metrics its queries name (everything when the metrics are kept
        # for the caller).
        self.store: MetricStore | None = None
        if keep_metrics or reads_metrics(scenario, every_template):
            self.store = MetricStore(
                scrape_interval_s=SCRAPE_INTERVAL,
                namespace=self.namespace,
                retention_s=None if keep_metrics else metric_lookback(scenario, every_template),
                names=None if keep_metrics else metric_names_read(scenario, every_template),
            )
            self.store.pod_identity = self._pod_identity
        # the run's Prometheus: the store, with the traffic up to a query's time flushed in
        self.prometheus = StoreQueries(
            lambda: self.store, lambda now: self.flow.flush(now), int(scenario.metrics.prometheus)
        )
        self.analysis = AnalysisController(
            self.env,
            templates=templates,
            cluster_templates=cluster_templates,
            providers=providers_for(scenario, self.prometheus.instant, self.prometheus.range),
            rng=self.streams.lazy("analysis"),  # drawn from only by some providers
            on_change=lambda: self.controller.wake(),
            on_event=self.recorder.event,
            secrets={
                s.name: s.values() for s in manifests.secrets if s.namespace == self.namespace
            },
        )
        self.classes = checked_classes(self)  # (check_host's warnings too)
        if self.store is not None:
            # Istio's source labels: the ingress gateway's pod for requests entering through a
            # gateway, the scenario's in-mesh client for the others (traffic.source)
            self.store.gateway_targets = (Target.of(GATEWAY_POD),)
            client = scenario.traffic.source
            if client != "outside":
                self.store.source = Workload(
                    client.workload,
                    client.namespace or self.namespace,
                    client.labels if client.labels is not None else {"app": client.workload},
                    client.service_account,
                )
                self.store.source_targets = workload_pods(client.workload, client.replicas)
            # a deleted pod's target leaves Prometheus' discovery: its series go stale
            store = self.store
            self.cluster.subscribe(
                lambda c: (
                    store.target_gone(c.object[4:], c.time)
                    if c.what == "gone" and c.object.startswith("Pod/")
                    else None
                )
            )
        generator = TrafficGenerator(
            arrivals_for(scenario),
            self.classes,
            mode=mode,  # type: ignore[arg-type]
            grid_s=TRAFFIC_GRID,
            own=own_arrivals(scenario, self.classes),
        )
        self.flow = TrafficFlow(self, generator)
        self.experiments = ExperimentController(self)
        self.controller = Controller(self)
        if self.healthy_start:
            self._history()
        self.operator = Operator(self)
        # (kept so that a finished world can let go of them: see :mod:`.teardown`)
        self.flow_process = self.env.process(self.flow.process())
        self.pods_process = self.env.process(self._watch_pods())
        self.recorder.manifests(0.0, self.mesh.manifests())
        if self.healthy_start:
            self.observe()

    def _history(self) -> None:
        """``start: healthy``: the first rollout happened before the clock starts.

        The controller and the cluster alone run from ``-history_length`` to 0: the
        controller deploys revision 1 exactly as with ``start: empty`` (the engine writes the
        ReplicaSet, the Service selectors, the router weights and the status it always
        writes), but the pods are Running and Ready the moment they are created
        (``Cluster.warm_until``), so the Rollout is Healthy well before t=0. No traffic flows
        and no operator acts in that history, and what it recorded (events, snapshots,
        routing manifests) is dropped: the Result starts at t=0, at rest, and its timeline
        with the first thing that happens from then on. Pods, ReplicaSets and conditions
        keep their (negative) creation and transition times, so ages read as they would.
        """
        self.cluster.warm_until = 0.0
        # What is recorded before t=0 is dropped below: observations only follow the
        # rollout's hashes (the traffic's roles), without building snapshots.
        self._recording = False
        try:
            self.env.run(until=0.0)
        finally:
            self._recording = True
        self.cluster.warm_until = None
        for name in sorted(self.cluster.pods):
            pod = self.cluster.pods[name]
            if not pod.ready:
                self.recorder.warn(
                    f"start: healthy, but pod {name} of {pod.image!r} was not Ready when the "
                    "clock started (its version is never Ready or cannot be pulled); "
                    "set start: empty to watch the first deploy"
                )
                break
        self.recorder.events.clear()
        self.recorder.snapshots.clear()
        self.recorder.state_rows.clear()
        self.recorder.manifest_history.clear()
        self.cluster.events.clear()
        self.controller_errors.clear()

    @classmethod
    def build(
        cls,
        scenario: Scenario | str | Path,
        until: float | str | None = None,
        mode: str | None = None,
        *,
        keep_metrics: bool = False,
    ) -> World:
        """A world ready to :meth:`run`; ``until``/``mode`` override the scenario's.
        ``keep_metrics``: keep every scraped sample in :attr:`store` for the caller (e.g. to
        export them); otherwise the store exists only if an analysis can query it."""
        loaded, end, chosen = run_arguments(scenario, until, mode)
        return cls(loaded, until=end, mode=chosen, keep_metrics=keep_metrics)

    @property
    def generator(self) -> TrafficGenerator:
        return self.flow.generator

    # ------------------------------------------------------------------ services for parts
    def set_plan(self, plan: Plan) -> None:
        """The operator changed the Rollout's spec. A Service the Rollout no longer names gets
        its ``rollouts-pod-template-hash`` selector back off, as Argo's Service controller does
        for the Services the edit removed (``rollout/controller.go`` enqueues them,
        ``service/service.go::syncService`` cleans them)."""
        for name in sorted(self.plan.referenced_services - plan.referenced_services):
            if name in self.cluster.services:
                self.cluster.set_selector_hash(name, None)
        self.plan = plan
        self.controller.wake()

    def warn(self, message: str) -> None:
        self.recorder.warn(message)

    def bump_objects(self) -> None:
        """An object was applied or deleted (nothing is woken: see :mod:`.apiserver`)."""
        self.objects_version += 1

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
        strategy = (self.rollout_manifest.get("spec") or {}).get("strategy") or {}
        canary = strategy.get("canary")
        dry_run: list[str] = []
        spec: Any = None
        if action.kind == "Background":
            spec = (canary or {}).get("analysis")
        elif action.kind in ("PrePromotion", "PostPromotion"):
            key = (
                "prePromotionAnalysis" if action.kind == "PrePromotion" else "postPromotionAnalysis"
            )
            spec = (strategy.get("blueGreen") or {}).get(key)
        if isinstance(spec, dict):
            for entry in spec.get("dryRun") or []:
                dry_run.append(str((entry or {}).get("metricName", "")))
        self.analysis.start(action, context, rollout_dry_run=dry_run)

    def _pod_identity(self, pod_hash: str) -> tuple[dict[str, str], str]:
        """A ReplicaSet's pod labels and service account, for the metric labels."""
        template = self.templates.get(pod_hash) or {}
        labels = (template.get("metadata") or {}).get("labels") or {}
        account = (template.get("spec") or {}).get("serviceAccountName") or "default"
        return {str(k): str(v) for k, v in labels.items()}, str(account)

    def observe(self, *, settled: bool = False) -> None:
        """Something visible may have changed: the traffic's roles follow the rollout's hashes
        at once; a snapshot and a state row are recorded once the instant has settled
        (:class:`~canarysim.sim.observe.Recording`), or now when ``settled``."""
        status = self.controller.status
        self.flow.hashes_seen((status.stable_rs, status.current_pod_hash))
        if self._recording:
            self.recording.request(settled=settled)

    def _mesh_changed(self) -> None:
        # copied for the history only when they differ from the last recorded, which are
        # those before the write (each write is recorded, or found equal, here): a write known
        # to change them needs no comparison
        history = self.recorder.manifest_history
        mesh = self.mesh
        if mesh.differs or not history or history[-1][1] != mesh.manifests(copies=False):
            self.recorder.manifests(self.env.now, self.mesh.manifests(), differ=True)
        self.flow.route_change()
        if self.mesh.balancers is not None:
            self.mesh.balancers.ingress_changed()

    def _watch_pods(self) -> Generator[simpy.Event, Any, None]:
        while True:
            yield self.cluster.pods_changed
            self.observe()

    # ------------------------------------------------------------------ run and collect
    def run(self, until: float | None = None) -> World:
        """Advance simulated time to ``until`` (default: the scenario's); events due exactly
        at ``until`` are left for later, except at the very start (``until=0`` settles the
        initial reconciles so that there is a state to report)."""
        end = self.until if until is None else float(until)
        self.until = max(self.until, end)
        with _fewer_full_collections():
            if end > self.env.now:
                self.env.run(until=end)
            else:
                while self.env.peek() <= self.env.now:
                    self.env.step()
        return self

    def collect(self) -> Result:
        """The run so far as a :class:`Result`."""
        return collect(self)


@contextlib.contextmanager
def _fewer_full_collections() -> Iterator[None]:
    """Python's collector scans the whole heap each time it has grown by a quarter; a run
    keeps everything it records (snapshots of every pod), so with thousands of pods those full
    scans were a third of the run. During a run, full scans wait for ten times more young
    collections than the default (``gc.set_threshold``'s third value); short-lived cycles are
    still collected young, and the thresholds are restored afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(before[0], before[1], max(before[2], FULL_COLLECTION_THRESHOLD))
    try:
        yield
    finally:
        gc.set_threshold(*before)


def simulate(
    scenario: Scenario | str | Path, until: float | str | None = None, mode: str | None = None
) -> Result:
    """Build, run and collect in one call (``canarysim.simulate``)."""
    with _fewer_full_collections():
        world = World.build(scenario, until=until, mode=mode)
        world.run()
        result = world.collect()
        release(world)
        return result
