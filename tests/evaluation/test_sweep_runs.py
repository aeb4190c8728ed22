"""Sweeps: seeds, determinism across executors, rows, report and output files."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import canarysim
from canarysim.evaluation.outcome import COLUMN_NAMES, canary_is_bad
from canarysim.evaluation.seeds import run_seed, run_seeds

ABORT = "scenarios/analysis-abort/scenario.yaml"
CANARY = 'versions."example/checkout:1.1".errorRate'
VARY = {CANARY: [0.001, 0.12]}


def _same(a, b):
    assert a.labels == b.labels
    for name in COLUMN_NAMES:
        x, y = a.columns[name], b.columns[name]
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name


@pytest.fixture(scope="module")
def serial():
    return canarysim.sweep(ABORT, runs=6, vary=VARY, executor="serial", progress=False)


def test_seeds_depend_on_the_sweep_seed_and_the_index_only():
    assert run_seeds(7, 4).tolist() == run_seeds(7, 9)[:4].tolist()
    assert run_seeds(7, 3, start=2)[0] == run_seed(7, 2)
    assert len(set(run_seeds(7, 500).tolist())) == 500
    assert run_seeds(7, 3).tolist() != run_seeds(8, 3).tolist()
    assert all(0 <= s < 2**63 for s in run_seeds(0, 50).tolist())


def test_rows_match_single_runs(serial):
    assert len(serial) == 12 and serial.labels == [f"{CANARY}=0.001", f"{CANARY}=0.12"]
    rows = serial.variant(1)
    assert np.array_equal(rows["seed"], serial.variant(0)["seed"])  # common random numbers
    # row 3 of the bad variant is exactly a single simulation with that seed
    s = canarysim.load_scenario(ABORT).with_changes(seed=int(rows["seed"][3]))
    result = canarysim.simulate(s)
    assert rows["outcome"][3] == ("aborted" if result.summary["aborted_at"] else "promoted")
    assert rows["canary_errors"][3] == result.summary["canary_errors"]
    assert rows["requests_canary"][3] == result.summary["requests"]["canary"]
    assert rows["bad"].all() and not serial.variant(0)["bad"].any()
    assert (rows["outcome"] == "aborted").all()  # 12 % errors against a 5 % threshold
    assert np.isfinite(rows["time_to_stop"]).all() and np.isnan(rows["time_to_promotion"]).all()


def test_local_processes_give_the_same_rows(serial):
    _same(serial, canarysim.sweep(ABORT, runs=6, vary=VARY, jobs=2, progress=False))


def test_dask_local_cluster_gives_the_same_rows(serial):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        by_address = canarysim.sweep(
            ABORT, runs=6, vary=VARY, executor="dask", scheduler=cluster.scheduler_address,
            progress=False,
        )  # fmt: skip
        _same(serial, by_address)
        with distributed.Client(cluster) as client:
            _same(
                serial, canarysim.sweep(ABORT, runs=6, vary=VARY, executor=client, progress=False)
            )


def test_canary_is_bad_reads_the_regression():
    s = canarysim.load_scenario(ABORT)
    assert canary_is_bad(s)
    assert not canary_is_bad(
        s.with_changes(versions={"example/checkout:1.1": {"errorRate": 0.005}})
    )
    crash = {"example/checkout:1.1": {"errorRate": 0.0, "crash": {"afterStart": "10s"}}}
    assert canary_is_bad(s.with_changes(versions=crash))


def test_report_and_files(serial, tmp_path):
    report = serial.report()
    assert report["schema"] == "canarysim.sweep/v1" and report["runs"] == 6
    good, bad = report["variants"]
    assert good["canary"] == "good" and good["false_rollback"]["k"] == 0
    assert good["detection"] is None and good["time_to_promotion"]["n"] == 6
    assert bad["detection"]["p"] == 1.0 and bad["detection"]["method"].startswith("Wilson")
    assert bad["time_to_detection"]["median"]["method"].startswith("order statistics")
    assert report["comparisons"][0]["stopped"]["value"] == 1.0
    assert "false rollback" in serial.report_text() and "detection" in serial.report_text()
    old = os.umask(0o022)
    try:
        written = serial.save(tmp_path / "out")
    finally:
        os.umask(old)
    names = sorted(p.relative_to(tmp_path / "out").as_posix() for p in written)
    assert names == [
        "plots/detection.png", "plots/promotion-times.png", "plots/promotion-vs-blast.png",
        "report.json", "runs.csv",
    ]  # fmt: skip
    assert json.loads((tmp_path / "out" / "report.json").read_text()) == json.loads(
        json.dumps(report)
    )
    lines = (tmp_path / "out" / "runs.csv").read_text().splitlines()
    assert lines[0].split(",")[:4] == ["label", "variant", "run", "seed"] and len(lines) == 13
    assert not [p for p in (tmp_path / "out").rglob("*.tmp")]
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in written)  # umask 022, not private
    again = serial.save(tmp_path / "again", plots=False)
    assert (tmp_path / "again" / "runs.csv").read_bytes() == (
        tmp_path / "out" / "runs.csv"
    ).read_bytes()
    assert len(again) == 2


def test_to_pandas(serial):
    pd = pytest.importorskip("pandas")
    frame = serial.to_pandas()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 12
    assert frame.groupby("label")["canary_errors"].count().tolist() == [6, 6]


def test_compare_uses_the_same_seeds_and_refuses_one_scenario():
    base = canarysim.load_scenario(ABORT)
    other = base.with_changes(
        name="gentle", versions={"example/checkout:1.1": {"errorRate": 0.001}}
    )
    sw = canarysim.compare([base, other], runs=3, executor="serial", progress=False)
    assert sw.labels == ["analysis-abort", "gentle"]
    assert np.array_equal(sw.variant(0)["seed"], sw.variant(1)["seed"])
    with pytest.raises(canarysim.errors.CanarysimError):
        canarysim.compare([base], runs=3)


def test_import_canarysim_stays_light():
    import subprocess
    import sys

    code = (
        "import canarysim, sys; "
        "print(sorted(m for m in ('numpy', 'simpy', 'pydantic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


class _Tty:
    def __init__(self, tty):
        self.tty, self.text = tty, ""

    def isatty(self):
        return self.tty

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def test_progress_bar_only_on_a_terminal(monkeypatch):
    from canarysim.evaluation import sweep as sweep_module

    for tty in (True, False):
        stream = _Tty(tty)
        monkeypatch.setattr("sys.stderr", stream)
        bar = sweep_module._Progress(10, "sweeping x", None)
        bar.start -= 5  # drawn only once a second has passed
        bar.step(4)
        bar.close()
        if tty:
            assert "sweeping x [" in stream.text and "4/10 runs" in stream.text
            assert stream.text.endswith("\r\033[K")  # erased at the end
        else:
            assert stream.text == ""
    stream = _Tty(True)
    monkeypatch.setattr("sys.stderr", stream)
    quiet = sweep_module._Progress(10, "x", False)
    quiet.start -= 5
    quiet.step(10)
    assert stream.text == ""
