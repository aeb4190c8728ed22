"""``reconcileEphemeralMetadata`` (rollout/ephemeralmetadata.go), pinned where the mutation
run of ``engine/rollout/metadata.py`` asked: which ReplicaSet carries which metadata, in order.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_steps_world import H1, H2, H3, NOW, make_plan, make_status, rs

from canarysim.engine.model import Observation, PodMetadata, SyncEphemeralMetadata
from canarysim.engine.rollout.context import Context
from canarysim.engine.rollout.metadata import reconcile_ephemeral_metadata

CANARY = PodMetadata(labels=(("role", "canary"),))
STABLE = PodMetadata(labels=(("role", "stable"),))

ROWS: list[
    tuple[
        str,
        PodMetadata | None,
        PodMetadata | None,
        str,
        tuple[str, ...],
        list[SyncEphemeralMetadata],
    ]
] = [
    ("none configured", None, None, H1, (H1, H2), []),
    (
        "update in progress",
        CANARY,
        STABLE,
        H1,
        (H1, H2, H3),
        [
            SyncEphemeralMetadata(H2, CANARY),
            SyncEphemeralMetadata(H1, STABLE),
            SyncEphemeralMetadata(H3, None),
        ],
    ),
    (
        "fully rolled out",
        CANARY,
        STABLE,
        H2,
        (H1, H2),
        [SyncEphemeralMetadata(H2, STABLE), SyncEphemeralMetadata(H1, None)],
    ),
    ("no stable yet", CANARY, STABLE, "", (H2,), [SyncEphemeralMetadata(H2, STABLE)]),
    ("no new ReplicaSet yet", CANARY, STABLE, H1, (H1,), []),
    (
        "canary metadata only",
        CANARY,
        None,
        H1,
        (H1, H2),
        [SyncEphemeralMetadata(H2, CANARY), SyncEphemeralMetadata(H1, None)],
    ),
    (
        "stable metadata only",
        None,
        STABLE,
        H1,
        (H1, H2),
        [SyncEphemeralMetadata(H2, None), SyncEphemeralMetadata(H1, STABLE)],
    ),
    (
        "stable ReplicaSet gone",
        CANARY,
        STABLE,
        H1,
        (H2,),
        [SyncEphemeralMetadata(H2, CANARY)],
    ),
]


@pytest.mark.parametrize(
    ("canary", "stable", "stable_rs", "hashes", "expect"),
    [r[1:] for r in ROWS],
    ids=[r[0] for r in ROWS],
)
def test_ephemeral_metadata_follows_the_role(
    canary: PodMetadata | None,
    stable: PodMetadata | None,
    stable_rs: str,
    hashes: tuple[str, ...],
    expect: list[SyncEphemeralMetadata],
) -> None:
    """In progress: the new ReplicaSet carries the canary metadata and the stable one the
    stable metadata; fully rolled out (or no stable yet): the new one carries the stable
    metadata; every other ReplicaSet none; nothing without metadata or a new ReplicaSet."""
    plan = make_plan(replicas=10, canary_metadata=canary, stable_metadata=stable)
    status = make_status(plan, stable=stable_rs)
    views = tuple(replace(rs(h, 5), rollout_replicas=10) for h in hashes)
    ctx = Context(plan, status, Observation(now=NOW, replica_sets=views))
    reconcile_ephemeral_metadata(ctx)
    assert ctx.actions == expect
