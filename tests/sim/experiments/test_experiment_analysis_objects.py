"""An Experiment's AnalysisRuns read the namespace's Secrets and AnalysisTemplates as the
Rollout's runs do, including those applied mid-run: Argo has one analysis controller (and
one informer per kind) for every AnalysisRun (``analysis/analysis.go::resolveArgs``)."""

from __future__ import annotations

from typing import Any

from fidelitykit import basic, op, simulate

UPDATE = {"spec": {"template": {"metadata": {"annotations": {"update": "now"}}}}}
SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "creds", "namespace": "ns"},
    "stringData": {"token": "s3cr3t"},
}


def _template(name: str = "smoke") -> dict[str, Any]:
    container = {
        "name": "c",
        "image": "busybox:1.36",
        "env": [{"name": "T", "value": "{{args.token}}"}],
    }
    job = {
        "spec": {
            "backoffLimit": 0,
            "template": {"spec": {"restartPolicy": "Never", "containers": [container]}},
        }
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {
            "args": [
                {"name": "token", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}}
            ],
            "metrics": [{"name": "smoke", "provider": {"job": job}}],
        },
    }


STEP = {
    "experiment": {
        "duration": "30s",
        "templates": [{"name": "baseline", "specRef": "stable"}],
        "analyses": [{"name": "smoke", "templateName": "smoke"}],
    }
}


def test_an_experiment_run_resolves_a_secret_argument(tmp_path):
    r = simulate(tmp_path, [SECRET, _template(), *basic([STEP])], [op("1m", "patch", patch=UPDATE)])
    final = r.final.experiments[0]
    assert final.phase == "Successful", final.message
    assert [run.phase for run in final.analysis_runs] == ["Successful"]
    assert r.final.phase == "Healthy"


def test_an_experiment_sees_a_secret_and_template_applied_mid_run(tmp_path):
    # Neither exists when the run starts; both are applied before the update.
    r = simulate(
        tmp_path,
        basic([STEP]),
        [
            op("10s", "apply", manifest=SECRET),
            op("20s", "apply", manifest=_template()),
            op("1m", "patch", patch=UPDATE),
        ],
    )
    assert r.final.experiments[0].phase == "Successful", r.final.experiments[0].message
    assert r.final.phase == "Healthy"
