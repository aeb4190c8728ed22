"""Checks from theory: the simulated world against numbers we can derive by hand.

Statistical checks use bounds from the distributions (binomial, Poisson, chi-square), never
exact floats; every run is seeded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from worldkit import rollout, service, set_image, virtual_service, write_scenario

import canarysim
from canarysim.engine.replicas import traffic_weight_to_replicas, weighted_split
from canarysim.result import Result

WEIGHTS = [10, 35, 60, 90]


def _steps(weights: list[int], pause: str = "2m") -> list[dict]:
    out: list[dict] = []
    for w in weights:
        out += [{"setWeight": w}, {"pause": {"duration": pause}}]
    return out


def _pause_windows(r: Result) -> list[tuple[float, float]]:
    """(start, end) of each CanaryPauseStep, from the rollout's events."""
    starts = [e["time"] for e in r.events if e["reason"] == "RolloutPaused"]
    ends = [
        e["time"]
        for e in r.events
        if e["reason"] == "RolloutStepCompleted" and "(pause" in e["message"]
    ]
    return list(zip(starts, ends, strict=False))


@pytest.mark.parametrize("weight", [10, 50, 85])
def test_canary_share_is_binomial_around_its_weight(tmp_path: Path, weight: int) -> None:
    manifests = [
        rollout(steps=[{"setWeight": weight}, {"pause": {}}]),
        service("canary-svc"),
        service("stable-svc"),
        virtual_service(),
    ]
    r = canarysim.simulate(
        write_scenario(
            tmp_path, manifests=manifests, operator=[set_image("1m")], until="20m", seed=weight
        )
    )
    s = r.series
    held = (s["time"] >= 70) & (s["weight.canary"] == weight)
    canary, stable = s["requests.canary"][held].sum(), s["requests.stable"][held].sum()
    n = canary + stable
    p = weight / 100
    assert n > 50_000
    assert abs(canary / n - p) < 5 * np.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("routed", [True, False])
def test_with_instant_pods_replica_counts_follow_the_engine(tmp_path: Path, routed: bool) -> None:
    replicas = 7
    manifests = [
        rollout(
            replicas=replicas,
            routed=routed,
            steps=_steps(WEIGHTS),
            extra_canary={"maxSurge": 1, "maxUnavailable": 0},
        ),
        service("canary-svc"),
        service("stable-svc"),
        virtual_service(),
    ]
    r = canarysim.simulate(
        write_scenario(tmp_path, manifests=manifests, operator=[set_image("1m")], until="20m")
    )
    windows = _pause_windows(r)
    assert len(windows) == len(WEIGHTS)
    for weight, (start, end) in zip(WEIGHTS, windows, strict=True):
        snap = r.status_at((start + end) / 2)
        assert snap.phase == "Paused"
        roles = {rs.role: rs for rs in snap.replica_sets}
        if routed:
            expected = (traffic_weight_to_replicas(replicas, weight, 100), replicas)
        else:
            expected = weighted_split(replicas, weight, 1)
        got = (roles["canary"].desired, roles["stable"].desired)
        assert got == expected, f"setWeight {weight}"
        assert (roles["canary"].available, roles["stable"].available) == expected


def _promotion_time(tmp_path: Path, pause: str) -> float:
    manifests = [
        rollout(steps=[{"setWeight": 30}, {"pause": {"duration": pause}}], min_ready=10),
        service("canary-svc"),
        service("stable-svc"),
        virtual_service(),
    ]
    pods = {"default": {"scheduling": "1s", "imagePull": {"median": "3s", "p99": "20s"}}}
    r = canarysim.simulate(
        write_scenario(
            tmp_path, manifests=manifests, operator=[set_image("1m")], until="1h", pods=pods
        )
    )
    return r.summary["promoted_at"]


def test_a_pause_of_d_delays_promotion_by_d(tmp_path: Path) -> None:
    short = _promotion_time(tmp_path, "5m")
    long = _promotion_time(tmp_path, "17m")
    # Same seed, same pod timings: only the pause differs. The pause start is stamped to the
    # whole second (metav1.Time), hence the one-second granularity.
    assert long - short == pytest.approx(12 * 60, abs=1.0)


def test_a_destination_without_endpoints_answers_503_for_its_whole_share(tmp_path: Path) -> None:
    manifests = [
        rollout(routed=False),
        service("app-svc"),
        service("empty-svc", app="nobody"),
        virtual_service([("app-svc", 70), ("empty-svc", 30)]),
    ]
    r = canarysim.simulate(write_scenario(tmp_path, manifests=manifests, until="10m"))
    by_image = r.summary["by_image"]
    lost = by_image["(no endpoint)"]
    total = sum(v["requests"] for v in by_image.values())
    # The pods take a moment to come up at t=0 (everything is 503 then): count from 10 s.
    s = r.series
    after = s["time"] >= 10
    versions = ("stable", "canary", "unserved")
    errors = sum(s[f"errors.{v}"][after].sum() for v in versions)
    requests = sum(s[f"requests.{v}"][after].sum() for v in versions)
    assert lost["errors"] == lost["requests"]  # every one of them failed
    # no version served them: their own line, never counted as stable's or canary's
    assert s["errors.unserved"].sum() == s["requests.unserved"].sum() == lost["requests"]
    assert r.summary["requests"]["unserved"] == lost["requests"]
    assert abs(errors / requests - 0.3) < 5 * np.sqrt(0.3 * 0.7 / requests)
    assert by_image["app:v1"]["errors"] == 0
    assert total == requests + sum(s[f"requests.{v}"][~after].sum() for v in versions)


def test_poisson_counts_have_the_right_mean_and_variance(tmp_path: Path) -> None:
    r = canarysim.simulate(write_scenario(tmp_path, until="2h", traffic={"rate": 50}))
    s = r.series
    width = np.diff(np.append(s["time"], r.until))
    full = (width == 10.0) & (s["time"] >= 60)
    counts = (s["requests.stable"] + s["requests.canary"])[full]
    n = len(counts)
    assert n > 600
    lam = 50 * 10.0
    # Mean: normal approximation of the sum of n Poisson(lam).
    assert abs(counts.mean() - lam) < 5 * np.sqrt(lam / n)
    # Variance: for Poisson, var/mean = 1; the sample variance ratio has sd ~ sqrt(2/(n-1)).
    ratio = counts.var(ddof=1) / lam
    assert abs(ratio - 1.0) < 5 * np.sqrt(2 / (n - 1))


def test_constant_arrivals_have_no_variance(tmp_path: Path) -> None:
    r = canarysim.simulate(
        write_scenario(tmp_path, until="10m", traffic={"rate": 20, "arrival": "constant"})
    )
    s = r.series
    width = np.diff(np.append(s["time"], r.until))
    full = width == 10.0
    counts = (s["requests.stable"] + s["requests.canary"])[full]
    assert set(counts.tolist()) == {200}


def test_exact_and_aggregate_modes_agree_on_the_split(tmp_path: Path) -> None:
    manifests = [
        rollout(steps=[{"setWeight": 40}, {"pause": {}}]),
        service("canary-svc"),
        service("stable-svc"),
        virtual_service(),
    ]
    path = write_scenario(tmp_path, manifests=manifests, operator=[set_image("1m")], until="10m")
    shares = []
    for mode in ("aggregate", "exact"):
        r = canarysim.simulate(path, mode=mode)
        s = r.series
        held = s["weight.canary"] == 40
        c, st = s["requests.canary"][held].sum(), s["requests.stable"][held].sum()
        shares.append((c / (c + st), c + st))
    (p1, n1), (p2, n2) = shares
    sd = np.sqrt(0.4 * 0.6 * (1 / n1 + 1 / n2))
    assert abs(p1 - p2) < 5 * sd
