"""Traffic is simulated in pieces small enough to bound memory, whatever the rate or stretch."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from canarysim.declarations import load_scenario
from canarysim.result import Result
from canarysim.sim.flow import AGGREGATE_CHUNK_S, EXACT_CHUNK_REQUESTS
from canarysim.sim.world import World

SEED = Path(__file__).resolve().parents[2] / "scenarios" / "imesh-canary" / "scenario.yaml"


def _spans(mode: str, **changes: Any) -> tuple[Result, list[tuple[float, float]]]:
    world = World.build(load_scenario(SEED).with_changes(**changes), mode=mode)
    spans: list[tuple[float, float]] = []
    advance = world.flow.generator.advance

    def spy(t0: float, t1: float, *args: Any, **kwargs: Any) -> Any:
        spans.append((t0, t1))
        return advance(t0, t1, *args, **kwargs)

    world.flow.generator.advance = spy  # type: ignore[method-assign]
    return world.run().collect(), spans


def test_exact_mode_above_a_grid_step_of_requests_splits_the_step() -> None:
    rate = 40 * EXACT_CHUNK_REQUESTS / 5.0  # forty chunks' worth of requests per 5 s step
    result, spans = _spans("exact", traffic={"rate": rate}, until="12s")
    assert spans[0][0] == 0.0 and spans[-1][1] == 12.0
    assert all(b == c for (_, b), (c, _) in itertools.pairwise(spans))  # no gaps
    assert max(t1 - t0 for t0, t1 in spans) <= 5.0 / 40 + 1e-9
    total = sum(v["requests"] for v in result.summary["by_image"].values())
    # Poisson count of rate * 12 s requests: within 5 standard deviations.
    assert abs(total - rate * 12) < 5 * (rate * 12) ** 0.5


@pytest.mark.parametrize("until", ["30h"])
def test_aggregate_mode_splits_a_long_quiet_stretch(until: str) -> None:
    result, spans = _spans("aggregate", until=until)
    assert max(t1 - t0 for t0, t1 in spans) <= AGGREGATE_CHUNK_S
    assert any(t1 == AGGREGATE_CHUNK_S for _, t1 in spans)  # cut on a multiple of the chunk
    total = sum(v["requests"] for v in result.summary["by_image"].values())
    assert abs(total - 100 * 30 * 3600) < 5 * (100 * 30 * 3600) ** 0.5
    # every request is in exactly one requests.* column (stable, canary, unserved)
    series_total = int(sum(v.sum() for k, v in result.series.items() if k.startswith("requests.")))
    assert series_total == total
