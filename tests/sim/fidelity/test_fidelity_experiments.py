"""Experiments: a Rollout's experiment step with an analysis, and stand-alone Experiments.

Replays upstream ``test/e2e/experiment_test.go`` (``TestRolloutWithExperimentAndAnalysis``
here; the stand-alone Experiment tests below it).
"""

from __future__ import annotations

from typing import Any

from fidelitykit import basic, by_revision, op, simulate

from canarysim import load_scenario
from canarysim.declarations import validate_scenario

UPDATE = {"spec": {"template": {"metadata": {"annotations": {"update": "now"}}}}}
HASH_ARGS = ("latest-hash", "stable-hash", "baseline-hash", "canary-hash")


def _echo_pod_hash_template() -> dict[str, Any]:
    """The fixture's AnalysisTemplate: one Job metric whose container echoes four hashes it
    gets as arguments, the Job carrying extra labels and annotations."""
    env = [
        {"name": arg.upper().replace("-", "_"), "value": "{{args." + arg + "}}"}
        for arg in HASH_ARGS
    ]
    container = {"name": "echo-pod-hash", "image": "nginx:1.19-alpine",
                 "command": ["sh", "-c"], "args": ["echo $(LATEST_HASH) $(STABLE_HASH)"],
                 "env": env}  # fmt: skip
    job = {
        "metadata": {"labels": {"foo": "bar"}, "annotations": {"foo2": "bar2"}},
        "spec": {
            "backoffLimit": 0,
            "template": {"spec": {"restartPolicy": "Never", "containers": [container]}},
        },
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "echo-pod-hash", "namespace": "ns"},
        "spec": {
            "args": [{"name": arg} for arg in HASH_ARGS],
            "metrics": [{"name": "echo-pod-hash", "provider": {"job": job}}],
        },
    }


def _experiment_step() -> dict[str, Any]:
    return {
        "experiment": {
            "templates": [
                {"name": "baseline", "specRef": "stable"},
                {"name": "canary", "specRef": "canary"},
            ],
            "analyses": [{
                "name": "echo-pod-hash",
                "templateName": "echo-pod-hash",
                "requiredForCompletion": True,
                "args": [
                    {"name": "stable-hash", "valueFrom": {"podTemplateHashValue": "Stable"}},
                    {"name": "latest-hash", "valueFrom": {"podTemplateHashValue": "Latest"}},
                    {"name": "baseline-hash", "value": "{{templates.baseline.podTemplateHash}}"},
                    {"name": "canary-hash", "value": "{{templates.canary.podTemplateHash}}"},
                ],
            }],
        }
    }  # fmt: skip


def test_rollout_with_experiment_and_analysis_replay(tmp_path):
    """A one-replica Rollout (``spec.replicas`` left out) with steps experiment (baseline from
    ``specRef: stable``, canary from ``specRef: canary``, the echo-pod-hash Job analysis,
    ``requiredForCompletion``) / pause {}.

    Carried over: Healthy with no Experiment; after an update it pauses with exactly one
    Experiment, of revision 2, Successful; revisions 1 and 2 have different, non-empty
    hashes; the baseline and canary template ReplicaSets have different hashes, and neither
    shares a hash with the Rollout's ReplicaSets (argo-rollouts issue 380: the Experiment
    hashes the template as the API server stored it in the ReplicaSet it copies, Kubernetes'
    defaults filled in; canarysim used to give them the very same hash, so the stable
    Service selected the baseline's pods too); promoted, the rollout becomes Healthy.
    Extra: the experiment's pods run the image of the revision they copy.

    Difference: upstream also reads the Job's environment (the four resolved hash
    arguments), the Job's labels and annotations, and compares the template ReplicaSets' pod
    specs with the Rollout's; canarysim's Result holds no Job objects nor pod specs, so those
    checks have no counterpart here (the argument resolution is unit-tested in
    ``tests/sim/experiments``).
    """
    manifests = basic([_experiment_step(), {"pause": {}}], replicas=1)
    del manifests[0]["spec"]["replicas"]  # Argo's default, 1
    r = simulate(
        tmp_path,
        [_echo_pod_hash_template(), *manifests],
        [op("1m", "patch", patch=UPDATE), {"when": {"phase": "Paused"}, "do": "promote",
                                           "after": "5s"}],
        until="3m",
    )  # fmt: skip
    healthy = r.status_at(59)
    assert healthy.phase == "Healthy" and healthy.experiments == ()
    paused = next(s for s in r.snapshots if s.time >= 60 and s.phase == "Paused")
    assert paused.step_index == 1
    (experiment,) = paused.experiments
    assert (experiment.revision, experiment.phase) == (2, "Successful")
    assert [run.phase for run in experiment.analysis_runs] == ["Successful"]
    revisions = by_revision(paused)
    rs1, rs2 = revisions[1].hash, revisions[2].hash
    assert rs1 and rs2 and rs1 != rs2
    templates = {rs.role: rs for rs in experiment.replica_sets}
    baseline, canary = templates["baseline"], templates["canary"]
    assert baseline.hash and canary.hash and baseline.hash != canary.hash
    assert baseline.hash not in (rs1, rs2) and canary.hash not in (rs1, rs2)
    assert (baseline.image, canary.image) == (revisions[1].image, revisions[2].image)
    assert r.final.phase == "Healthy" and r.final.step_index == 2
    assert len(r.final.experiments) == 1


def test_a_stand_alone_experiment_is_said_to_be_ignored(tmp_path):
    """The stand-alone Experiments of experiment_test.go (``experiment-with-service`` and the
    others) are not simulated yet; a scenario holding one must not pass silently: ``validate``
    warns (``load/ignored-kind``) and the run carries the very same line in its warnings."""
    experiment = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Experiment",
        "metadata": {"name": "experiment-with-service", "namespace": "ns"},
        "spec": {
            "duration": "10s",
            "scaleDownDelaySeconds": 5,
            "templates": [{
                "name": "test", "replicas": 1, "service": {},
                "selector": {"matchLabels": {"app": "experiment-with-service"}},
                "template": {
                    "metadata": {"labels": {"app": "experiment-with-service"}},
                    "spec": {"containers": [{
                        "name": "experiment-with-service", "image": "nginx:1.19-alpine",
                        "ports": [{"protocol": "TCP", "containerPort": 8080}],
                    }]},
                },
            }],
        },
    }  # fmt: skip
    r = simulate(tmp_path, [experiment, *basic([])], until="1m")
    scenario = load_scenario(sorted(tmp_path.glob("scenario-*.yaml"))[-1])
    (finding,) = [f for f in validate_scenario(scenario) if f.rule == "load/ignored-kind"]
    assert finding.severity == "warning"
    assert finding.message == "Experiment (argoproj.io/v1alpha1) is not simulated; ignored"
    assert f"{finding.file}:{finding.line}: {finding.message}" in r.warnings
    assert all(s.experiments == () for s in r.snapshots)
