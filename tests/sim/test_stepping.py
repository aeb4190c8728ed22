"""``canarysim.Simulation``: commands issued at the instants of a scenario's actions give the
very Result ``simulate()`` gives for that scenario; conditions on the status; errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import canarysim
from canarysim.errors import ScenarioError, SimulationError

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str, **changes: Any) -> Any:
    return canarysim.load_scenario(ROOT / "scenarios" / name / "scenario.yaml").with_changes(
        **changes
    )


PDB = {
    "apiVersion": "policy/v1",
    "kind": "PodDisruptionBudget",
    "metadata": {"name": "pdb"},
    "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "basic-demo"}}},
}

SCRIPTS = {
    "imesh-canary": [
        (
            "5m",
            "set_image",
            ("nginx", "nginx:1.15.5"),
            {"do": "setImage", "container": "nginx", "image": "nginx:1.15.5"},
        ),
        ("7m", "scale", (3,), {"do": "scale", "replicas": 3}),
        (
            "9m",
            "patch",
            ({"spec": {"replicas": 4}},),
            {"do": "patch", "patch": {"spec": {"replicas": 4}}},
        ),
        ("12m", "promote", (), {"do": "promote"}),
        ("20m", "restart", (), {"do": "restart"}),
    ],
    "basic-canary": [
        (
            "2m",
            "set_image",
            ("app", "example/basic-demo:green"),
            {"do": "setImage", "container": "app", "image": "example/basic-demo:green"},
        ),
        ("3m30s", "pause", (), {"do": "pause"}),
        ("5m", "resume", (), {"do": "resume"}),
        ("6m", "abort", (), {"do": "abort"}),
        ("8m", "retry", (), {"do": "retry"}),
        ("10m", "apply", (PDB,), {"do": "apply", "manifest": PDB}),
        (
            "11m",
            "delete",
            ("PodDisruptionBudget", "pdb"),
            {"do": "delete", "kind": "PodDisruptionBudget", "name": "pdb"},
        ),
        ("15m", "undo", (), {"do": "undo"}),
    ],
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_commands_at_the_actions_instants_give_the_same_result(name: str) -> None:
    script = SCRIPTS[name]
    mode = {"mode": "exact"} if name == "basic-canary" else {}
    traffic = {"traffic": mode} if mode else {}
    scripted = _load(
        name, until="25m", operator=[{"at": t, **a} for t, _, _, a in script], **traffic
    )
    bare = _load(name, until="25m", operator=None, **traffic)
    sim = canarysim.Simulation(bare)
    for at, verb, args, _ in script:
        sim.run_until(at)
        getattr(sim, verb)(*args)
    stepped = sim.result()
    expected = canarysim.simulate(scripted)
    assert stepped.dumps() == expected.dumps()
    assert sum(1 for e in stepped.events if e.get("source") == "operator") == len(script)


def test_run_until_a_condition_stops_at_the_first_status_that_meets_it() -> None:
    seed = _load("imesh-canary", until="30m")
    expected = canarysim.simulate(seed)
    sim = canarysim.Simulation(seed.with_changes(operator=None))
    sim.run_until("5m")
    sim.set_image("nginx", "nginx:1.15.5")
    status = sim.run_until(lambda st: st.phase == "Paused")
    first = next(s for s in expected.snapshots if s.phase == "Paused")
    assert status.time == first.time and status.step_index == first.step_index == 1
    assert sim.now == status.time
    sim.promote()
    result = sim.result()
    assert result.final.phase == "Healthy"
    assert result.summary["promoted_at"] < expected.until
    assert sim.status().phase == "Healthy"


def test_status_is_what_the_result_shows_then() -> None:
    sim = canarysim.Simulation(_load("imesh-canary", until="20m"))
    mid = sim.run_until("6m")
    result = sim.result()
    then = result.status_at(mid.time)
    assert (mid.phase, mid.step_index, mid.set_weight, mid.revision) == (
        then.phase,
        then.step_index,
        then.set_weight,
        then.revision,
    )


def test_errors() -> None:
    sim = canarysim.Simulation(_load("imesh-canary", until="10m", operator=None))
    sim.run_until("2m")
    with pytest.raises(ValueError, match="before now"):
        sim.run_until("1m")
    with pytest.raises(SimulationError, match="did not hold by 300s"):
        sim.run_until(lambda st: st.phase == "Paused", limit="5m")
    assert sim.now == 300.0
    with pytest.raises(ScenarioError, match=r"spec\.replicas: expected a whole number"):
        sim.patch({"spec": {"replicas": "many"}})
    assert canarysim.Simulation.__name__ in canarysim.__all__


def test_readme_stepping_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"### Stepping.*?```python\n(.*?)```", text, re.S)
    assert block is not None
    monkeypatch.chdir(ROOT)
    namespace: dict[str, Any] = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)
    result = namespace["result"]
    assert result.final.phase == "Healthy"
    # Promoted as soon as it paused: long before the scenario's own one-hour pause ends.
    assert result.summary["time_to_promotion"] < 600
