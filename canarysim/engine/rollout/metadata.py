"""Ephemeral metadata: ``canaryMetadata`` and ``stableMetadata`` follow the pods' role.

Argo's ``rollout/ephemeralmetadata.go`` (``reconcileEphemeralMetadata``): while an update is
in progress the new ReplicaSet carries the canary metadata and the stable ReplicaSet the
stable metadata; once fully rolled out the new ReplicaSet (now stable) carries the stable
metadata; every other ReplicaSet carries none. The world applies each
:class:`~canarysim.engine.model.SyncEphemeralMetadata` to the ReplicaSet's template and its
pods (``SyncReplicaSetEphemeralPodMetadata``), which is idempotent, so it is emitted on
every reconcile in which metadata is configured, as Argo syncs on every reconcile.
"""

from __future__ import annotations

from canarysim.engine.model import Plan, PodMetadata, ReplicaSetView, SyncEphemeralMetadata
from canarysim.engine.rollout.context import Context

__all__ = ["creation_metadata", "reconcile_ephemeral_metadata"]


def _configured(plan: Plan) -> bool:
    """``hasEphemeralMetadataConfigured``."""
    return plan.canary_metadata is not None or plan.stable_metadata is not None


def creation_metadata(ctx: Context) -> PodMetadata | None:
    """What a new ReplicaSet is created with (``rollout/sync.go::createDesiredReplicaSet``):
    the canary metadata when a different stable ReplicaSet exists, else the stable one (a
    brand-new rollout's first ReplicaSet will become stable)."""
    if ctx.stable_rs is not None:
        return ctx.plan.canary_metadata
    return ctx.plan.stable_metadata


def reconcile_ephemeral_metadata(ctx: Context) -> None:
    """``reconcileEphemeralMetadata``, run after the restarter and before revision history."""
    plan = ctx.plan
    if not _configured(plan) or ctx.new_rs is None:
        return
    status = ctx.status
    fully_rolled_out = not status.stable_rs or status.stable_rs == ctx.new_rs.hash

    def sync(rs: ReplicaSetView | None, metadata: PodMetadata | None) -> None:
        if rs is not None:
            ctx.actions.append(SyncEphemeralMetadata(rs.hash, metadata))

    if fully_rolled_out:
        sync(ctx.new_rs, plan.stable_metadata)
    else:
        sync(ctx.new_rs, plan.canary_metadata)
        sync(ctx.stable_rs, plan.stable_metadata)
    for rs in ctx.other_rss:
        sync(rs, None)
