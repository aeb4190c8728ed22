"""A run never ignores a setting silently: whatever ``validate`` warns canarysim does not
simulate (``lint/unsupported``) is in ``Result.warnings``, worded as validate words it."""

from __future__ import annotations

from fidelitykit import routed, simulate

from canarysim import load_scenario
from canarysim.declarations import validate_scenario


def test_every_unsupported_setting_validate_names_is_a_run_warning(tmp_path):
    manifests = routed(
        [{"setWeight": 50}, {"pause": {"duration": 10}}],
        antiAffinity={"requiredDuringSchedulingIgnoredDuringExecution": {}},
    )
    manifests[0]["spec"]["template"]["spec"]["nodeSelector"] = {"disk": "ssd"}
    r = simulate(tmp_path, manifests, until="1m")
    scenario = load_scenario(next(tmp_path.glob("scenario-*.yaml")))
    expected = [
        (f.file, f.line, f.message)
        for f in validate_scenario(scenario)
        if f.rule == "lint/unsupported"
    ]
    assert len(expected) == 2
    for file, line, message in expected:
        assert f"{file}:{line}: {message}" in r.warnings


def test_a_clean_run_has_no_such_warning(tmp_path):
    r = simulate(tmp_path, routed([{"setWeight": 50}, {"pause": {"duration": 10}}]), until="1m")
    assert not [w for w in r.warnings if "not supported" in w]
