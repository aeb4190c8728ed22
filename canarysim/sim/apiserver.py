"""``kubectl apply`` and ``kubectl delete`` mid-run: the cluster's objects change, and the
parts that hold them (the cluster's Services and budgets, the analysis runtime's templates
and Secrets, the Rollout) see the change as a real cluster's would.

What wakes the Rollout controller is what an informer of Argo's would deliver: an edited
Rollout does (its update event), so do a referenced VirtualService or Ingress and a created
or re-generated Deployment its workloadRef names; a created or deleted AnalysisTemplate,
Service, Secret, PodDisruptionBudget or DestinationRule does not (``rollout/controller.go``
registers no handler for templates; ``service/service.go::syncService`` enqueues a Rollout
only for a Service it already manages, and returns on NotFound). The controller re-validates
the Rollout against the objects at its next reconcile, which an invalid Rollout has every
20 s (``enqueueRolloutAfter``): a template that appears clears the InvalidSpec condition
there, a referenced one deleted raises it.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from canarysim.declarations.apply import (
    apply_patch_for,
    patched_deployment,
    remove_object,
    store_object,
)
from canarysim.declarations.scenario.actions import ApplyObject, DeleteObject, PatchAction
from canarysim.errors import ScenarioError

if TYPE_CHECKING:
    from canarysim.sim.wiring import Wiring

__all__ = ["ApiServer"]


class ApiServer:
    """Applies and deletes objects for the operator (``world.objects`` is the truth)."""

    def __init__(self, world: Wiring, patch_rollout: Any) -> None:
        self.world = world
        #: ``(patch, type, command line, source)`` -> None: how an edited Rollout is patched.
        self._patch_rollout = patch_rollout
        #: ``kubectl.kubernetes.io/last-applied-configuration`` of the Rollout. Never edited
        #: in place (read through a copy, replaced whole), so the loaded manifest serves as is.
        self.last_applied: dict[str, Any] = world.scenario.rollout.raw

    def _announce(self, obj: str, line: str) -> None:
        world = self.world
        world.recorder.event(world.env.now, "Normal", obj, "OperatorCommand", line)
        world.recorder.events[-1]["source"] = "operator"

    # -- apply -----------------------------------------------------------------------------
    def apply(self, action: ApplyObject) -> None:
        world = self.world
        source = action.file if action.file is not None else "-"
        objects = action.objects
        if objects and objects[0].kind != "Rollout":
            first = objects[0]
            self._announce(f"{first.kind}/{first.name}", f"kubectl apply -f {source}")
        for obj in objects:
            if obj.kind == "Rollout":
                self._apply_rollout(obj.raw, f"kubectl apply -f {source}")
                continue
            created = store_object(world.objects, obj)
            world.bump_objects()
            self._sync(obj.kind, obj.name, obj.namespace or world.namespace, obj.raw, created)

    def _apply_rollout(self, raw: dict[str, Any], line: str) -> None:
        """An edited Rollout: ``kubectl apply`` patches what changed since the last applied
        manifest (a changed template is a new revision, as with ``patch``)."""
        new = copy.deepcopy(raw)
        new.setdefault("metadata", {})["namespace"] = self.world.namespace
        last = copy.deepcopy(self.last_applied)
        last.setdefault("metadata", {})["namespace"] = self.world.namespace
        patch = apply_patch_for(last, new)
        self.last_applied = copy.deepcopy(raw)
        self._patch_rollout(patch, "merge", line, "kubectl apply")

    def _sync(self, kind: str, name: str, namespace: str, raw: Any, created: bool) -> None:
        """The part that holds objects of ``kind`` takes ``raw`` (None: deleted)."""
        world = self.world
        if kind in ("AnalysisTemplate", "ClusterAnalysisTemplate"):
            cluster = kind == "ClusterAnalysisTemplate"
            if cluster or namespace == world.namespace:
                world.analysis.set_template(name, raw, cluster=cluster)
                world.experiments.analysis_objects_changed()
        elif namespace != world.namespace:
            return  # only the Rollout's namespace is simulated
        elif kind == "Service":
            self._sync_service(name, raw, created)
        elif kind == "PodDisruptionBudget":
            budgets = world.cluster.budgets
            if raw is None:
                budgets.delete(name)
            else:
                budgets.budgets[name] = raw
        elif kind in ("VirtualService", "DestinationRule", "Ingress"):
            if world.mesh.apply_object(kind, raw):
                world.controller.wake()
        elif kind == "Deployment":
            self._sync_deployment(name, created)
        elif kind == "Secret":
            obj = None if raw is None else next(
                (s for s in world.objects.secrets if s.name == name and s.namespace == namespace),
                None,
            )  # fmt: skip
            world.analysis.set_secret(name, None if obj is None else obj.values())
            world.experiments.analysis_objects_changed()

    def _sync_deployment(
        self, name: str, created: bool, *, set_replicas: bool | None = None
    ) -> None:
        """The Deployment controller takes the change; the Rollout controller hears of it
        when the Rollout references it (Argo's Deployment informer patches the Rollout's
        ``workload-generation`` annotation on add, and on an update that bumped the
        generation: ``rollout/templateref.go::updateRolloutsReferenceAnnotation``)."""
        world = self.world
        obj = next(
            (
                d
                for d in world.objects.deployments
                if d.name == name and d.namespace == world.namespace
            ),
            None,
        )
        workloads = world.workloads
        before = workloads.by_name.get(name)
        generation = None if before is None else before.generation
        if obj is None:
            workloads.delete(name)
            return  # DeleteFunc: the annotation keeps its generation, no Rollout update
        live = workloads.configure(obj, set_replicas=set_replicas)
        if live.generation == generation and not created:
            return
        ref = (world.rollout_manifest.get("spec") or {}).get("workloadRef") or {}
        if isinstance(ref, dict) and ref.get("kind") == "Deployment" and ref.get("name") == name:
            world.controller.wake()

    def _sync_service(self, name: str, raw: Any, created: bool) -> None:
        """The data plane sees the Service (or its absence) at once; the Rollout controller
        is not woken. An applied edit keeps the ``rollouts-pod-template-hash`` selector Argo
        injected (it is in neither the last applied nor the new manifest)."""
        world = self.world
        cluster = world.cluster
        if raw is None:
            cluster.services.by_name.pop(name, None)
            cluster.feed.record(f"Service/{name}", "deleted", True, informer=False)
        else:
            old = cluster.services.by_name.get(name)
            svc = cluster.services.add(copy.deepcopy(raw), informer=False)
            if old is not None and not created:
                from canarysim.sim.cluster.templatehash import POD_TEMPLATE_HASH_LABEL

                injected = (old.selector or {}).get(POD_TEMPLATE_HASH_LABEL)
                if injected is not None:
                    svc.selector = {**(svc.selector or {}), POD_TEMPLATE_HASH_LABEL: injected}
        world.flow.route_change()

    # -- patch of another object -----------------------------------------------------------
    def patch_deployment(self, action: PatchAction) -> None:
        """``kubectl patch deployment NAME``: the patched Deployment replaces the live one
        (the Deployment controller and, for a workloadRef, the Rollout see the change as
        with ``apply``). A missing Deployment or a patch the API server would refuse changes
        nothing (a warning, as kubectl's error)."""
        import json

        world = self.world
        name = action.name or ""
        text = json.dumps(action.patch, separators=(",", ":"))
        line = f"kubectl patch deployment {name} --type {action.type} -p '{text}'"
        self._announce(f"Deployment/{name}", line)
        live = next(
            (d for d in world.objects.deployments if d.name == name),
            None,
        )
        if live is None:
            world.warn(f't={world.env.now:g}s: {line}: deployments.apps "{name}" not found')
            return
        try:
            obj = patched_deployment(
                live, action.patch, action.type, namespace=world.namespace, file="kubectl patch"
            )
        except ScenarioError as exc:
            world.warn(f"t={world.env.now:g}s: {line}: refused: {exc}")
            return
        if obj.raw == live.raw:
            return  # "patched (no change)"
        # the live object's replicas (what Argo scaled it to) stay unless the patch sets them
        old_replicas = (live.raw.get("spec") or {}).get("replicas")
        new_replicas = (obj.raw.get("spec") or {}).get("replicas")
        store_object(world.objects, obj)
        world.bump_objects()
        self._sync_deployment(name, False, set_replicas=new_replicas != old_replicas)

    # -- delete ----------------------------------------------------------------------------
    def delete(self, action: DeleteObject) -> None:
        """``kubectl delete KIND NAME``."""
        world = self.world
        self._announce(
            f"{action.kind}/{action.name}", f"kubectl delete {action.kind.lower()} {action.name}"
        )
        gone = remove_object(world.objects, action.kind, action.name, world.namespace)
        if gone is None:
            world.warn(
                f"t={world.env.now:g}s: delete: no {action.kind} {action.name!r} in the cluster"
            )
            return
        world.bump_objects()
        self._sync(action.kind, action.name, world.namespace, None, False)
