"""Request classes with rate shapes of their own, and the series' breakdown by class.

A class with its own shape sends requests on top of ``traffic``'s, drawn from a stream of its
own: counts are checked against their Poisson law (bounds of five standard deviations, never
exact floats), in both traffic modes; evenly spaced arrivals give exact counts. With more than
one class the series carries ``class[<name>].requests|errors.<version>`` columns that add up
to the per-version columns, and the text timeline breaks each error stretch down by class."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import canarysim
from canarysim.declarations import load_scenario
from canarysim.report import render_timeline

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
VERSIONS = ("stable", "canary", "unserved")
MODES = ("aggregate", "exact")


def _header_route(classes: list[dict], *, rate: float = 20, until: str = "10m", seed: int = 3):
    base = load_scenario(SCENARIOS / "header-route" / "scenario.yaml")
    return base.with_changes(
        traffic={"rate": rate, "headers": classes}, until=until, seed=seed, operator=[]
    )


def _class_requests(result, name: str, rows: np.ndarray | None = None) -> int:
    total = 0
    for v in VERSIONS:
        column = np.asarray(result.series[f"class[{name}].requests.{v}"])
        total += int(column[rows].sum() if rows is not None else column.sum())
    return total


def _within_poisson(n: int, mean: float) -> bool:
    return abs(n - mean) <= 5 * math.sqrt(mean) + 1


@pytest.mark.parametrize("mode", MODES)
def test_a_constant_own_rate_counts_as_poisson(mode: str) -> None:
    scenario = _header_route([{"name": "beta", "headers": {"x-beta": "1"}, "rate": 7}])
    r = canarysim.simulate(scenario, mode=mode)
    by_class = r.summary["by_class"]
    assert list(by_class) == ["beta", "default"]
    assert _within_poisson(by_class["beta"]["requests"], 7 * 600)
    # traffic's own 20 rps all go to the default class: the own class takes no share
    assert _within_poisson(by_class["default"]["requests"], 20 * 600)


@pytest.mark.parametrize("mode", MODES)
def test_evenly_spaced_own_arrivals_are_exact(mode: str) -> None:
    scenario = _header_route([{"name": "tick", "rate": 4, "arrival": "constant"}])
    r = canarysim.simulate(scenario, mode=mode)
    assert r.summary["by_class"]["tick"]["requests"] == 4 * 600


@pytest.mark.parametrize("mode", MODES)
def test_piecewise_own_rate_starts_when_it_says(mode: str) -> None:
    points = [{"at": 0, "rate": 0}, {"at": "5m", "rate": 30}]
    scenario = _header_route([{"name": "late", "points": points}])
    r = canarysim.simulate(scenario, mode=mode)
    times = np.asarray(r.series["time"])
    assert _class_requests(r, "late", times < 300) == 0  # a zero rate sends nothing
    assert _within_poisson(_class_requests(r, "late", times >= 300), 30 * 300)


@pytest.mark.parametrize("mode", MODES)
def test_diurnal_own_rate_follows_its_curve(mode: str) -> None:
    """rate * (1 + cos(2π t / 600)): over [150 s, 450 s) the trough half of the cycle holds
    rate * (300 - 600/π) expected requests, the rest rate * (300 + 600/π)."""
    shape = {"pattern": "diurnal", "rate": 20, "diurnal": {"amplitude": 1, "period": "10m"}}
    shape["diurnal"]["peak"] = 0
    scenario = _header_route([{"name": "wave", **shape}])
    r = canarysim.simulate(scenario, mode=mode)
    times = np.asarray(r.series["time"])
    trough = (times >= 150) & (times < 450)
    assert _within_poisson(_class_requests(r, "wave", trough), 20 * (300 - 600 / math.pi))
    assert _within_poisson(_class_requests(r, "wave", ~trough), 20 * (300 + 600 / math.pi))


def test_own_classes_are_deterministic_and_shift_no_other_class() -> None:
    fraction_only = [{"name": "api", "fraction": 0.3, "path": "/api"}]
    with_own = [*fraction_only, {"name": "beta", "rate": 5}]
    a = canarysim.simulate(_header_route(with_own))
    b = canarysim.simulate(_header_route(with_own))
    assert a.dumps() == b.dumps()
    without = canarysim.simulate(_header_route(fraction_only))
    for name in ("api", "default"):  # the shared classes' arrivals are the same draws
        assert (
            a.summary["by_class"][name]["requests"]
            == (without.summary["by_class"][name]["requests"])
        )
    other_seed = canarysim.simulate(_header_route(with_own, seed=4))
    assert other_seed.summary["by_class"] != a.summary["by_class"]


def test_an_own_class_is_routed_by_the_header_route() -> None:
    """After ``setHeaderRoute`` (x-canary: true) every request of that class reaches the
    canary, whatever its rate shape; before the update all reach the stable."""
    scenario = load_scenario(SCENARIOS / "header-route" / "scenario.yaml").with_changes(
        traffic={"headers": [{"name": "testers", "headers": {"x-canary": "true"}, "rate": 3}]},
        until="15m",
    )
    r = canarysim.simulate(scenario)
    times = np.asarray(r.series["time"])
    before = times < 60
    paused = (times >= 120) & (times < 900)
    column = {v: np.asarray(r.series[f"class[testers].requests.{v}"]) for v in VERSIONS}
    assert column["canary"][before].sum() == 0 and column["stable"][before].sum() > 0
    assert column["stable"][paused].sum() == 0 and column["unserved"][paused].sum() == 0
    assert _within_poisson(int(column["canary"][paused].sum()), 3 * (times[paused][-1] + 10 - 120))


@pytest.mark.parametrize("mode", MODES)
def test_class_columns_add_up_to_the_version_columns(mode: str) -> None:
    classes = [
        {"name": "api", "fraction": 0.3, "path": "/api"},
        {"name": "beta", "headers": {"x-canary": "true"}, "rate": 5},
    ]
    scenario = load_scenario(SCENARIOS / "header-route" / "scenario.yaml").with_changes(
        traffic={"rate": 50, "headers": classes}, until="12m"
    )
    r = canarysim.simulate(scenario, mode=mode)
    names = ["api", "beta", "default"]
    for what in ("requests", "errors"):
        for v in VERSIONS:
            summed = sum(np.asarray(r.series[f"class[{n}].{what}.{v}"]) for n in names)
            assert np.array_equal(summed, np.asarray(r.series[f"{what}.{v}"])), (what, v)
    for n in names:
        row = r.summary["by_class"][n]
        assert _class_requests(r, n) == row["requests"]
        errors = sum(int(np.sum(r.series[f"class[{n}].errors.{v}"])) for v in VERSIONS)
        assert errors == row["errors"]
    # the series (and result.json) round-trip the new columns
    again = canarysim.Result.from_json(r.to_json())
    assert np.array_equal(
        again.series["class[beta].requests.canary"], r.series["class[beta].requests.canary"]
    )


def test_the_timeline_breaks_error_stretches_down_by_class() -> None:
    scenario = load_scenario(SCENARIOS / "header-route" / "scenario.yaml").with_changes(until="25m")
    r = canarysim.simulate(scenario)
    lines = render_timeline(r).splitlines()
    served = [i for i, line in enumerate(lines) if "ErrorsServed" in line]
    assert served
    for i in served:  # each error stretch is followed by its breakdown by class
        assert "ErrorsByClass" in lines[i + 1]
        assert "GET / x-canary=true:" in lines[i + 1] and "default:" in lines[i + 1]
    paused = next(lines[i + 1] for i in served if "canary" in lines[i])
    # while the header route holds, the x-canary class is served by the canary only
    tester = paused.split("ErrorsByClass", 1)[1].split(";")[0]
    assert "canary" in tester and "stable" not in tester


def test_one_class_has_no_class_columns() -> None:
    r = canarysim.simulate(_header_route([], until="2m"))
    assert not [c for c in r.series if c.startswith("class[")]
    assert "ErrorsByClass" not in render_timeline(r)
