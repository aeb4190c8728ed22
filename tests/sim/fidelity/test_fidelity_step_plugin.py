"""Argo's step-plugin e2e suite (test/e2e/step_plugin_test.go) against canarysim.

Every upstream test there drives a plugin binary the controller loads (``step/e2e-test``, which
returns the phase its ``config`` asks for, or is configured but disabled). canarysim cannot run a
plugin binary, so a Rollout with a ``plugin`` step is refused: ``validate`` reports it as an
error naming the step and the plugin, and ``run`` stops at load with that same sentence on one
line, exit 2. Nothing of the Rollout is simulated half-way, and the plugin step is never
skipped in silence. The manifests below have the shape of the upstream fixtures (two plugin
steps, the second asking for a phase and a requeue; a disabled plugin first), in our own words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from worldkit import write_scenario

from canarysim.cli import main


def plugin_rollout(name: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "strategy": {"canary": {"steps": steps}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "basic", "image": "nginx:1.19-alpine"}]},
            },
        },
    }


def plugin_step(name: str, **config: Any) -> dict[str, Any]:
    return {"plugin": {"name": name, "config": config}}


#: upstream fixture -> (the Rollout, the index of the first plugin step, its plugin's name)
FIXTURES = {
    "successful": (
        plugin_rollout(
            "step-plugin-e2e-successful",
            [
                plugin_step("step/e2e-test", **{"return": "Successful"}),
                plugin_step("step/e2e-test", **{"return": "Successful", "requeue": "17s"}),
            ],
        ),
        0,
        "step/e2e-test",
    ),
    "disabled": (
        plugin_rollout(
            "disabled-step-plugin",
            [
                plugin_step("step/e2e-test-disabled", **{"return": "Successful"}),
                plugin_step("step/e2e-test", **{"return": "Successful"}),
            ],
        ),
        0,
        "step/e2e-test-disabled",
    ),
    "after-a-weight": (
        plugin_rollout(
            "invalid-step-plugin",
            [{"setWeight": 20}, plugin_step("step/not-configured")],
        ),
        1,
        "step/not-configured",
    ),
}


def _write(tmp_path: Path, rollout: dict[str, Any]) -> Path:
    path = tmp_path / "rollout.yaml"
    path.write_text(yaml.safe_dump(rollout, sort_keys=False))
    return path


@pytest.mark.parametrize("fixture", sorted(FIXTURES))
def test_a_plugin_step_is_refused_at_load_and_validate_says_so(fixture, tmp_path, capsys):
    rollout, index, plugin = FIXTURES[fixture]
    path = _write(tmp_path, rollout)
    field = f"spec.strategy.canary.steps[{index}].plugin"

    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    errors = [line for line in out.splitlines() if ": error: " in line]
    # one error per plugin step, the first at the first plugin step
    plugin_steps = [s for s in rollout["spec"]["strategy"]["canary"]["steps"] if "plugin" in s]
    assert len(errors) == len(plugin_steps), out
    assert field in errors[0] and f"plugin step {plugin}" in errors[0]
    assert "[load/unsupported]" in errors[0]
    # the line named is the plugin step itself
    line = int(errors[0].split(":")[1])
    assert path.read_text().splitlines()[line - 1].strip().startswith("- plugin:")

    assert main(["run", "-f", str(path), "--until", "5m", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("canarysim: error: ")
    assert field in captured.err and f"plugin step {plugin}" in captured.err
    assert "cannot run" in captured.err


UPDATE = {"at": "1m", "do": "setImage", "container": "basic", "image": "nginx:1.20"}


def test_every_simulating_command_refuses_a_plugin_step(tmp_path, capsys):
    rollout, _, plugin = FIXTURES["successful"]
    path = write_scenario(
        tmp_path,
        manifests=[rollout],
        operator=[UPDATE],
    )
    for argv in (
        ["run", str(path)],
        ["steps", str(path)],
        ["get", str(path), "--at", "1m"],
        ["sweep", str(path), "--runs", "2", "--no-plots"],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"plugin step {plugin}" in err, argv
