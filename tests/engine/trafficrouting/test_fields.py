"""The controller reference Argo puts on the router objects it creates
(``metav1.NewControllerRef``)."""

from __future__ import annotations

from canarysim.engine.trafficrouting.fields import owner_reference


def test_owner_reference_carries_the_rollouts_name_and_uid():
    ref = owner_reference({"metadata": {"name": "shop", "uid": "6f1c-42"}})
    assert ref == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "name": "shop",
        "uid": "6f1c-42",
        "controller": True,
        "blockOwnerDeletion": True,
    }


def test_owner_reference_without_uid_or_name():
    """A Rollout read from a file has no uid yet (the cluster gives it): none is written."""
    assert owner_reference({}) == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "name": "",
        "controller": True,
        "blockOwnerDeletion": True,
    }
