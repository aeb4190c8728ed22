"""``canaryMetadata`` / ``stableMetadata``: labels and annotations that follow the pods' role.

Replays upstream ``test/e2e/canary_test.go::TestEphemeralMetadata`` (pods
carry the stable metadata from the start, revision 2 the canary metadata while paused, and the
stable metadata once promoted; then the canary and the stable metadata patched mid-run, each
change on the pods a second later), reading pods in the world as ``kubectl get pods`` would, and
checks ``SyncReplicaSetEphemeralPodMetadata``'s rules (``utils/replicaset/canary.go``): only
keys Argo injected are ever removed.
"""

from __future__ import annotations

from fidelitykit import op, routed, set_image
from worldkit import write_scenario

from canarysim.sim.cluster.metadata import (
    EPHEMERAL_METADATA_ANNOTATION,
    sync_pod_metadata,
    without_ephemeral_metadata,
)
from canarysim.sim.world import World

CANARY = {"labels": {"role": "canary"}}
STABLE = {"labels": {"role": "stable"}, "annotations": {"team": "blue"}}


def _world(tmp_path, operator):
    manifests = routed(
        [{"setWeight": 50}, {"pause": {}}],
        replicas=2,
        canaryMetadata=CANARY,
        stableMetadata=STABLE,
    )
    return World.build(write_scenario(tmp_path, manifests=manifests, operator=operator))


def _roles(world, revision):
    rs = next(r for r in world.cluster.replica_sets_of("app") if r.revision == revision)
    return [p.labels.get("role") for p in rs.active_pods()], rs


def test_pods_follow_their_role(tmp_path):
    world = _world(tmp_path, [set_image("1m"), op("3m", "promote")])
    world.run(until=50)
    roles, rs1 = _roles(world, 1)
    assert roles == ["stable", "stable"]
    assert all(p.annotations.get("team") == "blue" for p in rs1.active_pods())
    assert rs1.annotations[EPHEMERAL_METADATA_ANNOTATION] == (
        '{"annotations":{"team":"blue"},"labels":{"role":"stable"}}'
    )

    world.run(until=170)
    assert world.collect().final.phase == "Paused"
    roles2, rs2 = _roles(world, 2)
    assert roles2 == ["canary"]
    assert all("team" not in p.annotations for p in rs2.active_pods())
    assert _roles(world, 1)[0] == ["stable", "stable"]

    world.run(until=290)
    assert world.collect().final.phase == "Healthy"
    roles2, rs2 = _roles(world, 2)
    assert roles2 == ["stable", "stable"]
    assert all(p.annotations.get("team") == "blue" for p in rs2.active_pods())
    # The old stable has 0 replicas now: its template loses the metadata, its pods are gone.
    _, rs1 = _roles(world, 1)
    assert rs1.replicas == 0
    assert EPHEMERAL_METADATA_ANNOTATION not in rs1.annotations
    assert "role" not in rs1.template["metadata"]["labels"]


def test_a_reused_replica_set_takes_the_role_metadata_again(tmp_path):
    """Going back to revision 1's template reuses its ReplicaSet (found by its hash), which
    becomes the canary and then, promoted, the stable again."""
    world = _world(
        tmp_path,
        [set_image("1m"), op("3m", "promote"), set_image("6m", "app:v1"), op("8m", "promote")],
    )
    world.run(until=600)
    revisions = sorted(rs.revision for rs in world.cluster.replica_sets_of("app"))
    assert revisions == [2, 3]  # revision 1's ReplicaSet came back as revision 3
    roles, _ = _roles(world, 3)
    assert roles == ["stable", "stable"]


def test_sync_touches_only_what_it_injected():
    labels = {"app": "x", "role": "canary", "sidecar": "istio"}
    existing = {"labels": {"role": "canary", "old": "y"}}
    out, ann, modified = sync_pod_metadata(labels, {}, existing, {"labels": {"role2": "c2"}})
    assert modified
    assert out == {"app": "x", "sidecar": "istio", "role2": "c2"}
    assert ann == {}
    same = sync_pod_metadata(out, {}, {"labels": {"role2": "c2"}}, {"labels": {"role2": "c2"}})
    assert same == (out, {}, False)
    # Removing everything Argo injected (the metadata was deleted from the Rollout).
    cleared, _, modified = sync_pod_metadata(out, {}, {"labels": {"role2": "c2"}}, None)
    assert modified and cleared == {"app": "x", "sidecar": "istio"}


def test_comparing_templates_takes_the_injected_metadata_out():
    """FindNewReplicaSet's last resort compares a ReplicaSet with the Rollout's template after
    SyncReplicaSetEphemeralPodMetadata(rs, nil)."""
    template = {"metadata": {"labels": {"app": "x", "role": "canary"}}, "spec": {}}
    annotations = {EPHEMERAL_METADATA_ANNOTATION: '{"labels":{"role":"canary"}}'}
    stripped = without_ephemeral_metadata(template, annotations)
    assert stripped == {"metadata": {"labels": {"app": "x"}}, "spec": {}}
    assert without_ephemeral_metadata(template, {}) is template


def _labels(world, revision):
    rs = next(r for r in world.cluster.replica_sets_of("app") if r.revision == revision)
    return [dict(p.labels) for p in rs.active_pods()]


def test_ephemeral_metadata_patched_mid_run_replay(tmp_path):
    """The second half of upstream ``TestEphemeralMetadata``: paused at 50 %, the e2e suite's
    ``PatchSpec`` (a strategic merge of the Rollout) drops ``role`` and adds ``role2`` to the
    canary metadata; a second later revision 2's pods carry ``role2: canary2`` and no
    ``role``. Promoted, they carry the stable metadata; patching that the same way, a second
    later they carry ``role2: stable2`` and no ``role``."""
    canary2 = {"spec": {"strategy": {"canary": {"canaryMetadata": {"labels": {
        "role": None, "role2": "canary2"}}}}}}  # fmt: skip
    stable2 = {"spec": {"strategy": {"canary": {"stableMetadata": {"labels": {
        "role": None, "role2": "stable2"}}}}}}  # fmt: skip
    world = World.build(
        write_scenario(
            tmp_path,
            manifests=routed(
                [{"setWeight": 50}, {"pause": {}}],
                replicas=2,
                canaryMetadata={"labels": {"role": "canary"}},
                stableMetadata={"labels": {"role": "stable"}},
            ),
            operator=[
                set_image("1m"),
                op("2m", "patch", type="strategic", patch=canary2),
                op("3m", "promote"),
                op("4m", "patch", type="strategic", patch=stable2),
            ],
        )
    )
    world.run(until=119)
    assert world.collect().final.phase == "Paused"
    assert [p["role"] for p in _labels(world, 2)] == ["canary"]
    assert [p["role"] for p in _labels(world, 1)] == ["stable", "stable"]

    world.run(until=121)  # the e2e test's Sleep(time.Second), and one more
    pods = _labels(world, 2)
    assert pods and all(p.get("role2") == "canary2" and "role" not in p for p in pods)
    assert [p["role"] for p in _labels(world, 1)] == ["stable", "stable"]  # untouched
    # The canary metadata is not a template change: no new revision, same pods.
    assert sorted(rs.revision for rs in world.cluster.replica_sets_of("app")) == [1, 2]

    world.run(until=239)
    assert world.collect().final.phase == "Healthy"
    pods = _labels(world, 2)
    assert len(pods) == 2
    assert all(p.get("role") == "stable" and "role2" not in p for p in pods)

    world.run(until=241)
    pods = _labels(world, 2)
    assert len(pods) == 2
    assert all(p.get("role2") == "stable2" and "role" not in p for p in pods)
    rs2 = next(r for r in world.cluster.replica_sets_of("app") if r.revision == 2)
    assert rs2.annotations[EPHEMERAL_METADATA_ANNOTATION] == '{"labels":{"role2":"stable2"}}'
