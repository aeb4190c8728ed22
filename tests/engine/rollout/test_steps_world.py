"""Given/When/Then helpers for the step engine, a tiny in-test world, and journeys through it.

The helpers build the engine's inputs the way Argo's controller tests build their fixtures
(``newCanaryRollout``, ``newReplicaSetWithStatus``, ``updateCanaryRolloutStatus`` in upstream
rollout/controller_test.go): a rollout whose status already matches its ReplicaSets, with the
desired-replicas annotation equal to ``spec.replicas``. :class:`MiniWorld` applies the engine's
actions (ReplicaSets, Services, router, runs) and lets time pass, waking the engine exactly when
``requeue_after`` says; the journeys at the bottom drive whole rollouts through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from canarysim.engine.model import (
    Abort,
    AnalysisRunView,
    AnnotateReplicaSet,
    Command,
    Condition,
    CreateReplicaSet,
    Decision,
    DeleteReplicaSet,
    EmitEvent,
    EvictPods,
    ExperimentView,
    Observation,
    Pause,
    PauseCondition,
    Plan,
    Promote,
    ReplicaSetView,
    RolloutStatus,
    ScaleReplicaSet,
    SetReplicaSetRevision,
    SetServiceSelector,
    SetTrafficWeight,
    SetWeight,
    StartAnalysisRun,
    StartExperiment,
    TerminateAnalysisRun,
    TerminateExperiment,
    UpdateTrafficHash,
)
from canarysim.engine.rollout import decide

NOW = 1000.0
H1, H2, H3 = "6d8f9c7b5", "7f94d8b6c", "59b6c9d4f"  # pod-template hashes of rev 1, 2, 3


# --------------------------------------------------------------------------------------------
# Given: fixtures shaped like Argo's controller tests
# --------------------------------------------------------------------------------------------


def make_plan(**kw: Any) -> Plan:
    """``newCanaryRollout("foo", replicas, ..., maxSurge, maxUnavailable)`` at template H2."""
    base: dict[str, Any] = {
        "name": "foo",
        "replicas": 10,
        "pod_template_hash": H2,
        "max_surge": 1,
        "max_unavailable": 0,
    }
    base.update(kw)
    return Plan(**base)


def rs(
    h: str,
    replicas: int,
    available: int | None = None,
    *,
    revision: int | None = None,
    status_replicas: int | None = None,
    ready: int | None = None,
    deadline: float | None = None,
    created: float | None = None,
    rollout_replicas: int | None = None,
    pods: tuple[float, ...] = (),
) -> ReplicaSetView:
    """``newReplicaSetWithStatus``: status replicas = spec, ready = available."""
    available = replicas if available is None else available
    rev = revision if revision is not None else {H1: 1, H2: 2, H3: 3}.get(h, 1)
    return ReplicaSetView(
        hash=h,
        revision=rev,
        replicas=replicas,
        status_replicas=replicas if status_replicas is None else status_replicas,
        ready=available if ready is None else ready,
        available=available,
        scale_down_deadline=deadline,
        rollout_replicas=rollout_replicas,
        created=float(rev) if created is None else created,
        pod_created=pods,
    )


def cond(
    type_: str, status: str, reason: str, message: str = "", at: float = NOW - 60
) -> Condition:
    return Condition(type_, status, reason, message, at, at)  # type: ignore[arg-type]


def make_status(
    plan: Plan,
    *,
    stable: str = H1,
    index: int | None = 0,
    current: str | None = None,
    pause: tuple[PauseCondition, ...] = (),
    controller_pause: bool | None = None,
    counts: tuple[int, int, int, int] | None = None,
    **kw: Any,
) -> RolloutStatus:
    """``updateCanaryRolloutStatus``: a status the controller itself would have written, with
    Progressing/Paused conditions consistent with the pause state (so ``checkPausedConditions``
    has nothing to patch)."""
    paused = bool(pause) or plan.paused
    conditions = [
        cond(
            "Progressing",
            "Unknown" if paused else "True",
            "RolloutPaused" if paused else "ReplicaSetUpdated",
            "Rollout is paused"
            if paused
            else f'ReplicaSet "foo-{plan.pod_template_hash}" is progressing.',
        ),
        cond("Paused", "True" if paused else "False", "RolloutPaused", "Rollout is paused"),
    ]
    replicas, updated, ready, available = counts if counts is not None else (0, 0, 0, 0)
    fields: dict[str, Any] = {
        "current_pod_hash": plan.pod_template_hash if current is None else current,
        "current_step_hash": plan.step_hash,
        "current_step_index": index,
        "stable_rs": stable,
        "pause_conditions": pause,
        "controller_pause": bool(pause) if controller_pause is None else controller_pause,
        "observed_generation": plan.generation,
        "conditions": tuple(conditions),
        "replicas": replicas,
        "updated_replicas": updated,
        "ready_replicas": ready,
        "available_replicas": available,
    }
    fields.update(kw)
    return RolloutStatus(**fields)


def reconcile(
    plan: Plan,
    status: RolloutStatus,
    *rss: ReplicaSetView,
    now: float = NOW,
    commands: tuple[Command, ...] = (),
    **obs: Any,
) -> Decision:
    """One ``f.run(key)``: the desired-replicas annotation defaults to ``spec.replicas``."""
    views = tuple(
        r if r.rollout_replicas is not None else replace(r, rollout_replicas=plan.replicas)
        for r in rss
    )
    return decide(plan, status, Observation(now=now, replica_sets=views, commands=commands, **obs))


def steady(plan: Plan, status: RolloutStatus, *rss: ReplicaSetView, now: float = NOW) -> Decision:
    """Reconcile a fixed world until the engine stops writing status (the Go fixtures leave
    out conditions the controller would add on its first pass); returns the last decision."""
    for _ in range(10):
        d = reconcile(plan, status, *rss, now=now)
        if d.status == status:
            return d
        status = d.status
    raise AssertionError("status did not settle")


def scales(d: Decision) -> list[tuple[str, int]]:
    """The size changes of a decision, in order (annotation-only writes left out)."""
    return [(a.hash, a.replicas) for a in d.actions if isinstance(a, ScaleReplicaSet)]


def events(d: Decision) -> list[tuple[str, str]]:
    return [(a.reason, a.message) for a in d.actions if isinstance(a, EmitEvent)]


def router_weights(d: Decision) -> list[tuple[int, int]]:
    return [(a.canary, a.stable) for a in d.actions if isinstance(a, SetTrafficWeight)]


def of_type(d: Decision, kind: type) -> list[Any]:
    return [a for a in d.actions if isinstance(a, kind)]


def condition(status: RolloutStatus, type_: str) -> Condition:
    found = status.condition(type_)
    assert found is not None, f"no {type_} condition"
    return found


# --------------------------------------------------------------------------------------------
# A tiny world: applies actions, pods, time
# --------------------------------------------------------------------------------------------


@dataclass
class MiniWorld:
    """Just enough cluster for the engine: ReplicaSets whose pods appear at once and become
    available when told (or at once with ``auto_ready``), Services, a router, runs."""

    plan: Plan
    status: RolloutStatus = field(default_factory=RolloutStatus)
    now: float = 0.0
    auto_ready: bool = True
    rss: dict[str, ReplicaSetView] = field(default_factory=dict)
    services: dict[str, str] = field(
        default_factory=lambda: {"canary": "", "stable": "", "active": "", "preview": ""}
    )
    weights: tuple[int, int] = (0, 100)
    runs: dict[str, AnalysisRunView] = field(default_factory=dict)
    experiments: dict[str, ExperimentView] = field(default_factory=dict)
    log: list[tuple[float, str, str]] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    pending: list[Command] = field(default_factory=list)
    requeue_at: float | None = None

    def observe(self) -> Observation:
        commands, self.pending = tuple(self.pending), []
        return Observation(
            now=self.now,
            replica_sets=tuple(self.rss.values()),
            analysis_runs=tuple(self.runs.values()),
            experiments=tuple(self.experiments.values()),
            commands=commands,
            canary_service_hash=self.services["canary"],
            stable_service_hash=self.services["stable"],
            active_service_hash=self.services["active"],
            preview_service_hash=self.services["preview"],
        )

    def reconcile(self) -> Decision:
        d = decide(self.plan, self.status, self.observe())
        self.status = d.status
        self.decisions.append(d)
        for a in d.actions:
            self.apply(a)
        if self.auto_ready:
            self.make_ready()
        self.requeue_at = None if d.requeue_after is None else self.now + d.requeue_after
        return d

    def settle(self, limit: int = 60) -> Decision:
        """Reconcile until the engine stops asking for an immediate look."""
        for _ in range(limit):
            d = self.reconcile()
            if d.requeue_after != 0:
                return d
        raise AssertionError(f"engine did not settle within {limit} reconciles at t={self.now}")

    def advance(self, seconds: float) -> None:
        """Let time pass, waking the engine whenever it asked to be woken."""
        target = self.now + seconds
        self.settle()
        while self.requeue_at is not None and self.requeue_at <= target:
            self.now = self.requeue_at
            self.settle()
        self.now = target
        self.settle()

    def command(self, cmd: Command) -> None:
        self.pending.append(cmd)
        self.settle()

    def make_ready(self, h: str | None = None, count: int | None = None) -> None:
        for key, r in list(self.rss.items()):
            if h is not None and key != h:
                continue
            n = r.replicas if count is None else min(r.replicas, r.available + count)
            self.rss[key] = replace(r, status_replicas=r.replicas, ready=n, available=n)

    def apply(self, a: Any) -> None:
        if isinstance(a, EmitEvent):
            self.log.append((self.now, a.reason, a.message))
        elif isinstance(a, CreateReplicaSet):
            self.rss[a.hash] = ReplicaSetView(
                a.hash,
                a.revision,
                a.replicas,
                rollout_replicas=a.rollout_replicas,
                created=self.now,
            )
        elif isinstance(a, ScaleReplicaSet):
            r = self.rss[a.hash]
            available = min(r.available, a.replicas)
            self.rss[a.hash] = replace(
                r,
                replicas=a.replicas,
                status_replicas=a.replicas,
                ready=available,
                available=available,
                rollout_replicas=a.rollout_replicas,
            )
        elif isinstance(a, AnnotateReplicaSet):
            self.rss[a.hash] = replace(self.rss[a.hash], scale_down_deadline=a.scale_down_deadline)
        elif isinstance(a, SetReplicaSetRevision):
            self.rss[a.hash] = replace(self.rss[a.hash], revision=a.revision)
        elif isinstance(a, DeleteReplicaSet):
            del self.rss[a.hash]
        elif isinstance(a, EvictPods):
            r = self.rss[a.hash]
            self.rss[a.hash] = replace(r, ready=r.ready - a.count, available=r.available - a.count)
        elif isinstance(a, SetServiceSelector):
            self.services[a.role] = a.hash
        elif isinstance(a, SetTrafficWeight):
            assert a.canary + a.stable + sum(x.weight for x in a.additional) == 100
            self.weights = (a.canary, a.stable)
        elif isinstance(a, StartAnalysisRun):
            self.runs[a.name] = AnalysisRunView(
                a.name, a.kind, a.pod_template_hash, "Running", step_index=a.step_index
            )
        elif isinstance(a, TerminateAnalysisRun):
            r2 = self.runs[a.name]
            self.runs[a.name] = replace(r2, terminated=True, phase="Successful")
        elif isinstance(a, StartExperiment):
            self.experiments[a.name] = ExperimentView(
                a.name, a.pod_template_hash, a.step_index, "Running"
            )
        elif isinstance(a, TerminateExperiment):
            e = self.experiments[a.name]
            self.experiments[a.name] = replace(e, terminated=True, phase="Successful")
        elif isinstance(a, UpdateTrafficHash):
            pass

    def events(self, reason: str) -> list[tuple[float, str]]:
        return [(t, m) for t, r, m in self.log if r == reason]


def deployed(plan: Plan) -> MiniWorld:
    """A world where ``plan`` (at revision 1) was deployed and is Healthy."""
    world = MiniWorld(replace(plan, pod_template_hash=H1))
    world.settle()
    world.advance(1)
    assert world.status.phase == "Healthy", world.status
    world.log.clear()
    return world


def new_image(world: MiniWorld, h: str = H2) -> None:
    world.plan = replace(world.plan, pod_template_hash=h, generation=world.plan.generation + 1)


# --------------------------------------------------------------------------------------------
# Journeys
# --------------------------------------------------------------------------------------------

ISTIO = {
    "traffic_routing": True,
    "canary_service": "canary",
    "stable_service": "stable",
}


def test_first_deploy_skips_steps_and_becomes_healthy() -> None:
    world = MiniWorld(make_plan(pod_template_hash=H1, steps=(SetWeight(20), Pause())))
    world.settle()
    assert world.status.stable_rs == H1
    assert world.status.current_step_index == 2
    assert world.status.phase == "Healthy" and world.status.message == ""
    assert world.events("RolloutCompleted") == [
        (0.0, f"Rollout completed update to revision 1 ({H1}): Initial deploy")
    ]


def test_traffic_routed_canary_timeline_matches_argo() -> None:
    """argo-canary-controller §3.10: weight moves only once the canary can carry it, the
    stable switches one reconcile after the last step, the old stable keeps its pods for 30 s."""
    plan = make_plan(replicas=5, steps=(SetWeight(20), Pause(30, "30s"), SetWeight(60)), **ISTIO)
    world = deployed(plan)
    world.auto_ready = False
    new_image(world)
    world.settle()
    assert world.rss[H2].replicas == 1
    assert world.weights == (0, 100)  # the canary has no available pod yet
    world.now += 5
    world.make_ready(H2)
    world.settle()
    assert world.weights == (20, 80)
    assert world.status.current_step_index == 2 or world.status.pause_conditions
    pause_start = world.status.pause_conditions[0].start_time
    assert pause_start == 5.0 + 1  # stamped in whole seconds of the reconcile that paused
    assert world.status.phase == "Paused" and world.status.message == "CanaryPauseStep"
    # The timed pause ends at the first reconcile strictly after start + 30 s.
    world.advance(29.5)
    assert world.status.current_step_index == 1
    world.advance(1.0)
    assert world.status.current_step_index == 2
    assert world.events("RolloutStepCompleted")[-1][1] == "Rollout step 2/3 completed (pause: 30s)"
    assert world.weights == (20, 80)  # setWeight 60 waits for 3 available canary pods
    world.make_ready(H2)
    world.settle()
    assert world.weights == (60, 40)
    assert world.status.current_step_index == 3
    world.make_ready(H2)
    world.settle()
    assert world.status.stable_rs == H2
    assert world.weights == (0, 100)
    assert (world.services["canary"], world.services["stable"]) == (H2, H2)
    deadline = world.rss[H1].scale_down_deadline
    assert deadline is not None and world.rss[H1].replicas == 5
    world.advance(deadline - world.now - 0.5)
    assert world.rss[H1].replicas == 5
    world.advance(1.0)
    assert world.rss[H1].replicas == 0
    assert world.status.phase == "Healthy"


def test_abort_holds_canary_for_abort_scale_down_delay() -> None:
    plan = make_plan(replicas=4, steps=(SetWeight(50), Pause()), **ISTIO)
    world = deployed(plan)
    new_image(world)
    world.settle()
    assert world.status.phase == "Paused"
    assert world.weights == (50, 50)
    world.command(Abort())
    assert world.status.phase == "Degraded"
    assert world.status.message == "RolloutAborted: Rollout aborted update to revision 2"
    assert world.status.current_step_index == 0
    assert world.weights == (0, 100)
    deadline = world.rss[H2].scale_down_deadline
    assert deadline == pytest.approx(world.now + 30, abs=1)
    assert world.rss[H2].replicas == 2
    world.advance(deadline - world.now + 0.1)
    assert world.rss[H2].replicas == 0
    assert world.weights == (0, 100)


def test_basic_canary_never_exceeds_surge_and_drains_old() -> None:
    plan = make_plan(replicas=4, max_surge=1, max_unavailable=0, steps=(SetWeight(50), Pause()))
    world = deployed(plan)
    world.auto_ready = False
    new_image(world)
    for _ in range(20):
        world.settle()
        assert sum(r.replicas for r in world.rss.values()) <= 5
        world.make_ready()
    assert world.status.phase == "Paused"
    assert (world.rss[H2].replicas, world.rss[H1].replicas) == (2, 2)
    world.command(Promote())
    for _ in range(20):
        world.settle()
        assert sum(r.replicas for r in world.rss.values()) <= 5
        world.make_ready()
    assert world.status.phase == "Healthy"
    assert (world.rss[H2].replicas, world.rss[H1].replicas) == (4, 0)
