"""The operator's timeline and the scenario's faults, as SimPy processes.

Each entry of ``operator`` is what a person types, at its time: the ``.status`` verbs
(promote, promote --full, abort, retry) reach the engine as commands in the next
Observation; the ``.spec`` verbs (set image, scale, pause, resume, restart, undo) give the
controller a new :class:`~canarysim.engine.model.Plan` with ``generation`` bumped, as an edit of
the Rollout would. ``promote`` does both (it also clears ``spec.paused``), as
``cmd/promote/promote.go`` does.

``patch`` (``kubectl patch rollout``) merges a patch into the Rollout as the API server holds
it and derives the new Plan from the result: any spec change, a changed pod template being a
new revision. ``apply`` and ``delete`` (``kubectl apply -f``, ``kubectl delete``) go through
:mod:`canarysim.sim.apiserver` (an applied Rollout is patched here). Actions with
``when:`` are played by :mod:`canarysim.sim.conditions`; :meth:`Operator.issue` is how they,
and :class:`canarysim.sim.stepping.Simulation`, type a command now.

Faults act on the cluster directly: a pod deleted, a node lost (and restored after
``downFor``); error spikes are laid into the versions' error-rate schedules at build time and
only announced here.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Generator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import simpy

from canarysim.declarations import to_command, to_plan
from canarysim.declarations.patch import patched_rollout
from canarysim.declarations.scenario.actions import PatchAction
from canarysim.declarations.scenario.model import (
    ApplyObject,
    DeleteObject,
    ErrorSpike,
    KillNode,
    KillPod,
    MarkPodsReady,
)
from canarysim.declarations.workloadref import resolve_workload_ref
from canarysim.engine.model import (
    Abort,
    Command,
    PauseRollout,
    Promote,
    PromoteFull,
    Restart,
    Resume,
    Retry,
    Scale,
    SetImage,
    Undo,
)
from canarysim.engine.rollout.commands import apply_spec_command
from canarysim.errors import ScenarioError
from canarysim.sim.apiserver import ApiServer
from canarysim.sim.cluster.pods.pod import readiness_gates
from canarysim.sim.cluster.templatehash import pod_template_hash, strip_hash_label

if TYPE_CHECKING:
    from canarysim.sim.wiring import Wiring

__all__ = ["Operator", "kubectl_line"]


def kubectl_line(rollout: str, cmd: Command) -> str:
    """The command line a person would have typed for ``cmd``."""
    base = "kubectl argo rollouts"
    if isinstance(cmd, SetImage):
        return f"{base} set image {rollout} {cmd.container or '*'}={cmd.image}"
    if isinstance(cmd, Undo):
        to = f" --to-revision={cmd.to_revision}" if cmd.to_revision else ""
        return f"{base} undo {rollout}{to}"
    if isinstance(cmd, Scale):
        return f"kubectl scale rollout {rollout} --replicas={cmd.replicas}"
    if isinstance(cmd, Restart):
        return f"{base} restart {rollout}"
    if isinstance(cmd, Resume):
        # The plugin has no resume verb; unpausing spec.paused alone is a patch.
        return f'kubectl patch rollout {rollout} --type merge -p \'{{"spec":{{"paused":false}}}}\''
    verbs = {PromoteFull: "promote {} --full", Promote: "promote {}", Abort: "abort {}"}
    verbs |= {Retry: "retry rollout {}", PauseRollout: "pause {}"}
    return f"{base} " + verbs.get(type(cmd), type(cmd).__name__.lower() + " {}").format(rollout)


class Operator:
    """Plays the scenario's ``operator`` and ``faults`` lists in simulated time."""

    def __init__(self, world: Wiring) -> None:
        self.world = world
        self.env: simpy.Environment = world.env
        self.api = ApiServer(world, self._patch_rollout)
        scenario = world.scenario
        for action in scenario.operator:
            if isinstance(action, MarkPodsReady):
                self.env.process(self._mark_pods_ready(action))
            elif action.at is not None:
                self.env.process(self._at(float(action.at), self._command, action))
        for fault in scenario.faults:
            self.env.process(self._at(float(fault.at), self._fault, fault))
        conditional = [a for a in scenario.operator if a.at is None]
        if conditional:
            from canarysim.sim.conditions import Conditions

            Conditions(world, self.issue, conditional)

    def _at(self, at: float, fn: Any, arg: Any) -> Generator[simpy.Event, Any, None]:
        if at > self.env.now:
            yield self.env.timeout(at - self.env.now)
        fn(arg)

    # -- operator verbs ------------------------------------------------------------------
    def issue(self, action: Any) -> None:
        """Type ``action`` now (its ``at``/``when`` are replaced by the current time; a
        ``restart``'s ``after`` stays its ``--in``)."""
        keep = {"after": action.after} if action.do == "restart" else {"after": None}
        self._command(
            action.model_copy(update={"at": self.env.now, "when": None, "repeat": False, **keep})
        )

    def _command(self, action: Any) -> None:
        world = self.world
        if isinstance(action, ApplyObject):
            self.api.apply(action)
            return
        if isinstance(action, DeleteObject):
            self.api.delete(action)
            return
        if isinstance(action, PatchAction) and action.kind == "Deployment":
            self.api.patch_deployment(action)
            return
        if isinstance(action, PatchAction):
            self._patch(action)
            world.controller.wake()
            return
        cmd = to_command(action)
        name = world.plan.name
        if isinstance(cmd, SetImage) and not cmd.container:
            containers = (world.templates[world.plan.pod_template_hash].get("spec") or {}).get(
                "containers"
            ) or [{}]
            cmd = SetImage(image=cmd.image, container=str(containers[0].get("name", "")))
        world.recorder.event(
            self.env.now, "Normal", f"Rollout/{name}", "OperatorCommand", kubectl_line(name, cmd)
        )
        world.recorder.events[-1]["source"] = "operator"
        if isinstance(cmd, SetImage):
            self._set_image(cmd)
        elif isinstance(cmd, Undo):
            self._undo(cmd)
        else:
            plan = apply_spec_command(world.plan, cmd, self.env.now)
            if plan is not world.plan:
                world.set_plan(plan)
        if isinstance(cmd, Promote | PromoteFull | Abort | Retry):
            world.commands.append(cmd)
        world.controller.wake()

    def _set_image(self, cmd: SetImage) -> None:
        """``set image``: a new pod template, hence a new pod-template hash."""
        world = self.world
        # (a fresh copy as strip_hash_label leaves it: setting an image the containers already
        # name changes no key order and no label, so it is not stripped a second time)
        template = strip_hash_label(world.templates[world.plan.pod_template_hash])
        containers = (template.get("spec") or {}).get("containers") or []
        targets = [
            c
            for i, c in enumerate(containers)
            if cmd.container in ("*", c.get("name")) or (not cmd.container and i == 0)
        ]
        if not targets:
            world.warn(
                f"t={self.env.now:g}s: set image: no container {cmd.container!r} in the pod "
                "template; nothing changed"
            )
            return
        restrip = not isinstance(cmd.image, str) or not all(
            isinstance(c, dict) and "image" in c for c in targets
        )
        for c in targets:
            c["image"] = cmd.image
        self._new_template(strip_hash_label(template) if restrip else template)

    def _undo(self, cmd: Undo) -> None:
        """``undo``: the template of the given (default: previous) revision comes back."""
        world = self.world
        rss = world.cluster.replica_sets_of(world.plan.name)
        current = next((rs for rs in rss if rs.hash == world.plan.pod_template_hash), None)
        candidates = [rs for rs in rss if rs is not current]
        if cmd.to_revision is not None:
            target = next((rs for rs in candidates if rs.revision == cmd.to_revision), None)
        else:
            older = [rs for rs in candidates if current is None or rs.revision < current.revision]
            target = max(older, key=lambda rs: rs.revision, default=None)
        if target is None:
            world.warn(f"t={self.env.now:g}s: undo: unable to find the revision to roll back to")
            return
        self._new_template(strip_hash_label(target.template))

    def _patch(self, action: PatchAction) -> None:
        """``kubectl patch rollout``."""
        name = self.world.plan.name
        text = json.dumps(action.patch, separators=(",", ":"))
        line = f"kubectl patch rollout {name} --type {action.type} -p '{text}'"
        self._patch_rollout(action.patch, action.type, line)

    def _patch_rollout(
        self, patch: Any, patch_type: str, line: str, source: str = "kubectl patch"
    ) -> None:
        """The patched Rollout as the API server would store it becomes the plan (a changed
        ``spec.template`` is a new pod-template hash). What other verbs changed without
        editing the manifest (replicas, paused, restartAt) stays unless the patch sets it. A
        patch the API server would refuse changes nothing (a warning)."""
        world = self.world
        now = self.env.now
        name = world.plan.name
        world.recorder.event(now, "Normal", f"Rollout/{name}", "OperatorCommand", line)
        world.recorder.events[-1]["source"] = "operator"
        old = world.rollout_manifest
        try:
            rollout = patched_rollout(
                old, patch, patch_type, namespace=world.namespace, file=source
            )
            new_raw = copy.deepcopy(rollout.raw)
            # a workloadRef's template is the Deployment's (a Rollout that no longer resolves
            # keeps the template it had: the controller reports InvalidSpec)
            res = resolve_workload_ref(rollout, world.objects)
            spec = (res.rollout.raw if res.resolved else new_raw).get("spec") or {}
            template = strip_hash_label(spec.get("template") or {})
            if rollout.spec.workload_ref is not None and not res.resolved:
                template = world.templates[world.plan.pod_template_hash]
            new_hash = pod_template_hash(template)
            before, after = old.get("spec") or {}, new_raw.get("spec") or {}
            plan = world.plan

            def kept(key: str, current: Any) -> Any:
                return after.get(key) if before.get(key) != after.get(key) else current

            replicas = kept("replicas", plan.replicas)
            new_plan = to_plan(
                rollout,
                pod_template_hash=new_hash,
                generation=plan.generation + 1,
                replicas=1 if replicas is None else int(replicas),
                paused=bool(kept("paused", plan.paused)),
                restart_at=plan.restart_at,
            )
        except ScenarioError as exc:
            world.warn(f"t={now:g}s: {line}: refused: {exc}")
            return
        if before == after:
            return  # "patched (no change)": the generation stays
        world.templates.setdefault(new_hash, template)
        old.clear()
        old.update(new_raw)
        world.set_plan(new_plan)
        world.controller.wake()

    def _new_template(self, template: dict[str, Any]) -> None:
        world = self.world
        new_hash = pod_template_hash(template)
        if new_hash == world.plan.pod_template_hash:
            return
        world.templates.setdefault(new_hash, template)
        # The Rollout object now carries this template (AnalysisRun args may read it).
        world.rollout_manifest.setdefault("spec", {})["template"] = copy.deepcopy(template)
        world.set_plan(
            replace(world.plan, pod_template_hash=new_hash, generation=world.plan.generation + 1)
        )

    def _mark_pods_ready(self, action: MarkPodsReady) -> Generator[simpy.Event, Any, None]:
        """Argo's e2e ``MarkPodsReady``: once a second, the readiness condition on pods of the
        revision that lack it (name order), until ``count`` pods were marked."""
        world = self.world
        if action.at > self.env.now:
            yield self.env.timeout(float(action.at) - self.env.now)
        left = action.count
        while left > 0:
            for rs in world.cluster.replica_sets_of(world.plan.name):
                if rs.revision != action.revision:
                    continue
                condition = action.condition or next(iter(readiness_gates(rs.template)), "")
                for pod in sorted(rs.active_pods(), key=lambda p: p.name):
                    if left == 0 or not condition or condition in pod.conditions:
                        continue
                    world.recorder.event(
                        self.env.now,
                        "Normal",
                        f"Pod/{pod.name}",
                        "OperatorCommand",
                        f"kubectl patch pod {pod.name} --subresource=status "
                        f"(condition {condition}: True)",
                    )
                    world.recorder.events[-1]["source"] = "operator"
                    world.cluster.set_pod_condition(pod, condition, True)
                    left -= 1
            if left > 0:
                yield self.env.timeout(1.0)

    # -- faults --------------------------------------------------------------------------
    def _fault(self, fault: Any) -> None:
        world = self.world
        now = self.env.now

        def announce(obj: str, message: str) -> None:
            world.recorder.event(now, "Warning", obj, "FaultInjected", message)
            world.recorder.events[-1]["source"] = "fault"

        if isinstance(fault, KillPod):
            victims = self._pods_for(fault.target)
            if not victims:
                world.warn(f"t={now:g}s: killPod {fault.target!r}: no such pod")
                return
            count = min(fault.count, len(victims))
            chosen = world.streams["faults"].choice(len(victims), size=count, replace=False)
            for i in sorted(int(i) for i in chosen):
                announce(f"Pod/{victims[i].name}", "pod killed")
                world.cluster.kill_pod(victims[i].name)
        elif isinstance(fault, KillNode):
            announce(f"Node/{fault.node}", "node lost")
            world.cluster.kill_node(fault.node)
            if fault.down_for is not None:
                self.env.process(self._restore(fault.node, float(fault.down_for)))
        elif isinstance(fault, ErrorSpike):
            who = fault.image or "every version"
            announce(
                f"Rollout/{world.plan.name}",
                f"error rate of {who} at {fault.error_rate:g} for {fault.duration:g}s",
            )

    def _restore(self, node: str, after: float) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(after)
        self.world.cluster.restore_node(node)
        self.world.recorder.event(
            self.env.now, "Normal", f"Node/{node}", "NodeReady", "node restored"
        )

    def _pods_for(self, target: str) -> list[Any]:
        world = self.world
        status = world.controller.status
        rss = world.cluster.replica_sets_of(world.plan.name)
        if target in ("canary", "stable"):
            want = status.current_pod_hash if target == "canary" else status.stable_rs
            if target == "canary" and want == status.stable_rs:
                return []  # fully promoted: there is no canary
            rss = [rs for rs in rss if rs.hash == want]
            pods = [p for rs in rss for p in rs.active_pods()]
        elif target == "any":
            pods = [p for rs in rss for p in rs.active_pods()]
        else:
            pods = [p for p in world.cluster.pods.values() if p.name == target and p.active]
        return sorted(pods, key=lambda p: p.name)
