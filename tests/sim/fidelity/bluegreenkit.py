"""Manifests for the blue-green replays: a Rollout with ``strategy.blueGreen`` and the Services
it points at, shaped as Argo's e2e fixtures write them (one container named after the Rollout,
Services selecting ``app: <label>`` on port 80)."""

from __future__ import annotations

from typing import Any

from fidelitykit import by_revision

from canarysim.result import Result, RolloutSnapshot

IMAGE = "nginx:1.19-alpine"


def bg_rollout(
    name: str, *, replicas: int | None = None, label: str | None = None, **blue_green: Any
) -> dict[str, Any]:
    label = label or name
    spec: dict[str, Any] = {
        "strategy": {"blueGreen": blue_green},
        "selector": {"matchLabels": {"app": label}},
        "template": {
            "metadata": {"labels": {"app": label}},
            "spec": {"containers": [{"name": name, "image": IMAGE}]},
        },
    }
    if replicas is not None:
        spec = {"replicas": replicas, **spec}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name},
        "spec": spec,
    }


def svc(name: str, label: str) -> dict[str, Any]:
    """The e2e suite's ``newService``: port 80 to 80, selecting ``app: label``."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"ports": [{"port": 80, "targetPort": 80}], "selector": {"app": label}},
    }


def update(at: float | str, rollout: dict[str, Any], image: str = "nginx:1.20-alpine") -> dict:
    """``UpdateSpec()``: a new pod template (the e2e DSL adds an annotation; a new image is the
    same new revision here)."""
    container = rollout["spec"]["template"]["spec"]["containers"][0]["name"]
    return {"at": at, "do": "setImage", "container": container, "image": image}


def counts(s: RolloutSnapshot) -> tuple[int, int, int, int, int]:
    """``ExpectReplicaCounts``: desired, current, updated, ready, available."""
    return (s.desired, s.current, s.updated, s.ready, s.available)


def revision_of(s: RolloutSnapshot, hash_: str) -> int | None:
    return next((rs.revision for rs in s.replica_sets if rs.hash == hash_), None)


def active_revision(s: RolloutSnapshot) -> int | None:
    return revision_of(s, s.active_hash)


def preview_revision(s: RolloutSnapshot) -> int | None:
    return revision_of(s, s.preview_hash)


def stable_revision(s: RolloutSnapshot) -> int | None:
    return revision_of(s, s.stable_hash)


def revision_pods(s: RolloutSnapshot, revision: int) -> int:
    """``ExpectRevisionPodCount``: pods of that revision that are not terminating."""
    rs = by_revision(s).get(revision)
    return 0 if rs is None else sum(1 for p in rs.pods if p.status != "Terminating")


def first(r: Result, after: float, check: Any) -> RolloutSnapshot:
    """The first snapshot at or after ``after`` for which ``check`` holds (a ``WaitFor...``)."""
    return next(s for s in r.snapshots if s.time >= after and check(s))


def run_count(r: Result, t: float) -> int:
    """``ExpectAnalysisRunCount``: AnalysisRuns of the rollout at ``t``."""
    return len(r.status_at(t).analysis_runs)


def sleep_job(name: str = "sleep-job", **args: str) -> dict[str, Any]:
    """The e2e suite's ``sleep-job`` AnalysisTemplate: one Job metric (named like the template)
    that sleeps ``duration`` then exits ``exit-code``. canarysim does not run the Job's shell
    command: how long the Job runs and whether it succeeds are the scenario's ``analysis.jobs``
    entry for the metric's name (see :func:`job_answers`)."""
    defaults = {"duration": "0", "exit-code": "0", "count": "1", "rev": "notset"}
    defaults.update(args)
    container = {
        "name": "sleep-job",
        "image": IMAGE,
        "command": ["sh", "-c", "-x"],
        "args": ["sleep {{args.duration}} && exit {{args.exit-code}}"],
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": name},
        "spec": {
            "args": [{"name": k, "value": v} for k, v in defaults.items()],
            "metrics": [
                {
                    "name": name,
                    "count": "{{args.count}}",
                    "provider": {
                        "job": {
                            "spec": {
                                "template": {
                                    "spec": {"containers": [container], "restartPolicy": "Never"}
                                },
                                "backoffLimit": 0,
                            }
                        }
                    },
                }
            ],
        },
    }


def job_answers(**metrics: tuple[str, bool]) -> dict[str, Any]:
    """``analysis.jobs``: metric name -> (how long its Job sleeps, whether it exits 0)."""
    return {
        "jobs": {
            name.replace("_", "-"): {
                "duration": duration,
                "successProbability": 1 if ok else 0,
            }
            for name, (duration, ok) in metrics.items()
        }
    }
