"""Loading files: bad input becomes one ScenarioError line (file, line, field, expectation)."""

from __future__ import annotations

from pathlib import Path

import pytest
from spec_helpers import BASE_ROLLOUT, SERVICES

from canarysim.declarations import load_manifests, load_scenario
from canarysim.declarations.yamlio import parse_documents
from canarysim.errors import ScenarioError


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text)
    return p


def error_of(fn, *args, **kwargs) -> str:
    with pytest.raises(ScenarioError) as info:
        fn(*args, **kwargs)
    return str(info.value)


# ------------------------------------------------------------------------------ YAML itself
def test_values_keep_their_lines():
    doc = parse_documents("a: 1\nb:\n  - x\n  - {c: 2}\n", "f.yaml")[0]
    assert doc.data == {"a": 1, "b": ["x", {"c": 2}]}
    assert doc.line_of(("b", 1, "c")) == 4
    assert doc.line_of(("b", 9)) == 2  # falls back to the closest ancestor


def test_malformed_yaml():
    assert error_of(parse_documents, "a: [1, 2\nb: 3\n", "f.yaml").startswith(
        "f.yaml:2: expected valid YAML; the parser says: "
    )


def test_duplicate_keys_are_refused():
    assert error_of(parse_documents, "a: 1\nb: 2\na: 3\n", "f.yaml") == (
        "f.yaml:3: a: expected each key once per mapping, got a duplicate key"
    )


def test_recursive_anchor():
    assert error_of(parse_documents, "a: &x [1, *x]\n", "f.yaml") == (
        "f.yaml:1: a[1]: expected data without a recursive alias, "
        "got an anchor that contains itself"
    )


def test_alias_bomb_is_bounded():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    message = error_of(parse_documents, "\n".join(lines), "bomb.yaml")
    assert "expected at most 200000 values (are aliases nested?)" in message


def test_deep_nesting_is_refused():
    assert error_of(parse_documents, "[" * 500 + "]" * 500, "deep.yaml") == (
        "deep.yaml:1: expected nesting at most 64 levels deep"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("n: 123456789012345678901234567890123", "a number Kubernetes can store (64-bit)"),
        ("n: 9223372036854775808", "a number Kubernetes can store (64-bit)"),
        ("n: .inf", "a finite number"),
        ("n: !custom 3", "a plain YAML value (custom tags are not supported)"),
    ],
)
def test_scalars_no_cluster_could_hold(text, expected):
    assert f"f.yaml:1: n: expected {expected}" in error_of(parse_documents, text, "f.yaml")


def test_timestamps_stay_strings():
    assert parse_documents("t: 2024-01-02T03:04:05Z", "f")[0].data == {"t": "2024-01-02T03:04:05Z"}


# ------------------------------------------------------------------------------ files
def test_missing_file(tmp_path):
    missing = tmp_path / "nope.yaml"
    assert error_of(load_manifests, [missing]) == (
        f"{missing}: expected an existing file, got no such file"
    )


def test_directory_like_kubectl_apply_f(tmp_path):
    assert error_of(load_manifests, [tmp_path]) == (
        f"{tmp_path}: expected a directory holding .yaml, .yml or .json files"
    )
    write(tmp_path, "b-services.yaml", SERVICES)
    write(tmp_path, "a-rollout.yml", BASE_ROLLOUT)
    write(tmp_path, "notes.txt", "not a manifest")
    objs = load_manifests([tmp_path])
    assert objs.files == [str(tmp_path / "a-rollout.yml"), str(tmp_path / "b-services.yaml")]
    assert [o.ref for o in objs.all()] == [
        "Rollout/demo",
        "Service/demo-canary",
        "Service/demo-stable",
    ]


def test_non_utf8(tmp_path):
    p = write(tmp_path, "latin.yaml", "a: 1\nb: caf\xe9\n".encode("latin-1"))
    assert error_of(load_manifests, [p]) == f"{p}:2: expected UTF-8 text, got byte 0xe9"


def test_binary_file(tmp_path):
    p = write(tmp_path, "bin.yaml", b"a: 1\n\x00\x01")
    assert (
        error_of(load_manifests, [p])
        == f"{p}:2: expected text, not binary data, got a NUL character"
    )


# ------------------------------------------------------------------------------ manifests
def test_multi_document_and_namespace_default(tmp_path):
    p = write(tmp_path, "all.yaml", BASE_ROLLOUT + "---\n" + SERVICES)
    objs = load_manifests([p], namespace="team-a")
    assert [o.ref for o in objs.all()] == [
        "Rollout/demo",
        "Service/demo-canary",
        "Service/demo-stable",
    ]
    assert {o.namespace for o in objs.all()} == {"team-a"}
    assert objs.rollout.raw["metadata"] == {"name": "demo"}  # raw stays as written


def test_object_without_kind(tmp_path):
    p = write(tmp_path, "x.yaml", "apiVersion: v1\nmetadata: {name: a}\n")
    assert error_of(load_manifests, [p]) == f"{p}:1: kind: expected the object's kind, e.g. Rollout"


def test_unknown_kinds_are_ignored_with_a_warning(tmp_path):
    p = write(tmp_path, "x.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    objs = load_manifests([p])
    assert [str(f) for f in objs.findings] == [
        f"{p}:1: warning: ConfigMap (v1) is not simulated; ignored [load/ignored-kind]"
    ]


def test_duplicates_are_reported_and_the_later_wins(tmp_path):
    p = write(tmp_path, "x.yaml", SERVICES + "---\n" + SERVICES.split("---")[0])
    objs = load_manifests([p])
    assert len(objs.services) == 2
    assert [f.rule for f in objs.findings] == ["load/duplicate"]
    assert 'Service "demo-canary" is defined twice' in objs.findings[0].message


def test_wrong_type_names_file_line_and_field(tmp_path):
    p = write(tmp_path, "r.yaml", BASE_ROLLOUT.replace("replicas: 4", "replicas: four"))
    assert error_of(load_manifests, [p]) == (
        f"{p}:7: spec.replicas: expected a whole number, got 'four'"
    )


def test_unknown_step_kind_suggests_the_right_one(tmp_path):
    p = write(tmp_path, "r.yaml", BASE_ROLLOUT.replace("- setWeight: 20", "- setWeigth: 20"))
    assert error_of(load_manifests, [p]) == (
        f"{p}:32: spec.strategy.canary.steps[0]: expected a step kind (setWeight, pause, "
        "experiment, analysis, setCanaryScale, setHeaderRoute, setMirrorRoute, plugin), "
        "got 'setWeigth' (did you mean 'setWeight'?)"
    )


def test_weight_beyond_int32(tmp_path):
    p = write(tmp_path, "r.yaml", BASE_ROLLOUT.replace("setWeight: 20", "setWeight: 99999999999"))
    assert error_of(load_manifests, [p]) == (
        f"{p}:32: spec.strategy.canary.steps[0].setWeight: expected a number <= 2147483647, "
        "got 99999999999"
    )


# ------------------------------------------------------------------------------ scenarios
def scenario_dir(tmp_path: Path, scenario: str) -> Path:
    write(tmp_path, "rollout.yaml", BASE_ROLLOUT)
    write(tmp_path, "services.yaml", SERVICES)
    return write(tmp_path, "scenario.yaml", scenario)


def test_scenario_unknown_key_with_did_you_mean(tmp_path):
    p = scenario_dir(tmp_path, "manifests: [rollout.yaml]\nuntill: 1h\n")
    assert error_of(load_scenario, p) == (
        f"{p}:2: untill: expected a known field (this one is not part of the format) "
        "(did you mean 'until'?)"
    )


def test_scenario_duration_that_does_not_parse(tmp_path):
    p = scenario_dir(tmp_path, "manifests: [rollout.yaml]\nuntil: 2 hours\n")
    assert error_of(load_scenario, p) == (
        f"{p}:2: until: expected a duration such as 30s, 5m or 1h30m, got '2 hours'"
    )


def test_scenario_operator_verb_typo(tmp_path):
    p = scenario_dir(tmp_path, "manifests: [rollout.yaml]\noperator:\n  - at: 5m\n    do: promte\n")
    assert error_of(load_scenario, p) == (
        f"{p}:4: operator[0].do: expected one of 'setImage', 'promote', 'promoteFull', 'abort', "
        "'retry', 'pause', 'resume', 'restart', 'undo', 'scale', 'patch', 'markPodsReady', "
        "'apply', 'delete' (did you mean 'promote'?), got 'promte'"
    )


def test_scenario_missing_manifest_file(tmp_path):
    p = scenario_dir(tmp_path, "manifests:\n  - rollout.yaml\n  - nowhere.yaml\n")
    assert error_of(load_scenario, p) == (
        f"{p}:3: manifests: expected an existing manifest file or directory, got nowhere.yaml"
    )


def test_scenario_without_a_rollout(tmp_path):
    p = scenario_dir(tmp_path, "manifests: [services.yaml]\n")
    assert error_of(load_scenario, p) == (
        f"{p}:1: manifests: expected at least one Rollout (argoproj.io/v1alpha1), got none"
    )


def test_a_manifest_is_not_a_scenario(tmp_path):
    p = write(tmp_path, "r.yaml", BASE_ROLLOUT)
    assert "expected a scenario file, not a Kubernetes manifest" in error_of(load_scenario, p)


def test_embedded_manifest_errors_point_into_the_scenario(tmp_path):
    p = scenario_dir(
        tmp_path,
        "manifests:\n  - rollout.yaml\n  - apiVersion: v1\n    kind: Service\n"
        "    metadata: {name: x}\n    spec:\n      ports: [{port: eighty}]\n",
    )
    assert error_of(load_scenario, p) == (
        f"{p}:7: manifests[1].spec.ports[0].port: expected a whole number, got 'eighty'"
    )


def test_csv_trace(tmp_path):
    write(tmp_path, "trace.csv", "time,rate\n0,10\n1m,20\n120,5.5\n")
    p = scenario_dir(
        tmp_path,
        "manifests: [rollout.yaml, services.yaml]\nacceptErrors: [argo/invalid-spec]\n"
        "traffic:\n  pattern: csv\n  csv: trace.csv\n",
    )
    t = load_scenario(p).traffic
    assert [(x.at, x.rate) for x in t.points] == [(0.0, 10.0), (60.0, 20.0), (120.0, 5.5)]
    assert (t.rate_at(59.9), t.rate_at(60.0), t.rate_at(1e6)) == (10.0, 20.0, 5.5)


def test_csv_trace_bad_row(tmp_path):
    write(tmp_path, "trace.csv", "0,10\n1m,lots\n")
    p = scenario_dir(
        tmp_path,
        "manifests: [rollout.yaml, services.yaml]\nacceptErrors: [argo/invalid-spec]\n"
        "traffic:\n  pattern: csv\n  csv: trace.csv\n",
    )
    assert error_of(load_scenario, p) == (
        f"{tmp_path / 'trace.csv'}:2: rate: expected a number of requests per second, got lots"
    )


def test_csv_trace_time_given_twice(tmp_path):
    # Found by canarysim.testing's traffic strategies: it used to reach the simulator as a
    # traceback ("trace times must be strictly increasing").
    write(tmp_path, "trace.csv", "0,10\n1m,20\n60,30\n")
    p = scenario_dir(
        tmp_path, "manifests: [rollout.yaml]\ntraffic:\n  pattern: csv\n  csv: trace.csv\n"
    )
    assert error_of(load_scenario, p) == (
        f"{tmp_path / 'trace.csv'}:3: time: expected a time not already given on line 2, got 60"
    )


def test_scenario_lint(tmp_path):
    from canarysim.declarations import validate_paths

    p = scenario_dir(
        tmp_path,
        "until: 1h\nmanifests: [rollout.yaml, services.yaml]\n"
        "versions:\n  demo:v9: {errorRate: 0.1}\n"
        "operator:\n  - {at: 5m, do: setImage, container: web, image: demo:v2}\n"
        "  - {at: 2h, do: promote}\n"
        "faults:\n  - {at: 1m, do: killNode, node: node-7}\n",
    )
    got = [(f.line, f.rule, f.severity, f.message) for f in validate_paths([p]) if f.file == str(p)]
    assert got == [
        (
            4,
            "scenario/unused-version",
            "warning",
            'version "demo:v9" is never deployed: neither the Rollout\'s template nor a setImage '
            "action uses that image",
        ),
        (
            6,
            "scenario/set-image",
            "error",
            'kubectl argo rollouts set image would fail: unable to find container named "web" '
            '(Rollout "demo" has: app)',
        ),
        (
            7,
            "scenario/after-until",
            "warning",
            "operator action promote at 7200s never happens: the run ends at 3600s",
        ),
        (
            9,
            "scenario/kill-node",
            "error",
            'no node "node-7": the cluster has node-1, node-2, node-3',
        ),
    ]


def test_unquoted_template_placeholder_is_explained():
    text = "metadata:\n  annotations:\n    linkerd.io/inject: {{args.enabled}}\n"
    assert error_of(parse_documents, text, "t.yaml") == (
        "t.yaml:3: metadata.annotations.linkerd.io/inject: expected plain text mapping keys "
        "(a value starting with '{' is a YAML mapping: quote templated values such as "
        "'{{args.x}}')"
    )


def test_types_are_strict_like_kubernetes_json_decoding(tmp_path):
    """kubectl rejects `replicas: "2"` and an unquoted `true` label value; so do we."""
    p = write(tmp_path, "r.yaml", BASE_ROLLOUT.replace("replicas: 4", 'replicas: "4"'))
    assert (
        error_of(load_manifests, [p]) == f"{p}:7: spec.replicas: expected a whole number, got '4'"
    )
    p = write(
        tmp_path, "s.yaml", SERVICES.replace("selector: {app: demo}", "selector: {canary: true}", 1)
    )
    assert (
        error_of(load_manifests, [p]) == f"{p}:6: spec.selector.canary: expected a string, got True"
    )


def test_exit_code_rule():
    from canarysim.declarations import Finding, exit_code

    warning = Finding("f", 1, "lint/x", "warning", "w")
    error = Finding("f", 2, "lint/y", "error", "e")
    assert (exit_code([]), exit_code([warning]), exit_code([warning, error])) == (0, 0, 1)
    assert exit_code([], unreadable=True) == 2
    assert str(error) == "f:2: error: e [lint/y]"


def test_csv_trace_times_and_rates(tmp_path):
    from canarysim.declarations.scenario.load import read_rate_csv

    rows = list(read_rate_csv("t,r\n0,1\n1.5,2\n2m,3\n\n1h30m,4e2\n", "t.csv"))
    assert rows == [(0.0, 1.0), (1.5, 2.0), (120.0, 3.0), (5400.0, 400.0)]
    for bad, message in [
        ("0,1\n-5,2\n", "t.csv:2: time: expected a duration >= 0, got -5"),
        ("0,1\n5,nan\n", "t.csv:2: rate: expected a rate between 0 and 10000000, got nan"),
        ("0\n", "t.csv:1: expected two columns time,rate, got 0"),
    ]:
        with pytest.raises(ScenarioError) as info:
            list(read_rate_csv(bad, "t.csv"))
        assert str(info.value) == message
