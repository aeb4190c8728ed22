"""DestinationRule subsets (istio.go::UpdateHash) and the switch delay
(istio.go::shouldDelayDestinationRuleUpdate), one rule a test.

The upstream-shaped cases live in ``test_istio_managed.py``; these pin the edges that a
mutation run showed no test looked at: a rule without a name or metadata, annotations
already there, experiment subsets already present, the order new experiment subsets are
appended in, and each half of the "fully available" test.
"""

from __future__ import annotations

from typing import Any

import pytest

from canarysim.engine.istio import destination_rule_switch_delay, update_hash

HASH = "rollouts-pod-template-hash"
MANAGED_BY = "argo-rollouts.argoproj.io/managed-by-rollouts"
DR_REF = {"name": "istio-destrule", "canarySubsetName": "canary", "stableSubsetName": "stable"}


def rollout(*, stable_svc: str = "", canary_svc: str = "", dr: dict | None = None) -> dict:
    canary: dict[str, Any] = {
        "trafficRouting": {
            "istio": {"virtualService": {"name": "vsvc"}, "destinationRule": dr or DR_REF}
        }
    }
    if stable_svc:
        canary["stableService"] = stable_svc
    if canary_svc:
        canary["canaryService"] = canary_svc
    return {
        "metadata": {"name": "ro", "namespace": "default"},
        "spec": {"strategy": {"canary": canary}},
    }


RO = rollout()


def destrule(subsets: list, metadata: Any = None) -> dict:
    meta = {"name": "istio-destrule"} if metadata is None else metadata
    return {"kind": "DestinationRule", "metadata": meta, "spec": {"subsets": subsets}}


def subsets(dr: dict) -> list:
    return dr["spec"]["subsets"]


# ------------------------------------------------------------------------------ UpdateHash


def test_rule_without_a_name_is_taken_as_the_rollouts():
    out = update_hash(destrule([{"name": "canary"}], metadata={}), RO, "c1", "s1")
    assert subsets(out) == [{"name": "canary", "labels": {HASH: "c1"}}]
    assert out["metadata"] == {"annotations": {MANAGED_BY: "ro"}}


def test_rule_without_metadata_gains_the_annotation():
    dr = {"spec": {"subsets": [{"name": "stable"}]}}
    out = update_hash(dr, RO, "c1", "s1")
    assert out == {
        "metadata": {"annotations": {MANAGED_BY: "ro"}},
        "spec": {"subsets": [{"name": "stable", "labels": {HASH: "s1"}}]},
    }


def test_existing_annotations_are_kept():
    meta = {"name": "istio-destrule", "annotations": {"team": "a"}}
    out = update_hash(destrule([], metadata=meta), RO, "c1", "s1")
    assert out["metadata"]["annotations"] == {"team": "a", MANAGED_BY: "ro"}


def test_null_annotations_are_replaced():
    meta = {"name": "istio-destrule", "annotations": None}
    out = update_hash(destrule([], metadata=meta), RO, "c1", "s1")
    assert out["metadata"]["annotations"] == {MANAGED_BY: "ro"}


def test_other_subsets_are_dropped_and_order_is_kept():
    dr = destrule([{"name": "old"}, {"name": "stable"}, "junk", {"name": "canary"}])
    out = update_hash(dr, RO, "c1", "s1")
    assert subsets(out) == [
        {"name": "stable", "labels": {HASH: "s1"}},
        {"name": "canary", "labels": {HASH: "c1"}},
    ]


def test_empty_stable_hash_removes_only_the_hash_label():
    dr = destrule([{"name": "stable", "labels": {HASH: "s0", "version": "v1"}}])
    out = update_hash(dr, RO, "c1", "")
    assert subsets(out) == [{"name": "stable", "labels": {"version": "v1"}}]


def test_existing_experiment_subset_is_relabelled_in_place():
    dr = destrule([{"name": "exp", "labels": {"v": "1", HASH: "old"}}, {"name": "canary"}])
    out = update_hash(dr, RO, "c1", "s1", [{"serviceName": "exp", "podTemplateHash": "e1"}])
    assert subsets(out) == [
        {"name": "exp", "labels": {"v": "1", HASH: "e1"}},
        {"name": "canary", "labels": {HASH: "c1"}},
    ]


def test_existing_experiment_subset_without_labels_gains_them():
    dr = destrule([{"name": "exp"}])
    out = update_hash(dr, RO, "c1", "s1", [{"serviceName": "exp", "podTemplateHash": "e1"}])
    assert subsets(out) == [{"name": "exp", "labels": {HASH: "e1"}}]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"name": "exp"}, {"name": "exp"}),  # no labels map: none is added
        ({"name": "exp", "labels": {}}, {"name": "exp", "labels": {}}),
        ({"name": "exp", "labels": {HASH: "old"}}, {"name": "exp", "labels": {}}),
        ({"name": "exp", "labels": {"v": "1"}}, {"name": "exp", "labels": {"v": "1"}}),
        ({"name": "exp", "labels": None}, {"name": "exp", "labels": None}),
        ({"name": "exp", "labels": "junk"}, {"name": "exp", "labels": {}}),  # not a map
    ],
)
def test_experiment_without_hash_keeps_its_subset_and_is_appended_again(before, after):
    """Go deletes the service from its map only when the hash is set, so an experiment
    whose hash is still empty is appended once more after the loop."""
    out = update_hash(destrule([before]), RO, "c1", "s1", [{"serviceName": "exp"}])
    assert subsets(out) == [after, {"name": "exp", "labels": {HASH: ""}}]


def test_new_experiment_subsets_are_appended_in_name_order():
    extras = [
        {"serviceName": "zeta", "podTemplateHash": "z1"},
        {"serviceName": "alpha", "podTemplateHash": "a1"},
    ]
    out = update_hash(destrule([{"name": "canary"}]), RO, "c1", "s1", extras)
    assert subsets(out) == [
        {"name": "canary", "labels": {HASH: "c1"}},
        {"name": "alpha", "labels": {HASH: "a1"}},
        {"name": "zeta", "labels": {HASH: "z1"}},
    ]


def test_a_subset_of_another_rule_is_left_alone():
    dr = destrule([{"name": "stable"}], metadata={"name": "other"})
    assert update_hash(dr, RO, "c1", "s1") == dr


# ------------------------------------------------------------------------------ switch delay


def rs(hash_: str, replicas: Any, available: Any, name: str | None = None) -> dict:
    return {
        "name": name or f"rs-{hash_}",
        "hash": hash_,
        "replicas": replicas,
        "available": available,
    }


DELAY = "delaying destination rule switch: ReplicaSet {} not fully available"


@pytest.mark.parametrize(
    ("replicas", "available", "delayed"),
    [(2, 1, True), (2, 2, False), (1, 2, False), (3, 0, True), (None, 0, False), (1, None, True)],
)
def test_fully_available_means_all_replicas_and_at_least_one(replicas, available, delayed):
    got = destination_rule_switch_delay(RO, [rs("s1", replicas, available)], "c1", "s1")
    assert got == (DELAY.format("rs-s1") if delayed else None)


@pytest.mark.parametrize(
    "ro", [rollout(stable_svc="stable"), rollout(canary_svc="canary")], ids=["stable", "canary"]
)
def test_either_service_alone_skips_the_check(ro):
    assert destination_rule_switch_delay(ro, [rs("s1", 1, 0)], "c1", "s1") is None


def test_replica_sets_of_other_hashes_are_ignored():
    sets = [rs("x9", 1, 0), rs("s1", 1, 1), rs("c1", 1, 1)]
    assert destination_rule_switch_delay(RO, sets, "c1", "s1") is None


@pytest.mark.parametrize(
    "skipped", [rs("x9", 1, 0), rs("c1", 0, 0), rs("", 1, 0)], ids=["other", "empty", "no hash"]
)
def test_a_skipped_replica_set_does_not_end_the_check(skipped):
    got = destination_rule_switch_delay(RO, [skipped, rs("s1", 1, 0)], "c1", "s1")
    assert got == DELAY.format("rs-s1")


def test_a_replica_set_without_hash_is_ignored_even_when_a_hash_is_empty():
    sets = [rs("", 1, 0, name="bare"), rs("s1", 1, 1)]
    assert destination_rule_switch_delay(RO, sets, "", "s1") is None


def test_the_first_unavailable_set_is_named():
    sets = [rs("c1", 1, 0), rs("s1", 1, 0)]
    assert destination_rule_switch_delay(RO, sets, "c1", "s1") == DELAY.format("rs-c1")


def test_aborting_still_waits_for_the_stable():
    sets = [rs("c1", 1, 0), rs("s1", 2, 1)]
    got = destination_rule_switch_delay(RO, sets, "c1", "s1", aborting=True)
    assert got == DELAY.format("rs-s1")


def test_an_unnamed_replica_set_is_reported_with_an_empty_name():
    sets = [{"hash": "s1", "replicas": 1, "available": 0}]
    assert destination_rule_switch_delay(RO, sets, "c1", "s1") == DELAY.format("")


def test_a_rollout_without_spec_still_checks():
    got = destination_rule_switch_delay({}, [rs("s1", 1, 0)], "c1", "s1")
    assert got == DELAY.format("rs-s1")
