"""``kubectl apply`` of the router objects Argo writes (a VirtualService, a DestinationRule)
mid-run, as a GitOps tool re-syncing its manifests would: Argo's controller sees the new
object and writes its weights and hashes over it again.

* A VirtualService the Rollout references: its informer enqueues the Rollout
  (``rollout/trafficrouting/istio/controller.go::EnqueueRolloutFromIstioVirtualService``), so
  the reconcile that follows at once rewrites the canary weight (``SetWeight`` on every
  reconcile); the applied file's other changes stay (Argo rewrites only the weights).
* A DestinationRule: its own workqueue enqueues no Rollout, so the applied subsets (without
  Argo's ``rollouts-pod-template-hash`` labels) serve until the Rollout's next reconcile,
  whose ``UpdateHash`` writes the hashes back.

Replay-style: the Istio manifests of ``test/e2e/istio/istio-host-split.yaml`` and
``istio-subset-split.yaml`` (our own transcription), the user's ``kubectl apply -f`` of the
original file in the middle of a step.
"""

from __future__ import annotations

import copy

from fidelitykit import routed, simulate, weights
from worldkit import rollout, service, virtual_service


def test_an_applied_virtual_service_is_rewritten_at_once(tmp_path):
    original = virtual_service()  # stable 100 / canary 0, as in the Git repository
    original["spec"]["http"][0]["timeout"] = "5s"  # ... where someone added a timeout
    r = simulate(
        tmp_path,
        routed([{"setWeight": 20}, {"pause": {}}]),
        [
            {"at": "10s", "do": "setImage", "container": "main", "image": "app:v2"},
            {"at": "2m", "do": "apply", "manifest": original},
        ],
        until="3m",
    )
    assert weights(r, 119) == {"stable-svc": 80, "canary-svc": 20}
    # the applied file's 100/0 is overwritten in the same instant: the VirtualService
    # informer enqueued the Rollout, whose reconcile wrote the step's weight again
    assert weights(r, 120) == {"stable-svc": 80, "canary-svc": 20}
    applied = [e for e in r.events if e.get("source") == "operator" and "apply" in e["message"]]
    assert [e["time"] for e in applied] == [120.0]
    # the applied file's own change (a route timeout Argo never writes) is live with them
    primary = next(
        h
        for h in r.manifests_at(120)["virtualservices"][0]["spec"]["http"]
        if h["name"] == "primary"
    )
    assert primary.get("timeout") == "5s"
    assert weights(r, 179) == {"stable-svc": 80, "canary-svc": 20}


def _subset_manifests():
    ro = rollout(steps=[{"setWeight": 20}, {"pause": {}}], replicas=4, routed=False)
    ro["spec"]["strategy"]["canary"]["trafficRouting"] = {
        "istio": {
            "virtualService": {"name": "vs", "routes": ["primary"]},
            "destinationRule": {
                "name": "dr",
                "canarySubsetName": "canary",
                "stableSubsetName": "stable",
            },
        }
    }
    vs = virtual_service()
    vs["spec"]["http"][0]["route"] = [
        {"destination": {"host": "app-svc", "subset": "stable"}, "weight": 100},
        {"destination": {"host": "app-svc", "subset": "canary"}, "weight": 0},
    ]
    dr = {
        "apiVersion": "networking.istio.io/v1beta1",
        "kind": "DestinationRule",
        "metadata": {"name": "dr", "namespace": "ns"},
        "spec": {
            "host": "app-svc",
            "subsets": [{"name": "canary", "labels": {}}, {"name": "stable", "labels": {}}],
        },
    }
    return [ro, service("app-svc"), vs, dr], dr


def _subset_hashes(r, t):
    dr = r.manifests_at(t)["destinationrules"][0]
    return {
        s["name"]: (s.get("labels") or {}).get("rollouts-pod-template-hash")
        for s in dr["spec"]["subsets"]
    }


def test_an_applied_destination_rule_waits_for_the_next_reconcile(tmp_path):
    manifests, dr = _subset_manifests()
    r = simulate(
        tmp_path,
        manifests,
        [
            {"at": "10s", "do": "setImage", "container": "main", "image": "app:v2"},
            {"at": "2m", "do": "apply", "manifest": copy.deepcopy(dr)},
            {"at": "3m", "do": "promote"},
        ],
        until="4m",
    )
    before = _subset_hashes(r, 119)
    assert before["canary"] and before["stable"] and before["canary"] != before["stable"]
    # applied: Argo's labels are gone, and nothing enqueues the Rollout for it
    assert _subset_hashes(r, 120) == {"canary": None, "stable": None}
    assert _subset_hashes(r, 179) == {"canary": None, "stable": None}
    # the promote's reconcile writes the hashes again (both the new version once promoted)
    after = _subset_hashes(r, 181)
    assert after["canary"] is not None and after["stable"] is not None
