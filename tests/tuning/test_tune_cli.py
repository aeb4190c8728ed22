"""``canarysim tune`` at the edge: bad input is one line and exit 2 naming the option; no
candidate within the budget is exit 1 with the closest listed; --out writes the files."""

from __future__ import annotations

from pathlib import Path

import pytest

from canarysim.cli import main

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "scenarios" / "imesh-analysis" / "scenario.yaml")
REG = 'versions."nginx:1.15.5".errorRate=0.01'


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    ("args", "option", "expected"),
    [
        (["--regression", 'versions."nginx:9".errorRate=0.01'], "--regression", "nginx:1.15.5"),
        (["--regression", 'versions."nginx:1.15.4".errorRate=0.01'], "--regression", "canary"),
        (["--regression", 'versions."nginx:1.15.5".errorRate=0.0001'], "--regression", "worse"),
        (["--regression", "traffic.rate=5"], "--regression", "versions"),
        (["--regression", "errorRate"], "--regression", "VALUE"),
        ([f"--regression={REG}", "--detect", "1"], "--detect", "below 1"),
        ([f"--regression={REG}", "--detect", "0.999"], "--detect", "runs certify"),
        ([f"--regression={REG}", "--false-rollback", "0.001"], "--false-rollback", "runs certify"),
        ([f"--regression={REG}", "--steps", "3..1"], "--steps", "MIN <= MAX"),
        ([f"--regression={REG}", "--steps", "two"], "--steps", "MIN..MAX"),
        ([f"--regression={REG}", "--pauses", "1x"], "--pauses", "durations"),
        ([f"--regression={REG}", "--weights", "5,200", "--family", "custom"], "--weights", "1..99"),
        ([f"--regression={REG}", "--weights", "5"], "--weights", "exponential or custom"),
        ([f"--regression={REG}", "--max-duration", "30s"], "--max-duration", "at least 1m"),
        ([f"--regression={REG}", "--max-blast-radius", "0"], "--max-blast-radius", "above 0"),
        ([f"--regression={REG}", "--threshold", "0.99", "--metric", "x"], "--metric", "metric"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, option, expected, capsys) -> None:
    code, out, err = run(["tune", SCENARIO, *args], capsys)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and option in lines[0] and expected in lines[0], err
    assert "Traceback" not in err and out == ""


def test_knob_on_a_rollout_without_analysis(capsys) -> None:
    seed = str(ROOT / "scenarios" / "imesh-canary" / "scenario.yaml")
    code, _, err = run(["tune", seed, "--regression", REG, "--failure-limit", "1"], capsys)
    assert code == 2 and "--failure-limit" in err and "analysis" in err


def test_no_candidate_meets_the_budget_exit_1(capsys, tmp_path) -> None:
    argv = ["tune", SCENARIO, "--regression", REG, "--detect", "0.5", "--false-rollback", "0.3"]
    argv += ["--max-blast-radius", "1", "--steps", "1", "--pauses", "1m,2m"]
    argv += ["--runs-per-candidate", "12", "--min-runs", "4", "-j", "1"]
    argv += ["--out", str(tmp_path / "o"), "--no-plots"]
    code, out, err = run(argv, capsys)
    assert code == 1, err
    assert "NO CANDIDATE MEETS THE BUDGET" in out and "blast radius" in out.split("The closest:")[1]
    assert not (tmp_path / "o" / "steps.yaml").exists()
    assert (tmp_path / "o" / "report.json").exists()


def test_tune_writes_steps_and_exits_0(capsys, tmp_path) -> None:
    argv = ["tune", SCENARIO, "--regression", REG, "--detect", "0.7", "--false-rollback", "0.2"]
    argv += ["--steps", "2", "--pauses", "2m", "--runs-per-candidate", "20", "-j", "1"]
    argv += ["--threshold", "0.995,0.99", "--out", str(tmp_path / "o"), "--no-plots"]
    code, out, err = run(argv, capsys)
    assert code == 0, out + err
    steps = (tmp_path / "o" / "steps.yaml").read_text()
    assert "setWeight: 33" in steps and "duration: 2m" in steps
    templates = (tmp_path / "o" / "analysis-templates.yaml").read_text()
    assert "kind: AnalysisTemplate" in templates and "result[0] >= 0.99" in templates
    assert "recommended: 33/67 % every 2m (threshold=" in out


def test_help_lists_the_budget(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["tune", "--help"])
    text = capsys.readouterr().out
    for option in ("--detect", "--false-rollback", "--family", "--runs-per-candidate", "--out"):
        assert option in text
