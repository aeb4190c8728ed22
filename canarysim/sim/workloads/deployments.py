"""The Deployment a Rollout's workloadRef names, run as the Kubernetes Deployment controller
would (see the room's doc).

Its ReplicaSet is ``<deployment>-<hash>``, owned by the Deployment (``Deployment/<name>`` in
the cluster's owner field, so the Rollout never counts it as its own), its pods labelled
``pod-template-hash``: a Service that selects the template's labels reaches them until Argo
injects ``rollouts-pod-template-hash`` into its selector. Its hash differs from the
Rollout's for the same template (see :func:`deployment_hash`); its traffic counts as stable.

Its changes wake no Rollout controller (Argo's ReplicaSet informer enqueues only the owning
Rollout); the world tells the traffic flow of them instead (endpoints change).

Pods that existed before the run (the Deployment was there before the Rollout) are Running
and Ready when the clock starts. A scale writes ``spec.replicas`` and the Deployment
controller's ``ScalingReplicaSet`` event (``Scaled up/down replica set <rs> from <a> to
<b>``); an edited template gets a new ReplicaSet with all the replicas, the old one scaled to
0 at once (a simplification of the Deployment's RollingUpdate: only relevant while the
Deployment still runs pods, i.e. ``scaleDown: never`` or before the Rollout is Healthy).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from canarysim.declarations.manifests.workloads import Deployment
from canarysim.sim.cluster.cluster import Cluster
from canarysim.sim.cluster.replicasets import ReplicaSet
from canarysim.sim.cluster.services import DEPLOYMENT_HASH_LABEL
from canarysim.sim.cluster.templatehash import (
    canonical_json,
    fnv1a_32,
    safe_encode,
    strip_hash_label,
)

__all__ = ["Deployments", "LiveDeployment"]


@dataclass
class LiveDeployment:
    """One Deployment as the API server and its controller hold it."""

    name: str
    template: dict[str, Any]
    selector: dict[str, str] | None
    replicas: int
    generation: int = 1
    applied_replicas: int = 0
    """``spec.replicas`` of the last applied manifest (``kubectl apply`` patches only what
    changed since: a count Argo wrote stays unless the file's count changed)."""
    replica_sets: list[ReplicaSet] = field(default_factory=list)

    @property
    def current(self) -> ReplicaSet | None:
        return self.replica_sets[-1] if self.replica_sets else None


def _selector(obj: Deployment) -> dict[str, str] | None:
    sel = obj.spec.selector
    return dict(sel.match_labels) if sel is not None and sel.match_labels else None


def deployment_hash(template: dict[str, Any]) -> str:
    """The Deployment's ``pod-template-hash``. Kubernetes hashes the template with
    ``DeepHashObject`` (a printout of the Go struct), Argo with FNV over its JSON
    (``utils/hash``): the two differ for the same template, so the Rollout's ReplicaSet never
    takes the Deployment's name. canarysim keeps them apart the same way (FNV over the JSON
    after a ``Deployment`` prefix), without reproducing Kubernetes' exact digits."""
    return safe_encode(str(fnv1a_32(b"Deployment" + canonical_json(template))))


class Deployments:
    """The run's Deployments (only the namespace of the Rollout is simulated)."""

    def __init__(
        self, cluster: Cluster, recorder_event: Any, on_change: Callable[[], None] | None = None
    ) -> None:
        self.cluster = cluster
        self._event = recorder_event
        self.by_name: dict[str, LiveDeployment] = {}
        if on_change is not None:
            # no controller hears of its ReplicaSets, but the Services that select its pods
            # do: ``on_change`` (the traffic flow's replan) on each of their changes
            feed = cluster.feed
            cluster.subscribe(lambda c: on_change() if c.object in feed.unwatched else None)

    @classmethod
    def existing(
        cls,
        cluster: Cluster,
        deployments: list[Deployment],
        recorder_event: Any,
        *,
        on_change: Callable[[], None] | None = None,
    ) -> Deployments:
        """The run's Deployments as the scenario declares them, created before the clock
        (their pods Ready from the start)."""
        out = cls(cluster, recorder_event, on_change)
        for obj in deployments:
            out.create(obj, existed_before=True)
        return out

    # -- the API server's side -------------------------------------------------------------
    def create(self, obj: Deployment, *, existed_before: bool) -> LiveDeployment:
        """A Deployment created (``existed_before``: before the clock started, its pods
        Ready then)."""
        live = LiveDeployment(
            obj.name,
            strip_hash_label(obj.raw.get("spec", {}).get("template") or {}),
            _selector(obj),
            obj.replicas,
            applied_replicas=obj.replicas,
        )
        self.by_name[obj.name] = live
        self._new_replica_set(live, warm=existed_before)
        return live

    def configure(self, obj: Deployment, *, set_replicas: bool | None = None) -> LiveDeployment:
        """``kubectl apply`` of an edited Deployment: a spec change bumps the generation; a
        new template gets a new ReplicaSet (with the live count); a ``replicas`` that
        changed in the file rescales. ``set_replicas`` (a patch): whether the patch changed
        ``replicas`` (then the live count follows it), instead of comparing with the file."""
        live = self.by_name.get(obj.name)
        if live is None:
            return self.create(obj, existed_before=False)
        template = strip_hash_label(obj.raw.get("spec", {}).get("template") or {})
        changed = False
        rescale = obj.replicas != live.applied_replicas if set_replicas is None else set_replicas
        if rescale:
            if set_replicas is None:
                live.applied_replicas = obj.replicas
            self.scale(obj.name, obj.replicas)
            changed = True
        if template != live.template:
            live.template = template
            old = list(live.replica_sets)
            self._new_replica_set(live, warm=False)
            for rs in old:
                self._scale_rs(live, rs, 0)
            changed = True
        if changed:
            live.generation += 1
        return live

    def delete(self, name: str) -> None:
        """``kubectl delete deployment``: its ReplicaSets and pods go (garbage collection)."""
        live = self.by_name.pop(name, None)
        if live is None:
            return
        for rs in live.replica_sets:
            if not rs.deleted:
                self.cluster.delete_replica_set(rs)

    def scale(self, name: str, replicas: int) -> None:
        """``spec.replicas := replicas`` (Argo's ``scaleDeployment``, a user's edit)."""
        live = self.by_name.get(name)
        if live is None or replicas == live.replicas:
            return
        live.replicas = replicas
        rs = live.current
        if rs is not None and not rs.deleted:
            self._scale_rs(live, rs, replicas)

    def replicas(self, name: str) -> int | None:
        live = self.by_name.get(name)
        return None if live is None else live.replicas

    def all_replica_sets(self) -> list[ReplicaSet]:
        return [rs for d in self.by_name.values() for rs in d.replica_sets if not rs.deleted]

    # -- the Deployment controller ---------------------------------------------------------
    def _new_replica_set(self, live: LiveDeployment, *, warm: bool) -> None:
        h = deployment_hash(live.template)
        # the Rollout's informers ignore a ReplicaSet it does not own (no wake-up)
        self.cluster.feed.unwatched.add(f"ReplicaSet/{live.name}-{h}")
        rs = self.cluster.create_replica_set(
            f"Deployment/{live.name}",
            live.template,
            revision=len(live.replica_sets) + 1,
            selector=live.selector,
            name=f"{live.name}-{h}",
            hash_label=DEPLOYMENT_HASH_LABEL,
        )
        live.replica_sets.append(rs)
        if warm and live.replicas:
            # created before the clock: bound, pulled and Ready at once (see Cluster.warm_until)
            before = self.cluster.warm_until
            if before is None or self.cluster.env.now >= before:
                self.cluster.warm_until = math.nextafter(self.cluster.env.now, math.inf)
            self.cluster.scale(rs, live.replicas)
            self.cluster.warm_until = before
        else:
            self._scale_rs(live, rs, live.replicas)

    def _scale_rs(self, live: LiveDeployment, rs: ReplicaSet, replicas: int) -> None:
        before = rs.replicas
        if before == replicas:
            return
        self.cluster.scale(rs, replicas)
        way = "up" if replicas > before else "down"
        self._event(
            "Normal",
            f"Deployment/{live.name}",
            "ScalingReplicaSet",
            f"Scaled {way} replica set {rs.name} from {before} to {replicas}",
        )
