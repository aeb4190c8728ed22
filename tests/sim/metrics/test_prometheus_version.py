"""The scenario's ``metrics.prometheus`` picks the window boundaries analysis queries see."""

from __future__ import annotations

from worldkit import write_scenario

from canarysim.sim.analysis.prometheus import WALL_CLOCK_EPOCH
from canarysim.sim.world import World


def test_prometheus_2_includes_the_sample_at_the_window_start(tmp_path):
    counts = {}
    for version in ("2", "3"):
        scenario = write_scenario(tmp_path, until="5m", metrics={"prometheus": version})
        world = World.build(scenario, keep_metrics=True)
        world.run(300.0)
        assert world.prometheus.version == int(version)
        # scrapes every 15 s: a 30 s window ending on a scrape holds 2 (3.x) or 3 (2.x)
        answer = world.prometheus.instant("max(count_over_time(istio_requests_total[30s]))", 240.0)
        counts[version] = answer.samples[0][1]
    assert counts == {"2": 3.0, "3": 2.0}
    assert world.prometheus.instant("time()", 60.0).value == WALL_CLOCK_EPOCH + 60.0
