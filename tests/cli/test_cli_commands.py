"""The real entry point: help on every command and option, README coverage, exit codes and
one-line errors for bad input (never a traceback)."""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from canarysim.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "scenarios" / "imesh-canary" / "scenario.yaml"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


COMMANDS = sorted(_subcommands())


def run_cli(*argv: str) -> tuple[int, str, str]:
    """``python -m canarysim ARGV`` in a subprocess: (exit code, stdout, stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", "canarysim", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_the_expected_commands_exist() -> None:
    assert COMMANDS == [
        "compare",
        "get",
        "report",
        "run",
        "schema",
        "steps",
        "sweep",
        "test",
        "tune",
        "validate",
    ]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_and_option_has_help(command: str) -> None:
    sub = _subcommands()[command]
    assert sub.description, f"{command} has no description"
    for action in sub._actions:
        assert action.help and action.help.strip(), f"{command} {action.dest} has no help"


@pytest.mark.parametrize("command", COMMANDS)
def test_help_runs_through_the_real_entry_point(command: str) -> None:
    code, out, err = run_cli(command, "--help")
    assert code == 0 and err == ""
    assert out.startswith(f"usage: canarysim {command}")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_in_readme_with_an_example(command: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"^\$? ?canarysim {command}\b", readme, re.MULTILINE), (
        f"README shows no example of `canarysim {command}`"
    )
    assert f"canarysim {command}" in (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


def test_top_level_help_lists_exit_codes() -> None:
    code, out, _ = run_cli("--help")
    assert code == 0
    for line in (
        "0  the rollout ended Healthy",
        "1  the rollout ended Degraded or aborted",
        "2  invalid input",
        "3  the rollout was still Progressing or Paused",
    ):
        assert line in out


def test_no_command_prints_help_and_exits_2() -> None:
    out = io.StringIO()
    assert main([], out=out) == 2
    assert "usage: canarysim" in out.getvalue()


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["run", "does-not-exist.yaml"], "does-not-exist.yaml"),
        (["get", "does-not-exist.yaml", "--at", "5m"], "does-not-exist.yaml"),
        (["steps", "does-not-exist.yaml"], "does-not-exist.yaml"),
        (["run"], "a SCENARIO file or at least one -f FILE"),
        (["run", str(SEED), "-f", str(SEED)], "either a SCENARIO file or -f manifests"),
        (["run", str(SEED), "--rate", "5/s"], "--rate"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("canarysim: error: ") and err.count("\n") == 1
    assert needle in err
    assert "Traceback" not in err


def test_a_scenario_that_is_not_yaml_gives_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nuntil: [unclosed\n")
    assert main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"canarysim: error: {bad}") and "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["run", "x.yaml", "--until", "2x"], "invalid duration '2x'"),
        (["run", "x.yaml", "--seed", "abc"], "invalid seed 'abc'"),
        (["run", "-f", "x.yaml", "--rate", "fast"], "invalid rate 'fast'"),
        (["run", "-f", "x.yaml", "--rate", "100/"], "invalid rate '100/'"),
        (["run", "-f", "x.yaml", "--rate", "nan"], "invalid rate 'nan'"),
        (["run", "-f", "x.yaml", "--set-image", "nginx"], "expected CONTAINER=IMAGE"),
        (["run", "x.yaml", "--mode", "fastest"], "invalid choice: 'fastest'"),
    ],
)
def test_bad_options_exit_2_with_usage(argv: list[str], needle: str) -> None:
    code, out, err = run_cli(*argv)
    assert code == 2 and out == ""
    assert needle in err and "Traceback" not in err
