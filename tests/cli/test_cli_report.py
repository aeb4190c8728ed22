"""Timeline, summary, output files and plots, on a hand-made Result (tests/cli/cli_fakes.py)."""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml
from cli_fakes import seed_like_result

from canarysim.report import files
from canarysim.report.durations import offset, span
from canarysim.report.summary import exit_code, render_summary, summarize
from canarysim.report.timeline import error_entries, render_timeline
from canarysim.result import Result


@pytest.fixture
def result() -> Result:
    return seed_like_result()


def test_timeline_is_in_time_order_and_tells_the_story(result: Result) -> None:
    text = render_timeline(result)
    lines = text.splitlines()
    assert lines[0].startswith("   0m00s  NewReplicaSetCreated")
    order = [
        "Rollout updated to revision 2",
        "Traffic weight updated from 0 to 50",
        "Paused: CanaryPauseStep (1h remaining)",
        "until 1h05m42s: canary 15 of 180,000 (<0.01%)",
        "Rollout step 2/2 completed (pause: 1h)",
        "Rollout completed update to revision 2",
    ]
    positions = [text.index(s) for s in order]
    assert positions == sorted(positions)
    assert "1h06m25s  RolloutCompleted" in text
    assert all(line == line.rstrip() for line in lines)


def test_errors_are_totalled_per_stretch_of_the_rollout(result: Result) -> None:
    entries = error_entries(result.series, result.until, result.snapshots)
    # errors only in the paused stretch (5m42s .. 1h05m42s): one line, not one per bucket
    assert [(e.time, e.text) for e in entries] == [
        (342.0, "until 1h05m42s: canary 15 of 180,000 (<0.01%)")
    ]
    assert not entries[0].warning  # under 1 %


def test_an_error_burst_of_one_percent_or_more_is_a_warning() -> None:
    times = np.arange(0.0, 600.0, 10.0)
    errs = np.zeros(times.shape, dtype=np.int64)
    errs[[1, 3, 5]] = 2
    series = {"time": times, "requests.canary": np.full(times.shape, 10), "errors.canary": errs}
    (entry,) = error_entries(series, until=600.0)
    assert entry.text == "until 10m00s: canary 6 of 600 (1%)"
    assert entry.warning and entry.time == 0.0


def test_summary_reports_promotion_time_traffic_and_exit_code(result: Result) -> None:
    s = summarize(result)
    assert s["schema"] == "canarysim.summary/v1"
    assert s["phase"] == "Healthy" and s["exit_code"] == 0
    assert s["update_started"] == 300.0
    assert s["time_to_promotion"] == pytest.approx(3685.0)
    assert s["versions"]["canary"]["errors"] == 15
    assert s["canary_errors"] == 15
    total = sum(v["requests"] for v in s["versions"].values())
    assert total == 720 * 1000
    json.dumps(s, allow_nan=False)  # the --json output is plain JSON
    table = render_summary(s)
    assert "Time to promotion  1h01m25s (at 1h06m25s)" in table
    assert "Blast radius       15 errors served by the canary" in table


def test_simulator_figures_win_over_derived_ones(result: Result) -> None:
    given = replace(result, summary={"time_to_promotion": 3600.0, "extra": 1})
    s = summarize(given)
    assert s["time_to_promotion"] == 3600.0 and s["extra"] == 1


@pytest.mark.parametrize(
    ("phase", "aborted", "code"),
    [
        ("Healthy", False, 0),
        ("Degraded", False, 1),
        ("Degraded", True, 1),
        ("Progressing", True, 1),
        ("Paused", False, 3),
        ("Progressing", False, 3),
    ],
)
def test_exit_code_from_final_phase(result: Result, phase: str, aborted: bool, code: int) -> None:
    assert exit_code(replace(result.final, phase=phase, aborted=aborted)) == code


def test_unfinished_run_says_where_it_stopped(result: Result) -> None:
    cut = replace(result, snapshots=result.snapshots[:4], until=1800.0)
    s = summarize(cut)
    assert s["exit_code"] == 3 and s["time_to_promotion"] is None
    line = next(x for x in render_summary(s).splitlines() if x.startswith("Not finished"))
    assert line.split(None, 2)[2] == "Paused at step 1/2 when the run stopped at 30m00s"


def test_out_dir_holds_every_file_and_they_parse(result: Result, tmp_path: Path) -> None:
    written = files.write_outputs(result, tmp_path)
    names = sorted(str(p.relative_to(tmp_path)) for p in written)
    assert names[:3] == [
        "events.jsonl",
        "manifests/0000000.000s-VirtualService-imesh-vsvc.yaml",
        "manifests/0000342.000s-VirtualService-imesh-vsvc.yaml",
    ]
    assert "result.json" in names and "timeseries.csv" in names
    back = Result.from_json(json.loads((tmp_path / "result.json").read_text()))
    assert back == result
    events = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert events == result.events
    rows = list(csv.DictReader(io.StringIO((tmp_path / "timeseries.csv").read_text())))
    assert len(rows) == len(result.series["time"])
    assert rows[0]["latency_p50.canary"] == ""  # NaN: no canary requests yet
    assert float(rows[40]["weight.canary"]) == 50
    vs = yaml.safe_load(
        (tmp_path / "manifests/0000342.000s-VirtualService-imesh-vsvc.yaml").read_text()
    )
    assert [r["weight"] for r in vs["spec"]["http"][0]["route"]] == [50, 50]
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_writes_are_atomic_the_old_file_survives_a_failed_write(tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    files.write_atomic(target, "old contents\n")

    class Boom(Exception):
        pass

    real_replace = os.replace

    def failing_replace(src: str, dst: str) -> None:
        raise Boom

    os.replace = failing_replace  # type: ignore[assignment]
    try:
        with pytest.raises(Boom):
            files.write_atomic(target, "new contents that never land\n")
    finally:
        os.replace = real_replace
    assert target.read_text() == "old contents\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]  # no temp file left


def test_write_atomic_goes_through_a_temp_file_and_os_replace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        seen.append((Path(src).parent, Path(src).read_bytes(), Path(dst).exists()))
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", spy)
    files.write_atomic(tmp_path / "events.jsonl", "x\n")
    assert seen == [(tmp_path, b"x\n", False)]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_output_files_follow_the_umask(
    result: Result, tmp_path: Path, umask: int, mode: int
) -> None:
    """Like any tool's output: 0666 less the umask (not mkstemp's private 0600)."""
    old = os.umask(umask)
    try:
        written = files.write_outputs(result, tmp_path / "out", formats=("json", "csv"))
    finally:
        os.umask(old)
    assert written
    assert {p.stat().st_mode & 0o777 for p in written} == {mode}


def test_a_directory_in_the_way_is_named_not_the_temp_file(tmp_path: Path) -> None:
    (tmp_path / "result.json").mkdir()
    with pytest.raises(OSError) as err:
        files.write_atomic(tmp_path / "result.json", "{}")
    assert err.value.filename == str(tmp_path / "result.json")
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]  # no temp file left


def test_plots_write_png_and_svg(result: Result, tmp_path: Path) -> None:
    from canarysim.report.plots import write_plots

    written = write_plots(result, tmp_path)
    assert sorted(p.name for p in written) == ["imesh-canary.png", "imesh-canary.svg"]
    assert (tmp_path / "imesh-canary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "imesh-canary.svg").read_text()
    for title in ("Router weights", "Pods per ReplicaSet", "Errors served", "Latency"):
        assert title in svg


def test_offsets_and_spans() -> None:
    assert offset(3942) == "1h05m42s" and offset(59.99) == "0m59s"
    assert span(3685) == "1h01m25s" and span(30) == "30s"


def test_each_analysis_measurement_is_a_timeline_entry(result: Result) -> None:
    from canarysim.report.timeline import analysis_entries
    from canarysim.result import AnalysisRunSnapshot

    def with_run(snap, successful: int, failed: int, phase: str = "Running"):
        run = AnalysisRunSnapshot("r-2", phase, 2, successful=successful, failed=failed)
        return replace(snap, analysis_runs=(run,))

    base = result.snapshots[3]
    snaps = [
        with_run(replace(base, time=400.0), 1, 0),
        with_run(replace(base, time=430.0), 1, 0),  # nothing new: no entry
        with_run(replace(base, time=460.0), 1, 1),
        with_run(replace(base, time=490.0), 1, 2, "Failed"),
    ]
    entries = analysis_entries(snaps)
    assert [(e.time, e.text, e.warning) for e in entries] == [
        (400.0, "AnalysisRun/r-2: successful (so far 1 successful)", False),
        (460.0, "AnalysisRun/r-2: failed (so far 1 successful, 1 failed)", True),
        (490.0, "AnalysisRun/r-2: failed (so far 1 successful, 2 failed)", True),
    ]


def test_summary_prefers_the_simulators_counts_and_lists_images(result: Result) -> None:
    given = {
        "requests": {"stable": 900, "canary": 100},
        "errors": {"stable": 9, "canary": 5},
        "canary_errors": 5,
        "by_image": {
            "(no endpoint)": {"requests": 3, "errors": 3},
            "app:v1": {"requests": 997, "errors": 11},
        },
    }
    s = summarize(replace(result, summary=given))
    assert s["versions"]["canary"] == {"requests": 100, "errors": 5, "error_rate": 0.05}
    lines = render_summary(s).splitlines()
    assert any(line.startswith("Per image") and "app:v1" in line for line in lines)
    assert lines.index(next(x for x in lines if "(no endpoint)" in x)) > lines.index(
        next(x for x in lines if "app:v1" in x)
    )  # real images first, then requests nobody could serve


def test_plots_show_analysis_measurements_against_thresholds(
    result: Result, tmp_path: Path
) -> None:
    from canarysim.report.plots import write_plots

    times = result.series["time"]
    measured = np.where(times >= 400, 0.12, np.nan)
    series = {**result.series, "analysis.error-rate": measured}
    thresholds = {"error-rate": [("success: result < 0.05", 0.05)]}
    write_plots(replace(result, series=series), tmp_path, thresholds)
    svg = (tmp_path / "imesh-canary.svg").read_text()
    assert "Analysis measurements against their thresholds" in svg
    assert "success: result &lt; 0.05" in svg


def test_pod_chatter_and_restated_events_only_with_every() -> None:
    from canarysim.report.timeline import event_entries

    events = [
        {
            "time": 0.0,
            "kind": "Normal",
            "object": "Rollout/r",
            "reason": "RolloutUpdated",
            "message": "Rollout updated to revision 2",
        },
        {
            "time": 0.0,
            "kind": "Normal",
            "object": "Rollout/r",
            "reason": "RolloutNotCompleted",
            "message": "Rollout not completed, started update to revision 2 (abc)",
        },
        {
            "time": 1.0,
            "kind": "Normal",
            "object": "Pod/r-abc-x",
            "reason": "Pulling",
            "message": 'Pulling image "app:v2"',
        },
        {
            "time": 2.0,
            "kind": "Warning",
            "object": "Pod/r-abc-x",
            "reason": "BackOff",
            "message": "Back-off restarting failed container",
        },
    ]
    short = [e.tag for e in event_entries(events, "r")]
    assert short == ["RolloutUpdated", "BackOff"]  # warnings of any object stay
    every = event_entries(events, "r", every=True)
    assert [e.tag for e in every] == ["RolloutUpdated", "RolloutNotCompleted", "Pulling", "BackOff"]
    assert every[2].text == 'Pod/r-abc-x: Pulling image "app:v2"'


def test_simulation_warnings_are_listed_in_the_summary(result: Result) -> None:
    warned = replace(result, warnings=["no VirtualService serves host 'x'", "second"])
    lines = render_summary(summarize(warned)).splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Warnings"))
    assert lines[at].endswith("no VirtualService serves host 'x'")
    assert lines[at + 1].strip() == "second"


def test_json_summary_is_strict_json_even_with_nan(result: Result) -> None:
    from canarysim.report.summary import summary_json

    s = summarize(replace(result, summary={"latency_p99": float("nan"), "n": np.int64(3)}))
    back = json.loads(summary_json(s))
    assert back["latency_p99"] is None and back["n"] == 3
