"""A request class with a rate shape of its own (``traffic.headers[i].rate``, ``pattern``,
``diurnal``, ``points``, ``csv``, ``arrival``) instead of a ``fraction``: what is accepted, and
the one-line refusals (file, line, field) for what is not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from spec_helpers import BASE_ROLLOUT, SERVICES

from canarysim.declarations import load_scenario
from canarysim.errors import ScenarioError

ROOT = Path(__file__).resolve().parents[2]


def scenario_dir(tmp_path: Path, classes: str) -> Path:
    (tmp_path / "rollout.yaml").write_text(BASE_ROLLOUT)
    (tmp_path / "services.yaml").write_text(SERVICES)
    p = tmp_path / "scenario.yaml"
    p.write_text(
        "manifests: [rollout.yaml, services.yaml]\nacceptErrors: [argo/invalid-spec]\n"
        "traffic:\n  rate: 10\n  headers:\n" + classes
    )
    return p


def error_of(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


def test_shapes_are_read_and_default_their_pattern(tmp_path: Path) -> None:
    p = scenario_dir(
        tmp_path,
        "    - {name: a, rate: 5}\n"
        "    - {name: b, points: [{at: 1m, rate: 3}, {at: 0, rate: 1}]}\n"
        "    - {name: c, pattern: diurnal, rate: 4, diurnal: {amplitude: 1, period: 1h, peak: 0}}\n"
        "    - {name: d, fraction: 0.25}\n",
    )
    traffic = load_scenario(p).traffic
    a, b, c, d = traffic.headers
    patterns = (a.pattern, b.pattern, c.pattern, d.pattern)
    assert patterns == ("constant", "piecewise", "diurnal", None)
    assert [x.own_shape for x in (a, b, c, d)] == [True, True, True, False]
    assert [(q.at, q.rate) for q in b.points or []] == [(0.0, 1.0), (60.0, 3.0)]
    # every class's rate at t, and the total: traffic's own 10 rps plus the own shapes
    assert (a.rate_at(traffic, 0), b.rate_at(traffic, 59), b.rate_at(traffic, 60)) == (5, 1, 3)
    assert c.rate_at(traffic, 0) == pytest.approx(8.0)  # at its peak: rate * (1 + amplitude)
    assert c.rate_at(traffic, 1800) == pytest.approx(0.0)
    assert d.rate_at(traffic, 0) == pytest.approx(2.5)  # a share of traffic's rate
    assert traffic.total_rate_at(60) == pytest.approx(10 + 5 + 3 + c.rate_at(traffic, 60))


def test_a_class_trace_is_read_from_its_csv(tmp_path: Path) -> None:
    (tmp_path / "beta.csv").write_text("time,rate\n0,0\n2m,7.5\n")
    p = scenario_dir(tmp_path, "    - {name: beta, csv: beta.csv}\n")
    (mix,) = load_scenario(p).traffic.headers
    assert mix.pattern == "csv"
    assert [(q.at, q.rate) for q in mix.points or []] == [(0.0, 0.0), (120.0, 7.5)]


def test_a_missing_class_csv_names_its_field_and_line(tmp_path: Path) -> None:
    p = scenario_dir(
        tmp_path, "    - name: a\n      fraction: 0.5\n    - name: beta\n      csv: no.csv\n"
    )
    assert error_of(p) == (
        f"{p}:9: traffic.headers[1].csv: expected an existing CSV file, got no.csv"
    )


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "{fraction: 0.1, rate: 5}",
            "either fraction (a share of traffic's rate) or a rate shape of its own (rate), "
            "not both",
        ),
        (
            "{name: x}",
            "fraction (a share of traffic's rate) or a rate shape of its own "
            "(rate, pattern, diurnal, points or csv)",
        ),
        ("{pattern: diurnal}", "a (base) rate for pattern diurnal"),
        ("{pattern: piecewise}", "points: [{at, rate}, ...] for pattern piecewise"),
        ("{rate: 3, points: [{at: 0, rate: 1}]}", "no rate with pattern piecewise"),
        ("{rate: 3, diurnal: {amplitude: 0.2}}", "no diurnal with pattern constant"),
        ("{pattern: diurnal, rate: 3, arrival: constant}", "arrival: constant only with"),
        ("{points: [{at: 0, rate: 1}, {at: 0s, rate: 2}]}", "points with distinct times"),
    ],
)
def test_bad_shapes_are_refused_naming_the_class(tmp_path: Path, entry: str, expected: str) -> None:
    p = scenario_dir(tmp_path, f"    - {entry}\n")
    message = error_of(p)
    assert message.startswith(f"{p}:6: traffic.headers[0]: expected {expected}")
    assert "\n" not in message


def test_validate_and_run_refuse_it_in_one_line_with_exit_2(tmp_path: Path) -> None:
    p = scenario_dir(tmp_path, "    - {name: beta, fraction: 0.2, pattern: diurnal}\n")
    for command in ("validate", "run"):
        proc = subprocess.run(
            [sys.executable, "-m", "canarysim", command, str(p)],
            capture_output=True,
            text=True,
            env={"PATH": "", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)},
            timeout=120,
        )
        assert proc.returncode == 2, (command, proc.stdout, proc.stderr)
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, proc.stderr
        assert "scenario.yaml:6: traffic.headers[0]" in lines[0]
        assert "not both" in lines[0]
        assert "Traceback" not in proc.stderr
