"""Secrets and ``args[].valueFrom.secretKeyRef``: analysis arguments resolve from ``v1``
Secret manifests (``Controller.resolveArgs`` in analysis/analysis.go), and no Secret value is
ever shown: not in errors, measurements, events, output or the Result (Argo redacts them from
its logs as ``*****``).

Replays upstream ``test/e2e/analysis_test.go::TestAnalysisWithSecret`` (fixture
``test/e2e/functional/rollout-secret.yaml``: setWeight 25, an inline analysis whose web URL is
a Secret, count 2 every 5 s, then an indefinite pause).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest
from fidelitykit import basic, op, set_image, simulate
from worldkit import write_scenario

import canarysim
from canarysim.errors import ScenarioError

URL = "https://gist.example/raw/example.json"  # the Secret's value (the fixture's is a gist)


def secret(**data):
    data = data or {"secretUrl": base64.b64encode(URL.encode()).decode()}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "example-secret"},
        "type": "Opaque",
        "data": data,
    }


def template(key="secretUrl"):
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "analysis-secret"},
        "spec": {
            "args": [
                {"name": "analysis-interval", "value": "5s"},
                {"name": "analysis-runs", "value": "2"},
                {"name": "failure-limit", "value": "1"},
                {"name": "inconclusive-limit", "value": "1"},
                {
                    "name": "secret-url",
                    "valueFrom": {"secretKeyRef": {"name": "example-secret", "key": key}},
                },
            ],
            "metrics": [
                {
                    "name": "webmetric",
                    "count": "{{args.analysis-runs}}",
                    "interval": "{{args.analysis-interval}}",
                    "failureLimit": "{{args.failure-limit}}",
                    "successCondition": "result == 'It worked!'",
                    "provider": {"web": {"url": "{{args.secret-url}}", "jsonPath": "{$.message}"}},
                }
            ],
        },
    }


STEPS = [
    {"setWeight": 25},
    {"analysis": {"templates": [{"templateName": "analysis-secret"}]}},
    {"pause": {}},
]
ANSWER = {"web": {URL: {"value": {"message": "It worked!"}}}}


def manifests(*extra):
    return [*basic(STEPS, replicas=1), *extra]


def test_analysis_with_secret_replay(tmp_path):
    """The web answer is keyed by the URL the Secret holds: it only matches if the argument
    was resolved from the Secret."""
    r = simulate(
        tmp_path,
        manifests(secret(), template()),
        [set_image("1m"), op("3m", "promote")],
        analysis=ANSWER,
        until="5m",
    )
    assert r.status_at(59).phase == "Healthy" and r.status_at(59).analysis_runs == ()
    paused = r.status_at(170)
    assert paused.phase == "Paused"
    (run,) = paused.analysis_runs
    assert (run.phase, run.successful) == ("Successful", 2)
    assert r.final.phase == "Healthy"
    assert r.final.stable_hash == next(rs.hash for rs in r.final.replica_sets if rs.revision == 2)


def test_string_data_and_a_missing_key(tmp_path):
    s = secret()
    s["stringData"] = {"other": URL}
    del s["data"]
    r = simulate(
        tmp_path,
        manifests(s, template(key="secretUrl")),
        [set_image("1m")],
        analysis=ANSWER,
        until="3m",
    )
    (run,) = r.final.analysis_runs
    assert run.phase == "Error"
    assert run.message == (
        "Unable to resolve metric arguments: key 'secretUrl' does not exist in secret "
        "'example-secret'"
    )
    assert r.final.phase == "Degraded"


def test_a_missing_secret_errors_the_run(tmp_path):
    r = simulate(tmp_path, manifests(template()), [set_image("1m")], analysis=ANSWER, until="3m")
    (run,) = r.final.analysis_runs
    assert run.message == 'Unable to resolve metric arguments: secrets "example-secret" not found'


def test_secret_values_are_never_shown(tmp_path):
    """No answer for the URL: the measurement's error names it, redacted; neither the value
    nor its base64 appear in the run's output or its result.json."""
    encoded = base64.b64encode(URL.encode()).decode()
    path = write_scenario(
        tmp_path,
        manifests=manifests(secret(), template()),
        operator=[set_image("1m")],
        until="3m",
    )
    r = canarysim.simulate(path)
    text = r.dumps()
    assert URL not in text and encoded not in text
    assert "*****" in text
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "canarysim", "run", str(path), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    shown = proc.stdout + proc.stderr
    shown += "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
    assert URL not in shown and encoded not in shown
    assert repr(canarysim.load_scenario(path).manifests.secrets[0]).count(encoded) == 0


@pytest.mark.parametrize("bad", ["not base64!", 42])
def test_a_bad_secret_value_is_refused_without_quoting_it(tmp_path, bad):
    path = write_scenario(tmp_path, manifests=manifests(secret(secretUrl=bad), template()))
    with pytest.raises(ScenarioError) as err:
        canarysim.load_scenario(path)
    message = str(err.value)
    assert "data.secretUrl" in message
    assert "value is not shown" in message
    # The file's own path may contain the digits of the bad value (pytest-42…): look after it.
    shown = message.split(str(path), 1)[-1]
    assert str(bad) not in shown
    assert json.dumps(bad) not in shown


def args_template():
    """``rollout-secret-withArgs.yaml``'s template: defaults for interval and runs, three
    arguments without a value, and the Secret's URL."""
    t = template()
    t["metadata"]["name"] = "analysis-secret-args"
    t["spec"]["args"] = [
        {"name": "analysis-interval", "value": "100s"},
        {"name": "analysis-runs", "value": "10"},
        {"name": "failure-limit"},
        {"name": "inconclusive-limit"},
        {"name": "success-condition"},
        {
            "name": "secret-url",
            "valueFrom": {"secretKeyRef": {"name": "example-secret", "key": "secretUrl"}},
        },
    ]
    metric = t["spec"]["metrics"][0]
    metric["initialDelay"] = "{{args.analysis-interval}}"
    metric["successCondition"] = 'result == "{{args.success-condition}}"'
    return t


def test_analysis_with_args_replay(tmp_path):
    """``analysis_test.go::TestAnalysisWithArgs``: the step's args override the template's
    (5 s interval and initial delay, 3 runs, failure limit 2, the success text), and fill the
    ones it leaves without a value; paused after the analysis, the run is Successful with a
    count of 3; promoted, revision 2 is stable. (The template's own 100 s interval would not
    finish three measurements before the pause.)"""
    steps = [
        {"setWeight": 25},
        {
            "analysis": {
                "templates": [{"templateName": "analysis-secret-args"}],
                "args": [
                    {"name": "failure-limit", "value": "2"},
                    {"name": "analysis-interval", "value": "5s"},
                    {"name": "analysis-runs", "value": "3"},
                    {"name": "inconclusive-limit", "value": "2"},
                    {"name": "success-condition", "value": "It worked!"},
                ],
            }
        },
        {"pause": {}},
    ]
    r = simulate(
        tmp_path,
        [*basic(steps, replicas=1), secret(), args_template()],
        [set_image("1m"), {"when": {"phase": "Paused"}, "do": "promote"}],
        analysis=ANSWER,
        until="4m",
    )
    assert r.status_at(59).analysis_runs == ()
    paused = next(s for s in r.snapshots if s.time > 60 and s.phase == "Paused")
    (run,) = paused.analysis_runs
    assert (run.phase, run.successful) == ("Successful", 3)
    # A 5 s initial delay, then every 5 s: three measurements 5 s apart.
    times = [m["time"] for m in r.measurements]
    assert len(times) == 3 and times[1] - times[0] == times[2] - times[1] == 5.0
    final = r.final
    assert final.phase == "Healthy"
    assert final.stable_hash == next(rs.hash for rs in final.replica_sets if rs.revision == 2)


def test_background_analysis_with_args_replay(tmp_path):
    """``analysis_test.go::TestBackgroundAnalysisWithArgs``: a background analysis from step 1
    with the rollout's args (10 s interval and delay, the success text) over the Secret's URL
    and no count: Running while paused (3 s after the pause); promoted, the rollout is Healthy
    and the terminated run Successful (a web measurement is never in flight, so termination
    leaves nothing Inconclusive, unlike a Job)."""
    t = template()
    t["spec"]["args"] = [
        {"name": "analysis-interval"},
        {"name": "failure-limit"},
        {"name": "inconclusive-limit"},
        {"name": "success-condition", "value": "replace"},
        {
            "name": "secret-url",
            "valueFrom": {"secretKeyRef": {"name": "example-secret", "key": "secretUrl"}},
        },
    ]
    metric = t["spec"]["metrics"][0]
    del metric["count"]
    metric["initialDelay"] = "{{args.analysis-interval}}"
    metric["successCondition"] = 'result == "{{args.success-condition}}"'
    background = {
        "templates": [{"templateName": "analysis-secret"}],
        "startingStep": 1,
        "args": [
            {"name": "failure-limit", "value": "2"},
            {"name": "analysis-interval", "value": "10s"},
            {"name": "inconclusive-limit", "value": "2"},
            {"name": "success-condition", "value": "It worked!"},
        ],
    }
    r = simulate(
        tmp_path,
        [*basic([{"setWeight": 25}, {"pause": {}}], replicas=1, analysis=background),
         secret(), t],
        [set_image("1m"), op("2m", "promote")],
        analysis=ANSWER,
        until="3m",
    )  # fmt: skip
    paused = next(s.time for s in r.snapshots if s.time > 60 and s.phase == "Paused")
    (run,) = r.status_at(paused + 3).analysis_runs
    assert run.phase == "Running"
    final = r.final
    assert final.phase == "Healthy"
    (run,) = final.analysis_runs
    assert run.phase == "Successful" and run.failed == 0 and run.successful >= 5
    assert all(m["phase"] == "Successful" for m in r.measurements)
