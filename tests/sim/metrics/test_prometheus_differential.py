"""canarysim's PromQL against a real Prometheus fed canarysim's own metrics.

A bundled scenario runs; its metric store is exported as OpenMetrics (what ``canarysim run
--metrics-out`` writes), loaded with ``promtool tsdb create-blocks-from openmetrics`` and served
by the ``prometheus`` binary on 127.0.0.1. Every query of a corpus (the bundled scenarios'
analysis queries, the Argo Rollouts and Flagger documentation's success-rate and latency
queries, and generated ones) is asked of Prometheus' HTTP API and of canarysim's evaluator (in
the Prometheus major version of the binary) at instants on and off the 15 s scrape grid; the
answers must agree: same series, same values (to 1e-9 relative: the two sum in different
orders), or both an error.

Needs Debian's ``prometheus`` package (``.ci/run`` installs it); without it the test is
skipped, except under ``CI=true`` where it fails.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from canarysim.lang.promql.query import PromQLError, evaluate
from canarysim.sim.analysis.runs import WALL_CLOCK_EPOCH
from canarysim.sim.metrics.export import openmetrics_lines
from canarysim.sim.world import World

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.slow


def _binaries() -> tuple[str, str] | None:
    prometheus, promtool = shutil.which("prometheus"), shutil.which("promtool")
    if prometheus is None or promtool is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "prometheus/promtool not installed: .ci/run must apt-get install prometheus"
            )
        pytest.skip("prometheus/promtool not installed (apt-get install prometheus)")
    return prometheus, promtool


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Prometheus:
    """A Prometheus serving one TSDB directory on loopback, queried over its HTTP API."""

    def __init__(self, binary: str, data: Path, workdir: Path) -> None:
        config = workdir / "prometheus.yml"
        config.write_text("global:\n  scrape_interval: 1h\n")
        self.port = _free_port()
        self.log = (workdir / "prometheus.log").open("w")
        self.proc = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={data}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--storage.tsdb.retention.time=100y",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self._url("/-/ready"), timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("prometheus did not become ready")
            time.sleep(0.2)
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
        self.major = int(re.search(r"version (\d+)\.", out.stdout + out.stderr).group(1))

    def _url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def query(self, query: str, at: float) -> dict:
        data = urllib.parse.urlencode({"query": query, "time": f"{at:.3f}"}).encode()
        try:
            with urllib.request.urlopen(self._url("/api/v1/query"), data, timeout=30) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as err:  # 400/422: a bad query, with a JSON body
            return json.loads(err.read())

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(world store, Prometheus) for the analysis-abort scenario."""
    prometheus, promtool = _binaries()
    work = tmp_path_factory.mktemp("prometheus")
    world = World.build(ROOT / "scenarios" / "analysis-abort" / "scenario.yaml")
    world.run()
    world.collect()
    world.flow.flush(world.env.now)
    world.store.advance_to(world.env.now)
    om = work / "metrics.om"
    om.write_text("".join(openmetrics_lines(world.store, WALL_CLOCK_EPOCH)))
    data = work / "data"
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(om), str(data)],
        check=True,
        capture_output=True,
    )
    server = Prometheus(prometheus, data, work)
    try:
        yield world, server
    finally:
        server.stop()


SERVICE = 'destination_service=~"checkout-canary.shop.svc.cluster.local"'
CORPUS = [
    # the bundled scenarios' analysis query (args substituted as the run does)
    f'sum(irate(istio_requests_total{{reporter="source",{SERVICE},response_code=~"5.*"}}[1m]))'
    f' / sum(irate(istio_requests_total{{reporter="source",{SERVICE}}}[1m]))',
    # Argo Rollouts' Istio success-rate example (docs/features/analysis.md)
    f'sum(irate(istio_requests_total{{reporter="source",{SERVICE},response_code!~"5.*"}}[5m]))'
    f' / sum(irate(istio_requests_total{{reporter="source",{SERVICE}}}[5m]))',
    # Flagger's request-success-rate and request-duration builtins (Istio)
    'sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="shop",'
    'destination_workload=~"checkout",response_code!~"5.*"}[1m])) / '
    'sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="shop",'
    'destination_workload=~"checkout"}[1m])) * 100',
    "histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{"
    'reporter="destination",destination_workload_namespace="shop",'
    'destination_workload=~"checkout"}[1m])) by (le))',
    # latency per hash, as canary dashboards chart it
    "histogram_quantile(0.5, sum by (le, rollouts_pod_template_hash) "
    '(rate(istio_request_duration_milliseconds_bucket{reporter="source"}[2m])))',
    'sum by (response_code) (increase(istio_requests_total{reporter="source"}[5m]))',
    "sum(istio_request_duration_milliseconds_sum) / sum(istio_request_duration_milliseconds_count)",
    'count_values("code", count by (response_code) (istio_requests_total))',
    "sort_desc(sum by (destination_service_name) (rate(istio_requests_total[1m])))",
    "topk(2, sum by (rollouts_pod_template_hash, response_code) (istio_requests_total))",
    'label_replace(sum by (destination_service) (rate(istio_requests_total[1m])), "svc", "$1",'
    ' "destination_service", "([^.]*)\\\\..*")',
    "sum by (reporter) (rate(istio_requests_total[1m])) / on(reporter) group_left "
    "sum by (reporter) (rate(istio_requests_total[5m]))",
    'max_over_time(sum(rate(istio_requests_total{reporter="source"}[1m]))[5m:30s])',
    "sum(istio_requests_total offset 2m) - sum(istio_requests_total)",
    "sum(istio_requests_total @ 1767226500)",
    "time() - max(timestamp(istio_requests_total))",
    'absent(istio_requests_total{reporter="nobody"})',
    "sum(rate(istio_requests_total[1m])) > bool 100",
    'clamp_max(sum(rate(istio_requests_total{response_code=~"5.."}[1m])) / '
    "sum(rate(istio_requests_total[1m])), 1)",
]
_FUNCS = [
    "rate",
    "irate",
    "increase",
    "delta",
    "idelta",
    "changes",
    "resets",
    "deriv",
    "sum_over_time",
    "avg_over_time",
    "min_over_time",
    "max_over_time",
    "count_over_time",
    "last_over_time",
    "stddev_over_time",
    "present_over_time",
]
_SELECTORS = [
    'istio_requests_total{reporter="source"}',
    'istio_request_duration_milliseconds_count{reporter="destination"}',
]
_RANGES = ["15s", "30s", "45s", "1m", "5m"]
_AGGS = ["sum", "avg", "max", "count", "stddev"]
# Generated: each range function over each selector, window and aggregation (a fixed cycle
# keeps the corpus small while covering every value of every axis).
GENERATED = [
    f"{agg}({func}({sel}[{rng}]))"
    for (func, sel, rng), agg in zip(
        itertools.product(_FUNCS, _SELECTORS, _RANGES), itertools.cycle(_AGGS), strict=False
    )
]


def _ours(world, query: str, at: float, major: int):
    try:
        value = evaluate(query, world.store, at, version=major, epoch=WALL_CLOCK_EPOCH)
    except PromQLError as err:
        return ("error", str(err))
    if hasattr(value, "samples"):
        return ("vector", [(dict(lb), v) for lb, v in value])
    return ("scalar", value.value)


def _theirs(answer: dict):
    if answer.get("status") != "success":
        return ("error", answer.get("error", ""))
    data = answer["data"]
    if data["resultType"] == "scalar":
        return ("scalar", float(data["result"][1]))
    return ("vector", [(r["metric"], float(r["value"][1])) for r in data["result"]])


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _difference(ours, theirs, ordered: bool) -> str | None:
    if ours[0] != theirs[0]:
        return f"{ours[0]} vs Prometheus' {theirs[0]}: {ours[1]!r} / {theirs[1]!r}"
    if ours[0] == "error":
        return None
    if ours[0] == "scalar":
        return None if _same(ours[1], theirs[1]) else f"{ours[1]!r} != {theirs[1]!r}"
    key = lambda s: tuple(sorted(s[0].items()))  # noqa: E731
    mine, real = list(ours[1]), list(theirs[1])
    if not ordered:
        mine.sort(key=key)
        real.sort(key=key)
    if [key(s) for s in mine] != [key(s) for s in real]:
        return f"series differ:\n  ours {[key(s) for s in mine]}\n  real {[key(s) for s in real]}"
    for (labels, x), (_, y) in zip(mine, real, strict=True):
        if not _same(x, y):
            return f"{labels}: {x!r} != {y!r}"
    return None


def test_canarysim_answers_as_the_real_prometheus(served):
    world, server = served
    # on the scrape grid, 1 ms after it, and between scrapes; early, mid-rollout and late
    instants = [
        base + delta for base in (300.0, 900.0, 1500.0, 1785.0) for delta in (0.0, 0.001, 7.5)
    ]
    mismatches = []
    asked = answered = 0
    for query in CORPUS + GENERATED:
        for at in instants:
            ours = _ours(world, query, at, server.major)
            theirs = _theirs(server.query(query, WALL_CLOCK_EPOCH + at))
            asked += 1
            answered += ours[0] == "scalar" or (ours[0] == "vector" and bool(ours[1]))
            diff = _difference(ours, theirs, ordered=query.startswith(("sort", "topk")))
            if diff is not None:
                mismatches.append(f"t={at} {query}\n  {diff}")
    assert asked >= 1000
    assert answered > asked * 0.8  # the corpus finds the simulated series
    assert not mismatches, f"{len(mismatches)} of {asked} answers differ:\n" + "\n".join(
        mismatches[:20]
    )
