"""Sizes canarysim would hang on are refused up front, naming the field and the limit; large
manifest files still load (their duplicate check is a lookup, not a scan)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import canarysim
from canarysim.declarations.load import load_manifests
from canarysim.declarations.scenario.limits import (
    MAX_ACTIONS,
    MAX_BUCKETS,
    MAX_EXACT_REQUESTS,
    MAX_REPLICAS,
    MAX_STEPS,
)
from canarysim.errors import ScenarioError

SEED = Path(__file__).resolve().parents[2] / "scenarios" / "imesh-canary" / "scenario.yaml"


@pytest.fixture(scope="module")
def seed():
    return canarysim.load_scenario(SEED)


def _rollout(seed, spec):
    return seed.with_manifest("Rollout", "imesh-rollout", {"spec": spec})


@pytest.mark.parametrize(
    ("change", "field", "limit"),
    [
        (lambda s: _rollout(s, {"replicas": 10**9}), "spec.replicas", f"at most {MAX_REPLICAS:,}"),
        (
            lambda s: s.with_changes(operator=[{"at": 60, "do": "scale", "replicas": 10**6}]),
            "operator[0].replicas",
            f"at most {MAX_REPLICAS:,} replicas",
        ),
        (
            lambda s: _rollout(s, {"strategy": {"canary": {"steps": [{"setWeight": 5}] * 10_000}}}),
            "spec.strategy.canary.steps",
            f"at most {MAX_STEPS} steps",
        ),
        (
            lambda s: _rollout(
                s, {"strategy": {"canary": {"steps": [{"setCanaryScale": {"replicas": 10**6}}]}}}
            ),
            "spec.strategy.canary.steps[0].setCanaryScale.replicas",
            f"at most {MAX_REPLICAS:,}",
        ),
        (
            lambda s: _rollout(
                s, {"strategy": {"canary": {"steps": [{"setCanaryScale": {"weight": 10**5}}]}}}
            ),
            "spec.strategy.canary.steps[0].setCanaryScale.weight",
            f"at most {MAX_REPLICAS:,} replicas (spec.replicas × weight / 100)",
        ),
        (
            lambda s: _rollout(
                s, {"strategy": {"canary": {"steps": [{"setCanaryScale": {"weight": -165}}]}}}
            ),
            "spec.strategy.canary.steps[0].setCanaryScale.weight",
            "a value >= 0",
        ),
        (lambda s: s.with_changes(until="200h"), "until", "at most 7d"),
        (
            lambda s: s.with_changes(outputs={"bucket": "1ms"}),
            "outputs.bucket",
            f"at most {MAX_BUCKETS:,} time buckets",
        ),
        (
            lambda s: s.with_changes(
                operator=[{"at": i, "do": "pause"} for i in range(MAX_ACTIONS + 1)]
            ),
            "operator",
            f"at most {MAX_ACTIONS:,} entries",
        ),
        (
            lambda s: s.with_changes(traffic={"rate": 10**6, "mode": "exact"}),
            "traffic.mode",
            f"at most {MAX_EXACT_REQUESTS:,} requests",
        ),
    ],
)
def test_sizes_beyond_a_limit_are_refused_naming_field_and_limit(seed, change, field, limit):
    with pytest.raises(ScenarioError) as err:
        change(seed)
    text = str(err.value)
    assert err.value.field == field, text
    assert limit in text and "\n" not in text


def test_sizes_at_the_limit_load(seed):
    _rollout(seed, {"replicas": MAX_REPLICAS})
    seed.with_changes(until="7d")


def test_run_overrides_are_held_to_the_limits_too(seed):
    fast = seed.with_changes(traffic={"rate": 10**5})
    with pytest.raises(ScenarioError, match=r"--mode: expected at most 5,000,000 requests"):
        canarysim.simulate(fast, mode="exact")
    with pytest.raises(ScenarioError, match=r"until: expected a run of at most 7d"):
        canarysim.simulate(seed, until=8 * 86400)


def test_a_large_manifest_file_loads_and_still_finds_duplicates(tmp_path):
    services = [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": f"svc-{i % 1500}", "namespace": "ns" if i < 1500 else "other"},
            "spec": {"ports": [{"port": 80}]},
        }
        for i in range(2000)
    ]
    services.append(services[3])  # a true duplicate: same name, same namespace
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump_all(services))
    objs = load_manifests([path])
    assert len(objs.services) == 2000
    dups = [f for f in objs.findings if f.rule == "load/duplicate"]
    assert [f.message.split(" is ")[0] for f in dups] == ['Service "svc-3"']
