"""What Argo's end-to-end suite does, in canarysim's terms, for the replays of
``test/e2e/*_test.go`` upstream: its operator verbs (``UpdateSpec`` with no argument, a merge
patch), its shared fixtures written in our own words (the ``sleep-job`` template, Services in
front of a Rollout, an ALB Ingress) and readers for what its ``Then()`` checks (pods of a
revision that are not being deleted, a Service's selector)."""

from __future__ import annotations

import bisect
import json
from pathlib import Path
from typing import Any

from fidelitykit import by_revision, op, pods
from worldkit import rollout, service, write_scenario

from canarysim.result import Result
from canarysim.sim.world import World

HASH_LABEL = "rollouts-pod-template-hash"
GATE = "argoproj.io/e2e-readiness"


def update_spec(at: float | str, n: int = 1) -> dict[str, Any]:
    """``UpdateSpec()`` without text: a merge patch writing a fresh ``update`` annotation on
    the pod template, hence a new pod-template hash (``n`` tells successive calls apart, as
    the suite's timestamps do)."""
    return patch(at, {"spec": {"template": {"metadata": {"annotations": {"update": f"u{n}"}}}}})


def patch(at: float | str, body: dict[str, Any]) -> dict[str, Any]:
    """``UpdateSpec(text)``: a JSON merge patch of the Rollout (the suite's ``PatchSpec`` is
    a strategic merge instead: ``type: strategic``)."""
    return op(at, "patch", patch=body)


def labels_patch(at: float | str, rev: str) -> dict[str, Any]:
    """The rollback-window suite's update: ``rev`` on the Rollout's labels and the template's."""
    return patch(
        at,
        {
            "metadata": {"labels": {"rev": rev}},
            "spec": {"template": {"metadata": {"labels": {"rev": rev}}}},
        },
    )


def mark(at: float | str, revision: int, count: int) -> dict[str, Any]:
    """``MarkPodsReady(revision, count)``: the suite always sets ``argoproj.io/e2e-readiness``,
    whether or not the template gates on it."""
    return op(at, "markPodsReady", revision=revision, count=count, condition=GATE)


def sleep_job() -> dict[str, Any]:
    """The suite's shared ``sleep-job`` template: one Job metric (``count`` from its args)
    running ``sleep {{args.duration}} && exit {{args.exit-code}}``; what the Job does in a
    run is the scenario's ``analysis.jobs`` (canarysim does not execute containers)."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "sleep-job"},
        "spec": {
            "args": [
                {"name": "duration", "value": "0"},
                {"name": "exit-code", "value": "0"},
                {"name": "count", "value": "1"},
                {"name": "rev", "value": "notset"},
            ],
            "metrics": [
                {
                    "name": "sleep-job",
                    "count": "{{args.count}}",
                    "provider": {
                        "job": {
                            "spec": job_spec(
                                "sleep {{args.duration}} && exit {{args.exit-code}}",
                                labels={"rev": "{{ args.rev }}"},
                            )
                        }
                    },
                }
            ],
        },
    }


def job_spec(script: str, *, labels: dict[str, str] | None = None) -> dict[str, Any]:
    template: dict[str, Any] = {
        "spec": {
            "containers": [
                {
                    "name": "sleep-job",
                    "image": "nginx:1.19-alpine",
                    "command": ["sh", "-c", "-x"],
                    "args": [script],
                }
            ],
            "restartPolicy": "Never",
        }
    }
    if labels:
        template["metadata"] = {"labels": labels}
    return {"template": template, "backoffLimit": 0}


def canary_rollout(
    name: str,
    *,
    replicas: int | None = 1,
    steps: list[dict[str, Any]] | None = None,
    **canary: Any,
) -> dict[str, Any]:
    """A Rollout as the suite's fixtures write them: ``app: <name>`` labels, one container
    with an ``http`` port; ``replicas`` None leaves the field out (Kubernetes' default 1)."""
    ro = rollout(name=name, replicas=replicas or 1, steps=steps or [], routed=False)
    if replicas is None:
        del ro["spec"]["replicas"]
    del ro["spec"]["minReadySeconds"]
    if steps is None:
        del ro["spec"]["strategy"]["canary"]["steps"]
    ro["spec"]["template"]["spec"]["containers"][0].update(name=name, image="nginx:1.19-alpine")
    ro["spec"]["strategy"]["canary"].update(canary)
    return ro


def services(app: str, *names: str) -> list[dict[str, Any]]:
    return [service(n, app=app) for n in names]


def alb(name: str, app: str, **canary: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The ``<name>-root/-canary/-stable`` Services, the ALB Ingress on ``-root`` and the
    canary fields routing through it (the fixtures ``canary-scaledowndelay.yaml`` & co.)."""
    objects = [*services(app, f"{name}-root", f"{name}-canary", f"{name}-stable")]
    objects.append(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {
                "name": f"{name}-ingress",
                "namespace": "ns",
                "annotations": {"kubernetes.io/ingress.class": "alb"},
            },
            "spec": {
                "rules": [
                    {
                        "http": {
                            "paths": [
                                {
                                    "path": "/*",
                                    "pathType": "Prefix",
                                    "backend": {
                                        "service": {
                                            "name": f"{name}-root",
                                            "port": {"name": "use-annotation"},
                                        }
                                    },
                                }
                            ]
                        }
                    }
                ]
            },
        }
    )
    fields = {
        "canaryService": f"{name}-canary",
        "stableService": f"{name}-stable",
        "trafficRouting": {
            "alb": {
                "ingress": f"{name}-ingress",
                "rootService": f"{name}-root",
                "servicePort": 80,
            }
        },
        **canary,
    }
    return objects, fields


def live_pods(r: Result, t: float, revision: int) -> int:
    """``ExpectRevisionPodCount``: pods of the revision without a deletion timestamp."""
    rs = by_revision(r.status_at(t)).get(revision)
    return 0 if rs is None else sum(1 for p in rs.pods if p.status != "Terminating")


class Selectors:
    """The Services' ``rollouts-pod-template-hash`` selectors as ``kubectl get svc`` shows
    them, sampled every ``step`` seconds of a run (the Result keeps no Services)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.samples: list[dict[str, str | None]] = []

    def at(self, t: float) -> dict[str, str | None]:
        """The selectors once everything due at ``t`` has happened (the next sample)."""
        return self.samples[min(bisect.bisect_right(self.times, t), len(self.times) - 1)]


def simulate_watching_services(
    tmp_path: Path,
    manifests: list[dict[str, Any]],
    operator: list[dict[str, Any]],
    *,
    until: float,
    step: float = 0.5,
    **fields: Any,
) -> tuple[Result, Selectors]:
    """``fidelitykit.simulate`` (same defaults), also sampling the Services' selectors."""
    fields.setdefault("traffic", {"rate": 1})
    fields.setdefault("start", "empty")
    fields.setdefault("pods", pods())
    path = write_scenario(
        tmp_path, manifests=manifests, operator=list(operator), until=f"{until}s", **fields
    )
    world = World.build(path)
    seen = Selectors()
    t = 0.0
    while t <= until:
        world.run(until=t)
        services = world.cluster.services.by_name
        seen.times.append(t)
        seen.samples.append({name: svc.selector.get(HASH_LABEL) for name, svc in services.items()})
        t += step
    world.run()
    return world.collect(), seen


def hash_of(r: Result, t: float, revision: int) -> str:
    return by_revision(r.status_at(t))[revision].hash


def first(r: Result, after: float, phase: str) -> float:
    """``WaitForRolloutStatus(phase)`` from ``after`` on: ``after`` itself if the rollout is
    in that phase then, else the first later time it is."""
    if r.status_at(after).phase == phase:
        return after
    return next(s.time for s in r.snapshots if s.time >= after and s.phase == phase)


def canary_stable_pods(r: Result, t: float) -> tuple[int, int]:
    """``ExpectCanaryStablePodCount``: live pods of ``status.currentPodHash`` and of
    ``status.stableRS`` (the same pods twice once the rollout is whole)."""
    snap = r.status_at(t)

    def live(pod_hash: str) -> int:
        return sum(
            1
            for rs in snap.replica_sets
            if rs.hash == pod_hash
            for p in rs.pods
            if p.status != "Terminating"
        )

    return live(snap.canary_hash), live(snap.stable_hash)


def operator_times(r: Result, verb: str) -> list[float]:
    """When the operator's ``kubectl argo rollouts <verb>`` (or ``kubectl <verb>``) ran."""
    return [
        e["time"]
        for e in r.events
        if e["reason"] == "OperatorCommand" and f" {verb} " in f" {e['message']} "
    ]


ALB_ACTION = "alb.ingress.kubernetes.io/actions."


def alb_weights(r: Result, t: float, ingress: str, root: str) -> dict[str, int]:
    """Service -> weight of the root Service's forward action on the ALB Ingress at ``t``:
    what the rollout's ``status.canary.weights`` records of the router."""
    found = {i["metadata"]["name"]: i for i in r.manifests_at(t)["ingresses"]}
    raw = found[ingress]["metadata"]["annotations"][ALB_ACTION + root]
    groups = json.loads(raw)["ForwardConfig"]["TargetGroups"]
    return {g["ServiceName"]: g["Weight"] for g in groups}
