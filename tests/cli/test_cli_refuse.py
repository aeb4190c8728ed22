"""One source of truth: what ``canarysim validate`` calls an error, ``run``, ``get``, ``steps``
and the Python API refuse, with validate's own line and exit 2 (issue: a typo in a setImage
must not pass a CI gate)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

import canarysim
from canarysim.cli import main
from canarysim.errors import InputRefused, ScenarioError

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "scenarios" / "imesh-canary"


def _copy(tmp_path: Path) -> Path:
    for name in ("scenario.yaml", "rollout.yaml", "services.yaml", "virtualservice.yaml"):
        shutil.copy(SEED / name, tmp_path / name)
    shutil.copy(SEED / "gateway.yaml", tmp_path / "gateway.yaml")
    return tmp_path / "scenario.yaml"


def _edit(path: Path, change) -> None:
    docs = list(yaml.safe_load_all(path.read_text()))
    docs = change(docs) or docs
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))


def _set_image_typo(d: Path) -> None:
    _edit(d / "scenario.yaml", lambda docs: docs[0]["operator"][0].update(container="ngnix"))


def _duplicate(d: Path) -> None:
    _edit(d / "services.yaml", lambda docs: [*docs, docs[0]])


def _api_version(d: Path) -> None:
    _edit(d / "rollout.yaml", lambda docs: docs[0].update(apiVersion="argoproj.io/v9"))


def _negative_weight(d: Path) -> None:
    def change(docs):
        docs[0]["spec"]["http"][0]["route"][0]["weight"] = -5

    _edit(d / "virtualservice.yaml", change)


def _unknown_node(d: Path) -> None:
    _edit(
        d / "scenario.yaml",
        lambda docs: docs[0].update(faults=[{"at": "1m", "do": "killNode", "node": "node-99"}]),
    )


def _invalid_spec(d: Path) -> None:
    def change(docs):
        docs[0]["spec"]["strategy"]["canary"]["stableService"] = "missing-svc"

    _edit(d / "rollout.yaml", change)


CASES = {
    "set-image": (_set_image_typo, "scenario/set-image", 'unable to find container named "ngnix"'),
    "duplicate": (_duplicate, "load/duplicate", 'Service "canary-svc" is defined twice'),
    "api-version": (_api_version, "load/api-version", 'no Rollout in version "argoproj.io/v9"'),
    "vs-weight": (_negative_weight, "lint/vs-weights", "weight -5 < 0: Istio rejects it"),
    "kill-node": (_unknown_node, "scenario/kill-node", 'no node "node-99"'),
    "invalid-spec": (_invalid_spec, "argo/invalid-spec", 'services "missing-svc" not found'),
}


def _validate_error_lines(path: Path, capsys) -> list[str]:
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    return [line for line in out.splitlines() if ": error: " in line]


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("command", ["run", "get", "steps"])
def test_every_command_refuses_what_validate_calls_an_error(tmp_path, capsys, case, command):
    make, rule, needle = CASES[case]
    scenario = _copy(tmp_path)
    make(tmp_path)
    lines = _validate_error_lines(scenario, capsys)
    assert lines and all(needle in line or rule not in line for line in lines)
    code = main([command, str(scenario)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    err = captured.err.strip()
    assert "\n" not in err and "Traceback" not in err
    # the same line validate prints, word for word
    assert any(err.startswith(f"canarysim: error: {line}") for line in lines), (err, lines)
    assert f"[{rule}]" in err and needle in err


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_python_api_refuses_at_load_time(tmp_path, case):
    make, rule, needle = CASES[case]
    scenario = _copy(tmp_path)
    make(tmp_path)
    with pytest.raises(InputRefused) as err:
        canarysim.load_scenario(scenario)
    assert err.value.rule == rule and needle in str(err.value)
    with pytest.raises(InputRefused):
        canarysim.simulate(scenario)


def test_a_change_in_memory_is_refused_like_a_file():
    seed = canarysim.load_scenario(SEED / "scenario.yaml")
    with pytest.raises(InputRefused, match=r'no node "node-99".*\[scenario/kill-node\]'):
        seed.with_changes(faults=[{"at": "1m", "do": "killNode", "node": "node-99"}])
    with pytest.raises(InputRefused, match=r"\[scenario/set-image\]"):
        seed.with_changes(operator=[{"at": "1m", "do": "setImage", "container": "x", "image": "y"}])
    with pytest.raises(ScenarioError, match=r"^<changes>: patch: expected a mapping"):
        seed.with_manifest("Rollout", "imesh-rollout", "notadict")


@pytest.mark.parametrize("source", [None, 5, b"name: x\n", 1.5])
def test_load_scenario_of_something_that_is_no_scenario(source):
    with pytest.raises(ScenarioError, match=r"^<memory>: expected a scenario file's path"):
        canarysim.load_scenario(source)


def test_run_dash_f_refuses_manifests_validate_calls_invalid(capsys):
    published = SEED / "as-published"
    files = [published / n for n in ("rollout.yaml", "services.yaml", "virtualservice.yaml")]
    argv = [x for f in files for x in ("-f", str(f))]
    assert main(["run", *argv, "-n", "deb-ns"]) == 2
    err = capsys.readouterr().err
    assert "[argo/invalid-spec]" in err and "more error(s): canarysim validate lists them" in err


def test_accepted_errors_are_simulated_and_validate_agrees(tmp_path, capsys):
    """A scenario that accepts an error on purpose runs (Argo's answer: Degraded,
    InvalidSpec), and validate, given that scenario, does not call it an error."""
    scenario = _copy(tmp_path)
    _invalid_spec(tmp_path)
    _edit(scenario, lambda docs: docs[0].update(acceptErrors=["argo/invalid-spec"], until="2m"))
    assert main(["validate", str(scenario)]) == 0
    assert "(accepted: acceptErrors)" in capsys.readouterr().out
    assert main(["run", str(scenario)]) == 1
    assert "InvalidSpec" in capsys.readouterr().out


def test_errors_a_cluster_refuses_cannot_be_accepted(tmp_path, capsys):
    scenario = _copy(tmp_path)
    _edit(scenario, lambda docs: docs[0].update(acceptErrors=["scenario/set-image"]))
    assert main(["run", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "acceptErrors[0]: expected one of 'argo/invalid-spec'" in err
