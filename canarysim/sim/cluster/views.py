"""A ReplicaSet as the engine and the Result see it, kept while it does not change.

The controller observes every ReplicaSet on every reconcile and the recording snapshots
them at every instant that changed something, though a ReplicaSet mostly did not change in
between. Both objects are immutable, so the last one is handed out again while the fields
it is read from are equal (annotations compared as written, before parsing).
"""

from __future__ import annotations

from canarysim.engine.model import ReplicaSetView
from canarysim.engine.model.fastinit import frozen_dict_init
from canarysim.result import ReplicaSetSnapshot
from canarysim.sim.cluster.replicasets import (
    DESIRED_REPLICAS_ANNOTATION,
    REVISION_ANNOTATION,
    SCALE_DOWN_DEADLINE_ANNOTATION,
    ReplicaSet,
)

__all__ = ["engine_view", "result_snapshot"]


def engine_view(rs: ReplicaSet) -> ReplicaSetView:
    """``ReplicaSetView(**rs.view())``."""
    g = rs.group
    annotations = rs.annotations
    seen = (
        rs.hash,
        rs.replicas,
        g.replicas,
        g.ready,
        g.available,
        rs.created,
        annotations.get(REVISION_ANNOTATION),
        annotations.get(SCALE_DOWN_DEADLINE_ANNOTATION),
        annotations.get(DESIRED_REPLICAS_ANNOTATION),
        g.active_created(),
    )
    viewed = rs.viewed
    if viewed is not None and viewed[0] == seen:
        view: ReplicaSetView = viewed[1]
        return view
    view = ReplicaSetView(**rs.view())
    rs.viewed = (seen, view)
    return view


def result_snapshot(rs: ReplicaSet, role: str) -> ReplicaSetSnapshot:
    """``rs.snapshot(pod_snapshots=True)`` as the Result's ``ReplicaSetSnapshot`` with
    *role*."""
    g = rs.group
    pods = g.snapshots()
    annotations = rs.annotations
    seen = (
        role,
        rs.name,
        rs.hash,
        rs.template,  # (the image is read off it: the same object, or an equal one)
        rs.replicas,
        g.replicas,
        g.ready,
        g.available,
        rs.created,
        annotations.get(REVISION_ANNOTATION),
        annotations.get(SCALE_DOWN_DEADLINE_ANNOTATION),
        pods,
    )
    shown = rs.shown
    if shown is not None and shown[0] == seen:
        kept: ReplicaSetSnapshot = shown[1]
        return kept
    st = rs.status
    # ``ReplicaSetSnapshot(...)``, filled through its ``__dict__`` (equal, equally frozen)
    snap: ReplicaSetSnapshot = object.__new__(ReplicaSetSnapshot)
    _fill_snapshot(
        snap,
        name=rs.name,
        hash=rs.hash,
        revision=rs.revision,
        role=role,
        image=rs.image,
        desired=rs.replicas,
        current=st.replicas,
        ready=st.ready,
        available=st.available,
        created=rs.created,
        scale_down_at=rs.scale_down_at,
        pods=pods,
    )
    rs.shown = (seen, snap)
    return snap


_fill_snapshot = frozen_dict_init(ReplicaSetSnapshot)
