"""``canarysim test``: a line per expectation with the observed value, the summary, exit codes
a CI job gates on, folders searched for scenarios, JUnit XML."""

from __future__ import annotations

import io
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from canarysim.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["test", *argv], out=out)
    return code, out.getvalue()


def _copy(tmp_path: Path, name: str, expect: dict | None) -> Path:
    folder = tmp_path / name
    shutil.copytree(ROOT / "scenarios" / name, folder)
    path = folder / "scenario.yaml"
    data = yaml.safe_load(path.read_text())
    data.pop("expect", None)
    if expect is not None:
        data["expect"] = expect
    path.write_text(yaml.safe_dump(data))
    return path


def test_passing_scenarios_exit_0(tmp_path: Path) -> None:
    path = _copy(tmp_path, "basic-canary", {"finalPhase": "Healthy", "maxUnavailable": 0})
    code, text = _run(str(path))
    assert code == 0
    assert "PASS  finalPhase: expected Healthy, observed Healthy" in text
    assert "PASS  maxUnavailable: expected <= 0, observed 0" in text
    assert text.splitlines()[-1] == (
        "1 scenario(s): 2 expectation(s) passed, 0 failed, 0 error(s), 0 skipped"
    )


def test_a_failing_expectation_is_named_with_its_observed_value(tmp_path: Path) -> None:
    path = _copy(tmp_path, "analysis-abort", {"finalPhase": "Healthy", "maxCanaryErrorsServed": 5})
    junit = tmp_path / "out" / "report.xml"
    code, text = _run(str(path), "--junit", str(junit))
    assert code == 1
    assert "FAIL  finalPhase: expected Healthy, observed Degraded (" in text
    fail = next(line for line in text.splitlines() if "maxCanaryErrorsServed" in line)
    observed = int(fail.rsplit("observed ", 1)[1])
    assert fail.strip().startswith("FAIL") and observed > 5
    root = ET.parse(junit).getroot()
    assert root.get("failures") == "2" and root.get("tests") == "2"
    messages = [f.get("message") for f in root.iter("failure")]
    assert f"expected <= 5, observed {observed}" in messages


def test_folders_are_searched_and_manifests_skipped(tmp_path: Path) -> None:
    _copy(tmp_path, "basic-canary", {"finalPhase": "Healthy"})
    _copy(tmp_path, "subset-split", None)
    code, text = _run(str(tmp_path))
    assert code == 0
    assert "SKIP  " in text and "subset-split" in text and "no expect: block" in text
    assert "manifests.yaml" not in text
    assert text.splitlines()[-1].endswith(
        "1 expectation(s) passed, 0 failed, 0 error(s), 1 skipped"
    )


def test_a_broken_scenario_is_an_error_and_the_others_still_run(tmp_path: Path) -> None:
    _copy(tmp_path, "basic-canary", {"finalPhase": "Healthy"})
    bad = tmp_path / "zz-bad.yaml"
    bad.write_text("name: bad\nexpect: {finalPhase: Done}\nmanifests: []\n")
    code, text = _run(str(tmp_path))
    assert code == 2
    assert "PASS  finalPhase" in text
    error = next(line for line in text.splitlines() if line.startswith("ERROR"))
    assert "zz-bad.yaml" in error and "expect.finalPhase" in error


def test_runs_option_checks_every_seed(tmp_path: Path) -> None:
    path = _copy(tmp_path, "basic-canary", {"finalPhase": "Healthy"})
    code, text = _run(str(path), "--runs", "3")
    assert code == 0
    assert "(basic-canary, 3 runs)" in text and "in all 3 runs" in text


def test_a_missing_path_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "no/such/dir"], out=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert err.startswith("canarysim: error: no/such/dir") and err.count("\n") == 1


def test_runs_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["test", "scenarios/", "--runs", "0"])
    assert info.value.code == 2
    assert "invalid count '0'" in capsys.readouterr().err


def test_bundled_scenarios_meet_their_expectations(tmp_path: Path) -> None:
    """What .ci/run gates on, here too: every bundled scenario carries expectations."""
    junit = tmp_path / "scenarios.xml"
    code, text = _run(str(ROOT / "scenarios"), "--junit", str(junit))
    assert code == 0, text
    assert "SKIP" not in text
    root = ET.parse(junit).getroot()
    assert int(root.get("tests")) >= 7 and root.get("failures") == "0"
