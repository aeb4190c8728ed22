"""Traffic: arrival processes and Istio's request path, checked against theory in both modes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from canarysim.errors import ScenarioError, SimulationError
from canarysim.sim.mesh.router import Branch, RequestClass, RoutePlan
from canarysim.sim.metrics.tally import SeriesKey, Tally
from canarysim.sim.stochastic.distributions import (
    ConstantArrivals,
    Dist,
    DiurnalArrivals,
    PoissonArrivals,
    TraceArrivals,
    arrivals_from_spec,
)
from canarysim.sim.stochastic.rng import Streams
from canarysim.sim.traffic.generator import Schedule, TrafficGenerator, VersionBehaviour

MODES = ["aggregate", "exact"]
RC = RequestClass(host="shop")
OK = VersionBehaviour(0.0, Dist.fixed(0.01), workload="shop")


def plan(*branches: Branch, **kw: object) -> RoutePlan:
    kw.setdefault("retry_attempts", 0)
    return RoutePlan(route_name="primary", branches=branches, **kw)  # type: ignore[arg-type]


def run(
    mode: str,
    p: RoutePlan | None,
    beh: dict[str, VersionBehaviour],
    *,
    rps: float = 200.0,
    t1: float = 300.0,
    seed: int = 1,
    arrivals: object = None,
) -> Tally:
    gen = TrafficGenerator(arrivals or PoissonArrivals(rps), [(RC, 1.0)], mode=mode)  # type: ignore[arg-type]
    return gen.advance(0.0, t1, {RC: p}, beh, Streams(seed))


def within(x: float, mean: float, var: float, k: float = 5.0) -> bool:
    return abs(x - mean) <= k * math.sqrt(max(var, 1.0))


# ----------------------------------------------------------------------------- arrivals
@pytest.mark.parametrize("mode", MODES)
def test_poisson_counts_have_mean_and_variance_equal_to_rate(mode: str) -> None:
    lam = 30.0
    tally = run(mode, plan(Branch(1.0, "shop", {"a": 1})), {"a": OK}, rps=lam, t1=4000.0)
    per_s = tally.requests("source", per_bucket=True)
    n = len(per_s)
    assert n == 4000
    mean, var = per_s.mean(), per_s.var(ddof=1)
    assert abs(mean - lam) < 5 * math.sqrt(lam / n)
    # Var of the sample variance of a Poisson(lam): (lam + 2 lam^2 (n/(n-1))) / n approx.
    assert abs(var - lam) < 5 * math.sqrt((lam + 2 * lam**2) / n)


@pytest.mark.parametrize("mode", MODES)
def test_constant_arrivals_are_exactly_rate_times_duration(mode: str) -> None:
    tally = run(
        mode, plan(Branch(1.0, "shop", {"a": 1})), {"a": OK}, arrivals=ConstantArrivals(7.0)
    )
    per_s = tally.requests("source", per_bucket=True)
    assert np.all(per_s == 7)


def test_diurnal_integral_matches_numeric_integration() -> None:
    d = DiurnalArrivals(100.0, amplitude=0.8, period_s=3600.0, peak_s=600.0)
    grid = np.linspace(100.0, 2500.0, 200_001)
    numeric = np.trapezoid(d.rate(grid), grid)
    assert float(d.integral(100.0, 2500.0)) == pytest.approx(numeric, rel=1e-8)
    assert float(d.rate(600.0)) == pytest.approx(180.0)


def test_trace_integrals_step_and_linear() -> None:
    step = TraceArrivals.from_arrays([0, 10, 20], [1, 3, 0])
    assert float(step.integral(5.0, 15.0)) == pytest.approx(5 * 1 + 5 * 3)
    assert float(step.integral(15.0, 40.0)) == pytest.approx(5 * 3)
    lin = TraceArrivals.from_arrays([0, 10], [0, 10], interpolation="linear")
    assert float(lin.integral(0.0, 10.0)) == pytest.approx(50.0)
    assert float(lin.integral(10.0, 12.0)) == pytest.approx(20.0)


@pytest.mark.parametrize(
    "arr",
    [
        DiurnalArrivals(50.0, amplitude=0.9, period_s=200.0),
        TraceArrivals.from_arrays([0, 50, 120], [10, 80, 30], interpolation="linear"),
        TraceArrivals.from_arrays([0, 50, 120], [10, 80, 30]),
    ],
    ids=["diurnal", "linear-trace", "step-trace"],
)
def test_thinned_arrival_times_follow_the_rate(arr: object) -> None:
    rng = np.random.default_rng(5)
    edges = np.linspace(0.0, 200.0, 9)
    totals = np.zeros(8)
    reps = 40
    for _ in range(reps):
        t = arr.sample_times(0.0, 200.0, rng)  # type: ignore[attr-defined]
        assert np.all(np.diff(t) >= 0) and np.all((t >= 0) & (t < 200))
        totals += np.histogram(t, edges)[0]
    expected = arr.integral(edges[:-1], edges[1:]) * reps  # type: ignore[attr-defined]
    for got, exp in zip(totals, expected, strict=True):
        assert within(got, exp, exp)


def test_arrivals_from_spec() -> None:
    assert arrivals_from_spec(5) == PoissonArrivals(5.0)
    assert arrivals_from_spec({"constant": 2}) == ConstantArrivals(2.0)
    assert isinstance(arrivals_from_spec({"diurnal": {"mean": 10}}), DiurnalArrivals)
    tr = arrivals_from_spec({"trace": {"time": [0, 1], "rate": [1, 2]}})
    assert isinstance(tr, TraceArrivals) and tr.rates == (1.0, 2.0)
    for bad in ({"poisson": -1}, {"weird": 3}, "x", {"piecewise": [[1, 2], [0, 3]]}):
        with pytest.raises(ScenarioError):
            arrivals_from_spec(bad)


# ----------------------------------------------------------------------------- routing
@pytest.mark.parametrize("mode", MODES)
def test_canary_share_matches_weight_within_binomial_bounds(mode: str) -> None:
    p = plan(Branch(0.8, "stable", {"s": 2}), Branch(0.2, "canary", {"c": 1}))
    tally = run(mode, p, {"s": OK, "c": OK}, rps=100.0, t1=600.0)
    n = tally.requests("source")
    c = tally.requests("source", hash="c")
    assert within(c, 0.2 * n, n * 0.2 * 0.8)
    assert tally.requests("source", destination="canary") == c


@pytest.mark.parametrize("mode", MODES)
def test_backends_share_a_branch_by_ready_endpoints(mode: str) -> None:
    p = plan(Branch(1.0, "svc", {"old": 3, "new": 1}))
    tally = run(mode, p, {"old": OK, "new": OK})
    n = tally.requests("destination")
    assert within(tally.requests("destination", hash="new"), n / 4, n * 3 / 16)


@pytest.mark.parametrize("mode", MODES)
def test_no_endpoint_answers_503_uh_for_the_whole_share(mode: str) -> None:
    p = plan(Branch(0.5, "stable", {"s": 1}), Branch(0.5, "canary", {}), retry_attempts=2)
    tally = run(mode, p, {"s": OK})
    uh = SeriesKey("source", "canary", "unknown", "unknown", 503, "UH")
    n = tally.requests("source")
    assert within(int(tally.series[uh].count.sum()), n / 2, n / 4)
    assert "unknown" not in tally.hashes("destination")
    assert tally.requests("destination") == tally.requests("source", hash="s")


@pytest.mark.parametrize("mode", MODES)
def test_no_route_is_404(mode: str) -> None:
    tally = run(mode, RoutePlan(route_name=None, branches=()), {})
    assert tally.by_code("source") == {404: tally.requests("source")}
    assert tally.requests("destination") == 0
    tally2 = run(mode, None, {})
    assert set(tally2.by_code("source")) == {404}


@pytest.mark.parametrize("mode", MODES)
def test_error_rate_without_retry(mode: str) -> None:
    beh = {"a": VersionBehaviour(0.1, Dist.fixed(0.01), error_code=500)}
    tally = run(mode, plan(Branch(1.0, "svc", {"a": 2}), retry_attempts=2), beh)
    n = tally.requests("source")
    errs = tally.by_code("source").get(500, 0)
    assert within(errs, 0.1 * n, n * 0.09)
    assert tally.by_code("destination") == tally.by_code("source")  # 500 is not retried


@pytest.mark.parametrize("mode", MODES)
def test_retried_503_on_a_single_endpoint_follows_geometric_theory(mode: str) -> None:
    p_err = 0.3
    beh = {"a": VersionBehaviour(p_err, Dist.fixed(0.01), error_code=503)}
    tally = run(mode, plan(Branch(1.0, "svc", {"a": 1}), retry_attempts=2), beh, rps=300.0)
    n = tally.requests("source")
    attempts = tally.requests("destination")
    assert within(attempts, n * (1 + p_err + p_err**2), n * 2.0)
    final = tally.by_code("source").get(503, 0)
    assert within(final, n * p_err**3, n * p_err**3)
    # Users of the retried requests waited for two or three answers of 10 ms plus back-off.
    sc = tally.series[SeriesKey("source", "svc", "unknown", "a", 503)]
    assert sc.sum_ms.sum() / sc.count.sum() >= 30.0


@pytest.mark.parametrize("mode", MODES)
def test_retry_avoids_the_previous_endpoint(mode: str) -> None:
    # One broken canary pod behind the same host as two good pods: every first attempt that
    # hits it is retried on another endpoint, i.e. on a good pod; users see no error.
    beh = {"bad": VersionBehaviour(1.0, Dist.fixed(0.01), error_code=503), "good": OK}
    p = plan(Branch(1.0, "svc", {"bad": 1, "good": 2}), retry_attempts=2)
    tally = run(mode, p, beh)
    n = tally.requests("source")
    assert tally.by_code("source") == {200: n}
    bad = tally.requests("destination", hash="bad")
    assert within(bad, n / 3, n * 2 / 9)


@pytest.mark.parametrize("mode", MODES)
def test_every_retry_avoids_all_endpoints_already_tried(mode: str) -> None:
    # Two broken pods and one good one: the second retry must go to the one pod not tried yet,
    # so with two retries every request ends at the good pod (Envoy previous_hosts).
    broken = VersionBehaviour(1.0, Dist.fixed(0.01), error_code=503)
    beh = {"x": broken, "y": broken, "good": OK}
    p = plan(Branch(1.0, "svc", {"x": 1, "y": 1, "good": 1}), retry_attempts=2)
    tally = run(mode, p, beh)
    n = tally.requests("source")
    assert tally.by_code("source") == {200: n}
    # Attempts per request: 1 (1/3), 2 (1/3), 3 (1/3) -> mean 2.
    assert within(tally.requests("destination"), 2.0 * n, n * 2 / 3)


@pytest.mark.parametrize("mode", MODES)
def test_route_timeout_cuts_slow_answers_with_504(mode: str) -> None:
    beh = {"a": VersionBehaviour(0.0, Dist.fixed(2.0), workload="w")}
    tally = run(mode, plan(Branch(1.0, "svc", {"a": 1}), timeout_s=1.0), beh, t1=60.0)
    n = tally.requests("source")
    key = SeriesKey("source", "svc", "w", "a", 504, "UT")
    sc = tally.series[key]
    assert int(sc.count.sum()) == n
    assert sc.sum_ms.sum() == pytest.approx(1000.0 * n)
    assert tally.by_code("destination") == {200: n}
    assert tally.quantile_ms(0.5, "destination") > 1000.0


@pytest.mark.parametrize("mode", MODES)
def test_per_try_timeout_retried_on_5xx(mode: str) -> None:
    lat = Dist.exponential(0.1)
    beh = {"a": VersionBehaviour(0.0, lat, workload="w")}
    p = plan(
        Branch(1.0, "svc", {"a": 1}),
        retry_attempts=1,
        retry_on=frozenset({"5xx"}),
        per_try_timeout_s=0.1,
    )
    tally = run(mode, p, beh)
    n = tally.requests("source")
    q = math.exp(-1.0)  # P(latency > per-try timeout)
    assert within(tally.requests("destination"), n * (1 + q), n)
    assert within(tally.by_code("source").get(504, 0), n * q * q, n * q * q)


@pytest.mark.parametrize("mode", MODES)
def test_fault_abort_never_reaches_a_pod_and_delay_adds_latency(mode: str) -> None:
    p = plan(Branch(1.0, "svc", {"a": 1}), fault_abort=(0.25, 418), fault_delay=(0.5, 0.2))
    tally = run(mode, p, {"a": OK})
    n = tally.requests("source")
    aborted = tally.by_code("source").get(418, 0)
    assert within(aborted, n / 4, n * 3 / 16)
    assert tally.requests("destination") == n - aborted
    ok = tally.series[SeriesKey("source", "svc", "shop", "a", 200)]
    mean_ms = ok.sum_ms.sum() / ok.count.sum()
    assert abs(mean_ms - (10.0 + 100.0)) < 5 * 100.0 / math.sqrt(ok.count.sum())


@pytest.mark.parametrize("mode", MODES)
def test_mirror_adds_load_but_no_user_responses(mode: str) -> None:
    mirror = Branch(0.4, "canary", {"c": 1})
    beh = {"s": OK, "c": VersionBehaviour(1.0, Dist.fixed(0.05), workload="shop")}
    tally = run(mode, plan(Branch(1.0, "stable", {"s": 2}), mirror=mirror), beh)
    n = tally.requests("source")
    shadow = tally.requests("destination", shadow=True)
    assert within(shadow, 0.4 * n, n * 0.24)
    assert tally.requests("destination", hash="c") == shadow
    assert tally.by_code("source") == {200: n}  # the mirror's 500s reach nobody


@pytest.mark.parametrize("mode", MODES)
def test_behaviour_schedule_splits_the_interval(mode: str) -> None:
    beh = {"a": VersionBehaviour(Schedule(((0.0, 0.0), (150.5, 0.5))), Dist.fixed(0.01))}
    tally = run(mode, plan(Branch(1.0, "svc", {"a": 1})), beh)
    assert 150.5 in tally.edges
    errs = tally.requests("source", errors_only=True, per_bucket=True)
    first = int(np.searchsorted(tally.edges, 150.5))
    assert errs[:first].sum() == 0 and errs[first:].sum() > 0


@pytest.mark.parametrize("mode", MODES)
def test_header_mix_shares(mode: str) -> None:
    beta = RequestClass(host="shop", headers=(("x-beta", "1"),))
    gen = TrafficGenerator(PoissonArrivals(100.0), [(RC, 0.7), (beta, 0.3)], mode=mode)  # type: ignore[arg-type]
    plans = {RC: plan(Branch(1.0, "stable", {"s": 1})), beta: plan(Branch(1.0, "canary", {"c": 1}))}
    tally = gen.advance(0.0, 300.0, plans, {"s": OK, "c": OK}, Streams(3))
    n = tally.requests("source")
    assert within(tally.requests("source", hash="c"), 0.3 * n, n * 0.21)


def test_missing_behaviour_is_a_simulation_error() -> None:
    with pytest.raises(SimulationError, match="no behaviour"):
        run("aggregate", plan(Branch(1.0, "svc", {"zzz": 1})), {})


@pytest.mark.parametrize("mode", MODES)
def test_same_seed_same_tally(mode: str) -> None:
    p = plan(Branch(0.5, "a", {"a": 1}), Branch(0.5, "b", {"b": 1}), retry_attempts=2)
    beh = {"a": OK, "b": VersionBehaviour(0.2, Dist.lognormal(0.02, 0.2), error_code=503)}
    t1, t2 = run(mode, p, beh, seed=9), run(mode, p, beh, seed=9)
    assert t1.series.keys() == t2.series.keys()
    for k in t1.series:
        assert np.array_equal(t1.series[k].hist, t2.series[k].hist)
    assert run(mode, p, beh, seed=10).requests() != t1.requests()


def test_empty_interval_gives_empty_tally() -> None:
    gen = TrafficGenerator(PoissonArrivals(10.0), [(RC, 1.0)])
    tally = gen.advance(5.0, 5.0, {RC: plan(Branch(1.0, "a", {"a": 1}))}, {"a": OK}, Streams(0))
    assert tally.n_buckets == 0 and tally.requests() == 0


def test_bad_generator_arguments() -> None:
    with pytest.raises(ValueError):
        TrafficGenerator(PoissonArrivals(1.0), [(RC, 0.5)])
    with pytest.raises(ValueError):
        TrafficGenerator(PoissonArrivals(1.0), [(RC, 1.0)], mode="fast")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- the two modes
@pytest.mark.slow
def test_aggregate_and_exact_modes_agree_within_statistical_bounds() -> None:
    """Every series count, and the latency histograms, agree between the modes.

    Each count is (close to) Poisson, so the difference of two independent runs has variance
    about the sum of the two counts; histogram quantiles are compared on a coarse scale.
    """
    stable = VersionBehaviour(0.01, Dist.lognormal(0.03, 0.2), workload="shop")
    canary = VersionBehaviour(0.15, Dist.lognormal(0.05, 0.9), error_code=503, workload="shop")
    p = plan(
        Branch(0.7, "stable", {"s": 2}),
        Branch(0.3, "canary", {"c": 1, "s": 1}),
        retry_attempts=2,
        timeout_s=0.5,
        per_try_timeout_s=0.3,
        retry_on=frozenset({"gateway-error"}),
        fault_delay=(0.1, 0.05),
        fault_abort=(0.02, 503),
        mirror=Branch(0.2, "canary", {"c": 1}),
    )
    beh = {"s": stable, "c": canary}
    agg = run("aggregate", p, beh, rps=200.0, t1=600.0, seed=21)
    exa = run("exact", p, beh, rps=200.0, t1=600.0, seed=22)
    keys = set(agg.series) | set(exa.series)
    assert len(keys) >= 10
    for key in keys:
        a = int(agg.series[key].count.sum()) if key in agg.series else 0
        e = int(exa.series[key].count.sum()) if key in exa.series else 0
        assert abs(a - e) <= 5 * math.sqrt(a + e) + 5, (key, a, e)
    for reporter in ("source", "destination"):
        for h in ("s", "c"):
            ha = agg.histogram(reporter, hash=h)
            he = exa.histogram(reporter, hash=h)
            fa, fe = ha / ha.sum(), he / he.sum()
            # Per-bin binomial bound on the difference of two proportions.
            se = np.sqrt(fa * (1 - fa) / ha.sum() + fe * (1 - fe) / he.sum())
            assert np.all(np.abs(fa - fe) <= 5 * se + 1e-3), (reporter, h)
            ma = sum(
                agg.series[k].sum_ms.sum()
                for k in agg.series
                if k.reporter == reporter and k.hash == h
            )
            me = sum(
                exa.series[k].sum_ms.sum()
                for k in exa.series
                if k.reporter == reporter and k.hash == h
            )
            assert ma / ha.sum() == pytest.approx(me / he.sum(), rel=0.05)


# ----------------------------------------------------------------------------- properties
_backends = st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers(0, 3), max_size=3)
_branches = st.lists(
    st.tuples(st.floats(0.05, 1.0), st.sampled_from(["s1", "s2"]), _backends),
    min_size=1,
    max_size=3,
)


@given(
    mode=st.sampled_from(MODES),
    branches=_branches,
    retries=st.integers(0, 2),
    retry_on=st.sampled_from(
        [frozenset(), frozenset({"5xx"}), frozenset({"retriable-status-codes"})]
    ),
    timeout=st.sampled_from([None, 0.05, 1.0]),
    ptt=st.sampled_from([None, 0.02]),
    abort=st.sampled_from([None, (0.3, 503)]),
    mirror=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_requests_are_conserved_whatever_the_plan(
    mode: str,
    branches: list[tuple[float, str, dict[str, int]]],
    retries: int,
    retry_on: frozenset[str],
    timeout: float | None,
    ptt: float | None,
    abort: tuple[float, int] | None,
    mirror: bool,
    seed: int,
) -> None:
    total = sum(f for f, _, _ in branches)
    p = RoutePlan(
        route_name="r",
        branches=tuple(Branch(f / total, d, be) for f, d, be in branches),
        mirror=Branch(0.5, "m", {"c": 1}) if mirror else None,
        timeout_s=timeout,
        retry_attempts=retries,
        retry_on=retry_on,
        per_try_timeout_s=ptt,
        fault_abort=abort,
    )
    beh = {
        "a": VersionBehaviour(0.2, Dist.lognormal(0.01, 0.08), error_code=503, workload="w"),
        "b": VersionBehaviour(0.0, Dist.exponential(0.03), workload="w"),
        "c": VersionBehaviour(0.5, Dist.fixed(0.04), error_code=500, workload="w"),
    }
    tally = run(mode, p, beh, t1=20.0, seed=seed, arrivals=ConstantArrivals(10.0))
    assert tally.requests("source") == 200  # every user request answered exactly once
    answered = sum(
        int(v.count.sum())
        for k, v in tally.series.items()
        if k.reporter == "source" and k.workload != "unknown"
    )
    attempts = tally.requests("destination", shadow=False)
    assert answered <= attempts <= answered * (1 + retries)
    for key, sc in tally.series.items():
        assert np.array_equal(sc.hist.sum(axis=1), sc.count), key
        assert np.all(sc.sum_ms >= 0)
        if key.reporter == "source" and key.workload != "unknown":
            assert key.hash in tally.hashes("destination")


def test_exact_mode_keeps_raw_latencies_on_request() -> None:
    lat = Dist.lognormal(0.05, 0.4)
    gen = TrafficGenerator(PoissonArrivals(200.0), [(RC, 1.0)], mode="exact", keep_samples=True)
    p = plan(Branch(1.0, "svc", {"a": 1}))
    tally = gen.advance(0.0, 100.0, {RC: p}, {"a": VersionBehaviour(0.0, lat)}, Streams(2))
    [key] = [k for k in tally.series if k.reporter == "destination"]
    samples = np.concatenate(tally.samples_ms[key])
    assert len(samples) == int(tally.series[key].count.sum())
    # Empirical median of the raw samples against theory (binomial bound on the CDF).
    frac = float(np.mean(samples <= 50.0))
    assert abs(frac - 0.5) < 5 * math.sqrt(0.25 / len(samples))


def test_kept_samples_report_the_client_side_as_the_server_side() -> None:
    # No retry, no timeout, no delay: the client saw exactly what the server answered, code
    # by code and latency by latency, also when the raw samples are kept.
    lat = Dist.lognormal(0.05, 0.4)
    gen = TrafficGenerator(PoissonArrivals(200.0), [(RC, 1.0)], mode="exact", keep_samples=True)
    p = plan(Branch(1.0, "svc", {"a": 1}))
    tally = gen.advance(0.0, 100.0, {RC: p}, {"a": VersionBehaviour(0.1, lat)}, Streams(2))
    by_side: dict[str, dict[int, tuple[int, float]]] = {"source": {}, "destination": {}}
    for key, sc in tally.series.items():
        by_side[key.reporter][key.code] = (int(sc.count.sum()), float(sc.sum_ms.sum()))
    assert set(by_side["destination"]) == {200, 500}
    assert by_side["source"].keys() == by_side["destination"].keys()
    for code, (count, total_ms) in by_side["destination"].items():
        got_count, got_ms = by_side["source"][code]
        assert got_count == count
        assert got_ms == pytest.approx(total_ms, rel=1e-12)
