"""canarysim's PromQL against a real Prometheus fed canarysim's own metrics.

A bundled scenario runs and its metric store is written into a ``prometheus`` binary on
127.0.0.1 through its remote-write receiver: every sample, and a staleness marker (Prometheus'
StaleNaN) where a gone pod's series ends, which OpenMetrics text cannot carry. Every query of
a corpus (the bundled scenarios' analysis queries, the Argo Rollouts and Flagger
documentation's success-rate and latency queries, and generated ones) is asked of Prometheus'
HTTP API and of canarysim's evaluator (in the Prometheus major version of the binary) at
instants on and off the 15 s scrape grid; the answers must agree: same series, same values (to
1e-9 relative: the two sum in different orders), or both an error. A second Prometheus loads
the OpenMetrics export (what ``canarysim run --metrics-out`` writes) with ``promtool tsdb
create-blocks-from openmetrics``: it must hold exactly the store's samples.

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
import struct
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from canarysim.lang.promql.query import PromQLError, evaluate
from canarysim.sim.analysis.prometheus import WALL_CLOCK_EPOCH
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

    def __init__(self, binary: str, data: Path, workdir: Path, *flags: str) -> None:
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
                *flags,
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

    def write(self, body: bytes) -> None:
        """One remote-write request (a protobuf ``WriteRequest``, snappy-framed)."""
        request = urllib.request.Request(
            self._url("/api/v1/write"),
            data=_snappy_literal(body),
            headers={
                "Content-Encoding": "snappy",
                "Content-Type": "application/x-protobuf",
                "X-Prometheus-Remote-Write-Version": "0.1.0",
            },
        )
        with urllib.request.urlopen(request, timeout=60) as r:
            assert r.status in (200, 204), r.status

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# ---------------------------------------------------------------- remote write, by hand
#: Prometheus' staleness marker: a NaN with this bit pattern (``value.StaleNaN``).
STALE_NAN = struct.pack("<Q", 0x7FF0000000000002)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _timeseries(labels: dict[str, str], samples: list[tuple[bytes, int]]) -> bytes:
    """``prometheus.TimeSeries``: labels (name-sorted), samples (double bytes, ms)."""
    out = b"".join(
        _field(1, _field(1, k.encode()) + _field(2, v.encode())) for k, v in sorted(labels.items())
    )
    for value, ms in samples:
        out += _field(2, b"\x09" + value + b"\x10" + _varint(ms))
    return out


def _snappy_literal(data: bytes) -> bytes:
    """Snappy's block format with literals only (valid, uncompressed)."""
    out = bytearray(_varint(len(data)))
    for i in range(0, len(data), 65536):
        chunk = data[i : i + 65536]
        out += bytes([61 << 2]) + struct.pack("<H", len(chunk) - 1) + chunk
    return bytes(out)


def _remote_write(server: Prometheus, store, epoch: float, per_request: int = 40) -> None:
    """Every sample of ``store`` and its staleness markers, in time order: Prometheus' head
    takes samples no older than an hour before the newest it holds, so requests go out by
    blocks of ``per_request`` scrape times."""
    by_time: dict[float, list[tuple[dict[str, str], bytes]]] = {}
    for name in store.metric_names():
        for labels, times, values, end in store.select_ends(name):
            full = {"__name__": name, **labels}
            for t, v in zip(times, values, strict=True):
                by_time.setdefault(float(t), []).append((full, struct.pack("<d", float(v))))
            if end is not None:
                by_time.setdefault(end, []).append((full, STALE_NAN))
    instants = sorted(by_time)
    for i in range(0, len(instants), per_request):
        series: dict[tuple, tuple[dict[str, str], list[tuple[bytes, int]]]] = {}
        for t in instants[i : i + per_request]:
            ms = round((t + epoch) * 1000)
            for labels, value in by_time[t]:
                entry = series.setdefault(tuple(sorted(labels.items())), (labels, []))
                entry[1].append((value, ms))
        server.write(b"".join(_field(1, _timeseries(lb, sm)) for lb, sm in series.values()))


def _world():
    world = World.build(ROOT / "scenarios" / "analysis-abort" / "scenario.yaml", keep_metrics=True)
    world.run()
    world.collect()
    world.flow.flush(world.env.now)
    world.store.advance_to(world.env.now)
    return world


@pytest.fixture(scope="module")
def world():
    return _world()


@pytest.fixture(scope="module")
def served(tmp_path_factory, world):
    """(world, Prometheus fed by remote write) for the analysis-abort scenario."""
    prometheus, _ = _binaries()
    work = tmp_path_factory.mktemp("prometheus")
    server = Prometheus(prometheus, work / "data", work, "--web.enable-remote-write-receiver")
    try:
        _remote_write(server, world.store, WALL_CLOCK_EPOCH)
        yield world, server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def exported(tmp_path_factory, world):
    """(world, Prometheus serving the OpenMetrics export loaded by promtool)."""
    prometheus, promtool = _binaries()
    work = tmp_path_factory.mktemp("exported")
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
# The issue's PromQL items, each asked of both: the wrong answers it listed and the constructs
# it found missing.
ISSUE = [
    # clamp of NaN is NaN (0/0: the 503 series never grow)
    'clamp_max(sum(rate(istio_requests_total{response_code="503"}[1m])) / '
    'sum(rate(istio_requests_total{response_code="503"}[1m])), 1)',
    "clamp(vector(0) / 0, 0, 1)",
    "clamp_min(vector(0) / 0, 0)",
    "clamp(sum(rate(istio_requests_total[1m])), 10, 1)",
    # histogram_quantile at 0, and with every bucket empty
    "histogram_quantile(0, sum by (le) (rate(istio_request_duration_milliseconds_bucket[1m])))",
    "histogram_quantile(0, sum by (le) "
    '(rate(istio_request_duration_milliseconds_bucket{le=~"0.5|1|5"}[1m])))',
    "histogram_quantile(1, sum by (le) (rate(istio_request_duration_milliseconds_bucket[1m])))",
    "histogram_quantile(0.5, sum by (le) "
    '(rate(istio_request_duration_milliseconds_bucket{response_code="503"}[1m])))',
    # quantile with a NaN or out-of-range parameter
    "quantile(0 / 0, sum by (reporter) (istio_requests_total))",
    "quantile(1.5, sum by (reporter) (istio_requests_total))",
    "quantile(-1, sum by (reporter) (istio_requests_total))",
    # round halves, to a fraction
    "round(sum by (reporter) (rate(istio_requests_total[1m])), 0.1)",
    "round(vector(2.5))",
    "round(vector(-2.5))",
    "round(vector(0.15), 0.1)",
    "round(vector(1.005), 0.01)",
    # ^ as Go's math.Pow
    "vector(-8) ^ (1 / 3)",
    "vector(10) ^ 400",
    "vector(-2) ^ 0.5",
    "-2 ^ 2",
    "vector(0) ^ -1",
    "vector(-0.5) ^ -1e308",
    # duplicate label sets once the name is dropped
    'rate({__name__=~"istio_request_duration_milliseconds_(count|sum)"}[1m])',
    '-{__name__=~"istio_request_duration_milliseconds_(count|sum)"}',
    # on(...) filters before the many-to-one check
    "sum by (reporter, response_code) (istio_requests_total) > on(reporter) "
    "sum by (reporter) (istio_requests_total)",
    'sum by (reporter, response_code) (istio_requests_total{response_code="200"}) / on(reporter) '
    "sum by (reporter) (istio_requests_total)",
    # parser: hex literals, case-insensitive keywords
    "0x10 + sum(istio_requests_total)",
    "Sum By (reporter) (istio_requests_total)",
    "sum(istio_requests_total) BY (reporter)",
    "sum by (reporter) (istio_requests_total) / ON(reporter) Group_Left sum by (reporter) "
    "(istio_requests_total)",
    # the constructs that were missing
    'min_over_time(sum(rate(istio_requests_total{reporter="source"}[1m]))[5m:1m])',
    "max_over_time(sum(istio_requests_total)[3m:])",
    "sum(istio_requests_total @ end())",
    "sum(rate(istio_requests_total[1m] @ 1767225900))",
    "sum by (reporter) (istio_requests_total) * on(reporter) group_right "
    "count by (reporter, response_code) (istio_requests_total)",
    'label_join(sum by (reporter, response_code) (istio_requests_total), "rc", "-", "reporter",'
    ' "response_code")',
    'count_values("n", sum by (response_code) (istio_requests_total))',
    "sort(sum by (response_code) (istio_requests_total))",
    "sum(changes(istio_requests_total[5m]))",
    "sum(resets(istio_requests_total[5m]))",
    "sum(deriv(istio_requests_total[5m]))",
    "sum(predict_linear(istio_requests_total[5m], 600))",
    "max(quantile_over_time(0.9, istio_requests_total[5m]))",
    'absent_over_time(istio_requests_total{reporter="nobody"}[5m])',
    "count(present_over_time(istio_requests_total[5m]))",
    "sgn(sum(istio_requests_total) - 1e12)",
    "sgn(vector(0) / 0)",
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
    # the canary pod is gone at 215 s (the abort): its series' staleness marker is at the
    # 225 s scrape
    assert sorted(world.store._ended) == ["checkout-d8b9c88c5-g4jkr"]
    instants = [220.0, 225.0, 226.0] + [
        base + delta for base in (300.0, 900.0, 1500.0, 1785.0) for delta in (0.0, 0.001, 7.5)
    ]
    mismatches = []
    asked = answered = 0
    for query in CORPUS + ISSUE + GENERATED:
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


def test_the_openmetrics_export_loads_as_exactly_the_stores_samples(exported):
    """What ``--metrics-out`` writes, loaded by ``promtool``, is every sample the evaluator
    reads (OpenMetrics has no staleness markers: those reach Prometheus only by scraping or
    remote write)."""
    world, server = exported
    end = float(world.store.last_scrape)
    for name in world.store.metric_names():
        answer = server.query(f"{name}[{int(end) + 60}s]", WALL_CLOCK_EPOCH + end)
        assert answer["status"] == "success", answer
        real = {
            tuple(sorted((k, v) for k, v in r["metric"].items() if k != "__name__")): [
                (round(float(t) - WALL_CLOCK_EPOCH, 3), float(v)) for t, v in r["values"]
            ]
            for r in answer["data"]["result"]
        }
        ours = {
            tuple(sorted(labels.items())): [
                (round(float(t), 3), float(v)) for t, v in zip(times, values, strict=True)
            ]
            for labels, times, values in world.store.select(name)
            if len(times)
        }
        assert real == ours, name
