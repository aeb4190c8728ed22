"""Golden tests: the bundled scenarios' terminal output and result.json, compared byte for byte
with the files committed under tests/cli/golden/.

A change in what canarysim prints or simulates shows up here as a diff. When the change is
intended, regenerate the expected files on purpose and review the diff before committing::

    CANARYSIM_REGEN=1 python -m pytest tests/cli/test_cli_golden.py

Output is captured without a terminal (no colour, no progress line), exactly as a pipe gets it.
"""

from __future__ import annotations

import importlib.util
import io
import os
from pathlib import Path

import pytest

from canarysim.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
REGEN = os.environ.get("CANARYSIM_REGEN") == "1"
SCENARIOS = sorted(p.relative_to(ROOT) for p in (ROOT / "scenarios").glob("**/scenario.yaml"))
SEED = Path("scenarios/imesh-canary/scenario.yaml")

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("canarysim.sim.world") is None,
    reason="the simulator (canarysim.sim.world) is not there yet",
)


def _slug(scenario: Path) -> str:
    return "--".join(scenario.parent.relative_to("scenarios").parts)


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if REGEN:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(
            f"no golden file {path.relative_to(ROOT)}; create it on purpose with "
            "CANARYSIM_REGEN=1 python -m pytest tests/cli/test_cli_golden.py"
        )
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"output differs from {path.relative_to(ROOT)}; if intended, regenerate with "
        "CANARYSIM_REGEN=1 python -m pytest tests/cli/test_cli_golden.py"
    )


def cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # relative paths in the output, as a user types them
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=_slug)
def test_run_output_and_result_json(scenario: Path, tmp_path: Path) -> None:
    code, text = cli("run", str(scenario), "--out", str(tmp_path))
    check_golden(f"{_slug(scenario)}.run.txt", f"$ canarysim run {scenario}\n{text}exit {code}\n")
    check_golden(
        f"{_slug(scenario)}.result.json", (tmp_path / "result.json").read_text(encoding="utf-8")
    )


def test_seed_get_at_60m() -> None:
    """The issue's "done when": Paused, Step 1/2, SetWeight 50, ActualWeight 50, Desired 2,
    Current 3, Updated 1, Ready 3, Available 3 and the revision tree."""
    code, text = cli("get", str(SEED), "--at", "60m")
    assert code == 0
    for line in (
        "Status:          ॥ Paused",
        "Message:         CanaryPauseStep",
        "  Step:          1/2",
        "  SetWeight:     50",
        "  ActualWeight:  50",
        "  Desired:       2",
        "  Current:       3",
        "  Updated:       1",
        "  Ready:         3",
        "  Available:     3",
    ):
        assert line in text.splitlines(), line
    assert "├──# revision:2" in text and "└──# revision:1" in text
    check_golden("imesh-canary.get-60m.txt", text)


def test_seed_steps_at_65m() -> None:
    code, text = cli("steps", str(SEED), "--at", "65m")
    assert code == 0
    assert "remaining)" in text
    check_golden("imesh-canary.steps-65m.txt", text)


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert cli("run", str(SEED), "--quiet", "--out", str(a))[1] == ""
    cli("run", str(SEED), "--quiet", "--out", str(b))
    for name in ("result.json", "events.jsonl", "timeseries.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
