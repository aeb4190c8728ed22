"""A hypothesis state machine driving ``decide()`` through the in-test world.

Rules are what happens to a rollout in real life: pods become available, a pod crashes, time
passes, an analysis run ends, and a human runs promote, promote --full, abort, retry, pause,
resume or sets a new image. After every rule the engine is reconciled until it stops asking
for an immediate look, and the invariants below must hold.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from test_steps_world import H1, MiniWorld

from canarysim.engine.model import (
    Abort,
    Analysis,
    Pause,
    PauseRollout,
    Plan,
    Promote,
    PromoteFull,
    Resume,
    Retry,
    SetWeight,
    Step,
)
from canarysim.engine.replicas import resolve_fenceposts
from canarysim.engine.rollout.commands import apply_spec_command

IMAGES = ("9a1", "9a2", "9a3", "9a4", "9a5", "9a6", "9a7", "9a8")


@st.composite
def step_lists(draw: Any) -> tuple[Step, ...]:
    """1-4 steps starting with a setWeight; setWeights never decrease (Argo keeps the previous
    weight on the router while the canary scales, so with decreasing weights "never above the
    current step" would not hold in Argo either)."""
    rest = st.sampled_from(["w", "pause", "timed", "analysis"])
    kinds = ["w", *draw(st.lists(rest, max_size=3))]
    weights = sorted(draw(st.lists(st.integers(1, 99), min_size=len(kinds), max_size=len(kinds))))
    steps: list[Step] = []
    for kind, weight in zip(kinds, weights, strict=True):
        if kind == "w":
            steps.append(SetWeight(weight))
        elif kind == "pause":
            steps.append(Pause())
        elif kind == "timed":
            steps.append(Pause(float(draw(st.sampled_from([5, 30, 60]))), None))
        else:
            steps.append(Analysis(("success-rate",)))
    return tuple(steps)


class RolloutMachine(RuleBasedStateMachine):
    world: MiniWorld
    surge: int
    images: int

    @initialize(
        routed=st.booleans(),
        replicas=st.integers(1, 6),
        fenceposts=st.sampled_from([(1, 0), (0, 1), (1, 1), ("25%", "25%"), (2, 0)]),
        steps=step_lists(),
    )
    def deploy(
        self, routed: bool, replicas: int, fenceposts: tuple[Any, Any], steps: tuple[Step, ...]
    ) -> None:
        surge, unavailable = fenceposts
        plan = Plan(
            name="ro",
            replicas=replicas,
            pod_template_hash=H1,
            steps=steps,
            max_surge=surge,
            max_unavailable=unavailable,
            traffic_routing=routed,
            canary_service="canary" if routed else "",
            stable_service="stable" if routed else "",
        )
        self.surge = resolve_fenceposts(surge, unavailable, replicas)[0]
        self.world = MiniWorld(plan, auto_ready=False)
        self.images = 0
        self.previous_index: int | None = None
        self.index_may_drop = True
        self._settle()
        self.world.make_ready()
        self._settle()

    # ---- the world -------------------------------------------------------------------------

    def _settle(self) -> None:
        self.world.settle()

    @rule(count=st.integers(1, 3), canary=st.booleans())
    def pods_become_available(self, count: int, canary: bool) -> None:
        h = self.world.plan.pod_template_hash if canary else self.world.status.stable_rs
        if h in self.world.rss:
            self.world.make_ready(h, count)
        self._settle()

    @rule(data=st.data())
    def pod_crashes(self, data: Any) -> None:
        up = sorted(h for h, r in self.world.rss.items() if r.available > 0)
        if up:
            h = data.draw(st.sampled_from(up))
            r = self.world.rss[h]
            self.world.rss[h] = replace(r, ready=r.ready - 1, available=r.available - 1)
        self._settle()

    @rule(seconds=st.sampled_from([1.0, 4.0, 31.0, 61.0]))
    def time_passes(self, seconds: float) -> None:
        """Time passes; pending pods start (and crashed ones restart) meanwhile."""
        self.world.make_ready()
        self.world.advance(seconds)

    @rule(outcome=st.sampled_from(["Successful", "Successful", "Failed", "Inconclusive"]))
    def analysis_run_ends(self, outcome: str) -> None:
        for name, run in self.world.runs.items():
            if run.phase == "Running" and not run.terminated:
                self.world.runs[name] = replace(run, phase=outcome)  # type: ignore[arg-type]
        self._settle()

    # ---- the human -------------------------------------------------------------------------

    @rule()
    def promote(self) -> None:
        self.world.plan = apply_spec_command(self.world.plan, Promote(), self.world.now)
        self.world.command(Promote())

    @rule()
    def promote_full(self) -> None:
        self.world.plan = apply_spec_command(self.world.plan, PromoteFull(), self.world.now)
        self.world.command(PromoteFull())

    @rule()
    def abort(self) -> None:
        self.index_may_drop = True
        self.world.command(Abort())

    @rule()
    def retry(self) -> None:
        self.index_may_drop = True
        self.world.command(Retry())

    @rule()
    def pause(self) -> None:
        self.world.plan = apply_spec_command(self.world.plan, PauseRollout(), self.world.now)
        self._settle()

    @rule()
    def resume(self) -> None:
        self.world.plan = apply_spec_command(self.world.plan, Resume(), self.world.now)
        self._settle()

    @precondition(lambda self: self.images < len(IMAGES))
    @rule()
    def new_image(self) -> None:
        self.index_may_drop = True
        h = IMAGES[self.images]
        self.images += 1
        plan = self.world.plan
        self.world.plan = replace(plan, pod_template_hash=h, generation=plan.generation + 1)
        self._settle()

    # ---- invariants ------------------------------------------------------------------------

    @invariant()
    def router_weights_are_whole_and_sum_to_100(self) -> None:
        canary, stable = self.world.weights
        assert 0 <= canary <= 100 and 0 <= stable <= 100 and canary + stable == 100
        recorded = self.world.status.canary_weights
        if recorded is not None:
            parts = [recorded.canary.weight, recorded.stable.weight]
            parts += [a.weight for a in recorded.additional]
            assert all(isinstance(p, int) and 0 <= p <= 100 for p in parts)
            assert sum(parts) == 100

    @invariant()
    def canary_weight_within_current_step(self) -> None:
        st_ = self.world.status
        plan = self.world.plan
        w = st_.canary_weights
        if w is None or st_.abort or st_.promote_full or st_.stable_rs == st_.current_pod_hash:
            return
        if w.canary.pod_template_hash != st_.current_pod_hash:
            return  # the router still points at an abandoned canary (no pod of the new one yet)
        index = st_.current_step_index or 0
        if index >= len(plan.steps):
            return  # all steps done: on the way to 100 %
        allowed = next(
            (s.weight for s in reversed(plan.steps[: index + 1]) if isinstance(s, SetWeight)), 0
        )
        assert w.canary.weight <= allowed, (w, index, plan.steps)

    @invariant()
    def basic_canary_within_surge(self) -> None:
        if self.world.plan.traffic_routing:
            return
        total = sum(r.replicas for r in self.world.rss.values())
        assert total <= self.world.plan.replicas + self.surge

    @invariant()
    def aborted_weight_reaches_zero(self) -> None:
        st_ = self.world.status
        stable = self.world.rss.get(st_.stable_rs)
        if not (self.world.plan.traffic_routing and st_.abort and stable is not None):
            return
        if stable.available >= self.world.plan.replicas:
            assert self.world.weights == (0, 100)

    @invariant()
    def step_index_only_drops_on_abort_retry_or_new_revision(self) -> None:
        index = self.world.status.current_step_index
        if self.previous_index is not None and index is not None and index < self.previous_index:
            assert self.index_may_drop or self.world.status.abort, (self.previous_index, index)
        self.previous_index = index
        self.index_may_drop = False

    @invariant()
    def healthy_means_promoted(self) -> None:
        st_ = self.world.status
        assert st_.phase in ("Healthy", "Progressing", "Paused", "Degraded")
        if st_.phase == "Healthy":
            assert st_.stable_rs == st_.current_pod_hash == self.world.plan.pod_template_hash
            if self.world.plan.traffic_routing:
                assert self.world.weights == (0, 100)


TestRolloutMachine = RolloutMachine.TestCase
# The active profile decides how many examples (dev 60, ci 200); keep each one short.
TestRolloutMachine.settings = settings(settings.default, stateful_step_count=30)
