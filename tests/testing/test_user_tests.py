"""What a user gets from ``canarysim.testing``: the README's example test runs and passes; a
test of a false property finds a counterexample and shrinks it to the smallest one; without
hypothesis, the import says what to install."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from invariantkit import ROOT

import canarysim
from canarysim.testing import error_rates, perturb

README = ROOT / "README.md"


def _readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"### Property tests.*?```python\n(.*?)```", text, re.S)
    assert block is not None, "README has no property-test example"
    return block.group(1)


def test_readme_example_is_complete_and_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saved as a file and imported, as a user's test module would be."""
    monkeypatch.chdir(ROOT)
    path = tmp_path / "readme_example.py"
    path.write_text(_readme_example(), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("readme_example", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tests = [v for k, v in vars(module).items() if k.startswith("test_") and callable(v)]
    assert tests, "the README example defines no test"
    for test in tests:
        assert getattr(test, "hypothesis", None) is not None, f"{test.__name__}: not @given"
        test()


BASE = perturb(
    canarysim.load_scenario(ROOT / "scenarios" / "imesh-canary" / "scenario.yaml"), until="15m"
)
LIMIT = 300


def _canary_errors(rate: float) -> int:
    scenario = perturb(BASE, versions={"canary": {"errorRate": rate}})
    return int(canarysim.simulate(scenario).summary["canary_errors"])


def test_a_false_property_is_falsified_and_shrunk() -> None:
    """ "The canary never serves more than 300 errors, whatever its error rate" is false. The
    canary takes half of 100 requests/s from about 5 minutes on, some 30,000 requests by 15m:
    the property breaks from an error rate of about 300/30,000 = 1 %. Hypothesis must find a
    failing rate and shrink it to the smallest failing one on its 0.001 grid."""
    failing: list[float] = []

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate, Phase.target, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(rate=error_rates(0.2))
    def test_user_property(rate: float) -> None:
        errors = _canary_errors(rate)
        if errors > LIMIT:
            failing.append(rate)
        assert errors <= LIMIT

    with pytest.raises(AssertionError):
        test_user_property()
    shrunk = failing[-1]  # hypothesis replays the minimal example last
    assert shrunk == min(failing)
    # Near the theoretical threshold, far below the random failing rates (up to 0.2) ...
    assert 0.005 <= shrunk <= 0.02, shrunk
    # ... and minimal: one grid step less holds.
    assert _canary_errors(round(shrunk - 0.001, 3)) <= LIMIT


def test_without_hypothesis_the_import_says_what_to_install(tmp_path: Path) -> None:
    blocker = tmp_path / "hypothesis.py"
    blocker.write_text("raise ImportError('No module named hypothesis')\n")
    code = "import canarysim.testing"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": ""},
        timeout=120,
    )
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: canarysim.testing needs hypothesis")
    assert "canarysim[testing]" in last
