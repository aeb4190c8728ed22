"""--vary paths and values: parsed, applied like with_changes, bad ones named."""

from __future__ import annotations

import pytest

import canarysim
from canarysim.errors import ScenarioError
from canarysim.evaluation.variants import expand, parse_path, parse_vary

ABORT = "scenarios/analysis-abort/scenario.yaml"
CANARY = 'versions."example/checkout:1.1".errorRate'


@pytest.fixture(scope="module")
def scenario():
    return canarysim.load_scenario(ABORT)


def test_paths_and_values_parse():
    assert parse_path('versions."a.b:1".errorRate') == ("versions", "a.b:1", "errorRate")
    assert parse_path("AnalysisTemplate/x.spec.metrics.0.count") == (
        "AnalysisTemplate/x", "spec", "metrics", 0, "count",
    )  # fmt: skip
    path, values = parse_vary("steps=[{setWeight: 10}, {pause: {}}],[{setWeight: 50}]")
    assert path == "steps" and [v for _, v in values] == [
        [{"setWeight": 10}, {"pause": {}}],
        [{"setWeight": 50}],
    ]
    assert [v for _, v in parse_vary("until=30m,1h")[1]] == ["30m", "1h"]
    for bad in ("traffic.rate", "=1", 'versions."x.errorRate=1', "a..b=1", "a.=1"):
        with pytest.raises(ScenarioError):
            parse_vary(bad)


def test_product_of_axes_applies_every_change(scenario):
    variants = expand(scenario, [f"{CANARY}=0.001,0.05", "traffic.rate=50,150", "until=20m"])
    assert len(variants) == 4
    assert variants[1].label == f"{CANARY}=0.001, traffic.rate=150, until=20m"
    v = variants[2].scenario
    assert v.version_for("example/checkout:1.1").error_rate == 0.05
    assert v.traffic.rate == 50 and v.until == 1200
    assert scenario.traffic.rate == 150  # the original is untouched
    assert expand(scenario, None)[0].scenario is scenario


def test_manifest_paths(scenario):
    (v,) = expand(scenario, ["AnalysisTemplate/error-rate.spec.metrics.0.failureLimit=3"])
    assert v.scenario.manifests.analysis_templates[0].raw["spec"]["metrics"][0]["failureLimit"] == 3
    (v,) = expand(scenario, ["rollout.spec.replicas=6"])
    assert v.scenario.rollout.spec.replicas == 6
    (v,) = expand(scenario, {"steps": {"one": [{"setWeight": 30}]}})
    assert (
        v.label == "steps=one" and v.scenario.rollout.spec.strategy.canary.steps[0].set_weight == 30
    )


def test_steps_from_a_file(scenario, tmp_path):
    f = tmp_path / "schedules.yaml"
    f.write_text("fast: [{setWeight: 50}]\nslow: [{setWeight: 10}, {pause: {duration: 1m}}]\n")
    variants = expand(scenario, [f"steps=@{f}"])
    assert [v.label for v in variants] == [f"steps=@{f}:fast", f"steps=@{f}:slow"]
    assert len(variants[1].scenario.rollout.spec.strategy.canary.steps) == 2


@pytest.mark.parametrize(
    ("vary", "names"),
    [
        ("trafic.rate=1", ["trafic", "one of: acceptErrors, analysis"]),
        ('versions."nope:1".errorRate=0.1', ["nope:1", "example/checkout:1.0"]),
        (f"{CANARY[:-1]}=0.1", ["errorRat", "errorRate"]),
        (f"{CANARY}=2", ["errorRate", "<= 1"]),
        ("until.x=1", ["until", "it is a value"]),
        ("rollout.spec.strategy.canary.stepz.0=1", ["stepz", "steps"]),
        ("Rollout/nope.spec.replicas=1", ["Rollout/nope", "Rollout/checkout"]),
        ("steps=[{setWeight: 500}]", ["SetWeight needs to be between 0 and 100"]),
        ("steps=@missing-file.yaml", ["missing-file.yaml"]),
    ],
)
def test_bad_variants_name_what_is_wrong(scenario, vary, names):
    with pytest.raises(ScenarioError) as err:
        expand(scenario, [vary])
    text = str(err.value)
    assert "\n" not in text
    for name in names:
        assert name in text, text
