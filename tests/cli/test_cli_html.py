"""The HTML report without a browser: one self-contained, deterministic file; the same page from
``run --html`` and from ``report`` on the saved result.json; the data it embeds agrees with the
Result; the page builder a sweep page reuses. (tests/browser drives the page in Chromium.)"""

from __future__ import annotations

import io
import json
import os
import re
import stat
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import canarysim
from canarysim.cli import main
from canarysim.report import chartdata
from canarysim.report.html import document, figure, risk_table, run_page, run_payload
from canarysim.result import Result

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "scenarios" / "imesh-canary" / "scenario.yaml"
ABORT = ROOT / "scenarios" / "analysis-abort" / "scenario.yaml"


@pytest.fixture(scope="module")
def seed_result() -> Result:
    return canarysim.simulate(canarysim.load_scenario(SEED))


def embedded(page: str) -> dict:
    found = re.findall(
        r'<script type="application/json" id="canarysim-data">(.*?)</script>', page, re.S
    )
    assert len(found) == 1
    return json.loads(found[0])


def test_the_page_is_self_contained(seed_result: Result) -> None:
    page = run_page(seed_result)
    assert page.startswith("<!doctype html>")
    # nothing to fetch: no external script, stylesheet, image, font or frame
    assert not re.search(r"<(link|img|iframe|object|embed|audio|video|source)\b", page, re.I)
    assert not re.search(r"<script[^>]*\bsrc=", page, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", page, re.I)
    assert not re.search(r"\b(fetch|XMLHttpRequest|WebSocket|EventSource|sendBeacon)\s*\(", page)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp and "default-src 'none'" in csp.group(1)
    # the data cannot close its script element early
    data_block = page.split('id="canarysim-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data_block


def test_the_page_is_deterministic_and_embeds_the_payload(seed_result: Result) -> None:
    again = Result.from_json(seed_result.dumps())
    assert run_page(seed_result) == run_page(again)
    assert embedded(run_page(seed_result))["run"] == json.loads(json.dumps(run_payload(again)))


def test_run_html_and_report_of_the_saved_result_write_the_same_page(tmp_path: Path) -> None:
    for scenario in (SEED, ABORT):
        out = io.StringIO()
        direct, out_dir = tmp_path / f"{scenario.parent.name}.html", tmp_path / scenario.parent.name
        code = main(
            ["run", str(scenario), "--html", str(direct), "--out", str(out_dir), "-q"], out=out
        )
        assert code in (0, 1)
        again = tmp_path / f"{scenario.parent.name}-again.html"
        assert (
            main(
                [
                    "report",
                    str(out_dir / "result.json"),
                    "-o",
                    str(again),
                    "--scenario",
                    str(scenario),
                ],
                out=out,
            )
            == 0
        )
        assert direct.read_bytes() == again.read_bytes()
    # analysis thresholds come from the scenario's templates
    data = embedded((tmp_path / "analysis-abort.html").read_text("utf-8"))["run"]
    (metric,) = data["analysis"]
    assert data["analysis"][metric]["thresholds"], "the template's conditions give thresholds"
    result = Result.from_json((tmp_path / "analysis-abort" / "result.json").read_text("utf-8"))
    assert [p["raw"] for p in data["analysis"][metric]["points"]] == [
        m["value"] for m in result.measurements if m["metric"] == metric
    ]


def test_written_pages_follow_the_umask(tmp_path: Path, seed_result: Result) -> None:
    from canarysim.report.html import write_html

    old = os.umask(0o022)
    try:
        path = write_html(tmp_path / "r.html", run_page(seed_result))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("not json", "expected a result.json written by canarysim run --out"),
        ('{"schema": "other/v9"}', "schema: expected 'canarysim.result/v1'"),
        ('{"schema": "canarysim.result/v1"}', "expected a complete canarysim.result/v1"),
    ],
)
def test_report_refuses_what_is_not_a_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    target = tmp_path / "r.html"
    assert main(["report", str(bad), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err and expected in err
    assert not target.exists()


def test_traffic_per_image_adds_up_to_the_series(seed_result: Result) -> None:
    data = run_payload(seed_result)
    counts = data["series"]["counts"]
    for what in ("requests", "errors"):
        columns = [c for c in seed_result.series if c.startswith(f"{what}.")]
        want = sum(float(np.nansum(seed_result.series[c])) for c in columns)
        assert sum(sum(v[what]) for v in counts.values()) == pytest.approx(want)
        # per-second rates times the window width give the same totals
        width = data["traffic"]["width"]
        rates = sum(sum(v) for v in data["traffic"][what].values()) * width
        assert rates == pytest.approx(want, rel=1e-5)
    # a version keeps its image through promotion: each image's rows come from the role that
    # ran it at that time, never from the other image
    times = seed_result.series["time"]
    for i in range(0, len(times), 37):
        snap = seed_result.status_at(float(times[i]))
        by_role = {rs.role: rs.image for rs in snap.replica_sets}
        for role in ("stable", "canary"):
            n = int(seed_result.series[f"requests.{role}"][i])
            if n and role in by_role:
                assert counts[by_role[role]]["requests"][i] >= n


def _snap(base, t, **kw):
    return replace(base, time=t, **kw)


def test_step_bands_say_what_each_step_did(seed_result: Result) -> None:
    base = seed_result.snapshots[0]
    upd = {"stable_hash": "a", "canary_hash": "b", "step_count": 3}
    snaps = [
        _snap(
            base, 0.0, stable_hash="a", canary_hash="a", step_index=3, step_count=3, set_weight=100
        ),
        _snap(base, 100.0, step_index=0, set_weight=20, phase="Progressing", **upd),
        _snap(base, 130.0, step_index=1, set_weight=20, phase="Paused", paused_until=1930.0, **upd),
        _snap(base, 1930.0, step_index=2, set_weight=20, phase="Paused", paused_until=None, **upd),
        _snap(base, 2500.0, step_index=3, set_weight=100, phase="Healthy", **upd),
    ]
    bands = chartdata.step_bands(snaps, 3000.0)
    assert [(b.start, b.end, b.kind, b.label) for b in bands] == [
        (100.0, 130.0, "setWeight", "setWeight 20"),
        (130.0, 1930.0, "pause", "pause 30m"),
        (1930.0, 2500.0, "pause", "pause"),
    ]
    assert [(b.start, b.end) for b in chartdata.pause_bands(snaps, 3000.0)] == [(130.0, 2500.0)]


def test_measured_values_and_fault_marks() -> None:
    assert chartdata.measured_value("[0.25]") == 0.25
    assert chartdata.measured_value("[]") is None
    events = [
        {"time": 5.0, "reason": "FaultInjected", "message": "killed pod x", "source": "fault"},
        {"time": 6.0, "reason": "OperatorCommand", "message": "promote", "source": "operator"},
    ]
    assert chartdata.fault_marks(events) == [(5.0, "killed pod x")]


def test_plots_mark_faults_and_show_errors_per_second(seed_result: Result, tmp_path: Path) -> None:
    from canarysim.report.plots import write_plots

    fault = {
        "time": 1800.0,
        "kind": "Warning",
        "object": "Pod/x",
        "reason": "FaultInjected",
        "message": "killed pod x",
        "source": "fault",
    }
    result = replace(seed_result, events=[*seed_result.events, fault])
    write_plots(result, tmp_path)
    svg = (tmp_path / f"{result.scenario_name}.svg").read_text("utf-8")
    assert "Errors served per second per image" in svg
    assert "fault: killed pod x" in svg
    for image in {rs.image for s in result.snapshots for rs in s.replica_sets}:
        assert image in svg  # lines are per image, not per role


def test_the_page_builder_makes_a_sweep_page_without_a_run() -> None:
    table = risk_table(
        [("scenario", "scenario"), ("p_abort", "P(abort)")],
        [{"scenario": "a<b", "p_abort": "0.12 [0.08, 0.17]"}],
        caption="per variant",
        numeric=["p_abort"],
    )
    svg = '<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>'
    page = document("sweep", sections=[table, figure("plot", "Risk plot", svg)])
    assert (
        '<th scope="row">a&lt;b</th>' in page and '<td class="num">0.12 [0.08, 0.17]</td>' in page
    )
    assert '<svg role="img" aria-label="Risk plot"' in page and "<?xml" not in page
    assert "<script>" not in page  # no run: no scrubber scripts
    assert embedded(page) == {}


@pytest.mark.parametrize("column", ["(no endpoint)", "no_endpoint"])
def test_requests_no_pod_answered_are_kept_apart(seed_result: Result, column: str) -> None:
    series = dict(seed_result.series)
    n = len(series["time"])
    unserved = np.zeros(n, dtype=np.int64)
    unserved[:3] = [7, 5, 2]
    series[f"requests.{column}"] = unserved
    series[f"errors.{column}"] = unserved
    result = replace(seed_result, series=series)
    labels = chartdata.traffic_labels(result)
    assert labels[-1] == "(no endpoint)" and all(not x.startswith("(") for x in labels[:-1])
    counts = run_payload(result)["series"]["counts"]["(no endpoint)"]
    assert counts["requests"] == unserved.tolist() and counts["errors"] == unserved.tolist()
    # the images' own counts are untouched by it
    before = run_payload(seed_result)["series"]["counts"]
    for image in labels[:-1]:
        assert run_payload(result)["series"]["counts"][image] == before[image]


def test_router_shares_add_up_to_the_whole_with_an_experiment() -> None:
    scenario = ROOT / "scenarios" / "experiment-step" / "scenario.yaml"
    result = canarysim.simulate(canarysim.load_scenario(scenario))
    weights = run_payload(result)["series"]["weight"]
    assert set(weights) == {"canary", "stable", "other"}  # the experiment's Services
    totals = {round(sum(w[i] for w in weights.values()), 6) for i in range(len(weights["canary"]))}
    assert totals == {100}
    # other is what the VirtualService sends to neither Service, as result.json has it
    i = int(np.argmax(weights["other"]))
    t = float(result.series["time"][i])
    routes = [
        r
        for vs in result.manifests_at(t)["virtualservices"]
        for h in vs["spec"]["http"]
        for r in h.get("route", [])
    ]
    hosts = {r["destination"]["host"]: r.get("weight", 0) for r in routes}
    assert weights["other"][i] == sum(
        w for h, w in hosts.items() if not h.endswith(("-stable", "-canary"))
    )
