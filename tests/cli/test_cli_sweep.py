"""``canarysim sweep`` and ``compare`` through the real entry point: the report, --json,
--out DIR, one-line errors with exit 2."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from canarysim.cli import main

ROOT = Path(__file__).resolve().parents[2]
ABORT = str(ROOT / "scenarios" / "analysis-abort" / "scenario.yaml")
VARY = 'versions."example/checkout:1.1".errorRate=0.001,0.12'


def _main(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


def test_sweep_prints_the_risk_report_and_writes_files(tmp_path):
    code, text = _main("sweep", ABORT, "--runs", "4", "--vary", VARY, "-j", "1", "--out",
                       str(tmp_path / "o"))  # fmt: skip
    assert code == 0
    assert "false rollback      0.0 %" in text and "detection           100.0 %" in text
    assert "(Wilson" not in text and "Wilson" in text.splitlines()[0]
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert [v["canary"] for v in report["variants"]] == ["good", "bad"]
    assert (tmp_path / "o" / "plots" / "detection.png").stat().st_size > 1000
    code, js = _main("sweep", ABORT, "--runs", "4", "--vary", VARY, "-j", "2", "--json")
    assert code == 0 and json.loads(js) == report  # same numbers from two processes


def test_compare_runs_scenarios_on_the_same_seeds(tmp_path):
    other = tmp_path / "gentle.yaml"
    text = Path(ABORT).read_text().replace("errorRate: 0.12", "errorRate: 0.001")
    manifests = ROOT / "scenarios" / "analysis-abort" / "manifests.yaml"
    text = text.replace("name: analysis-abort", "name: gentle")
    other.write_text(text.replace("  - manifests.yaml", f"  - {manifests}"))
    code, js = _main("compare", ABORT, str(other), "--runs", "3", "-j", "1", "--json")
    assert code == 0
    report = json.loads(js)
    assert [v["label"] for v in report["variants"]] == ["analysis-abort", "gentle"]
    assert report["comparisons"][0]["stopped"]["value"] == -1.0


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--vary", "trafic.rate=1"], "--vary: trafic.rate: expected a field of the top level"),
        (["--vary", "traffic.rate"], "expected PATH=V1,V2"),
        (["--executor", "dask"], "--scheduler: expected tcp://HOST:PORT"),
        (["--scheduler", "tcp://127.0.0.1:1"], "--executor dask"),
    ],
)
def test_bad_input_is_one_line_exit_2(argv, needle, capsys):
    code, _ = _main("sweep", ABORT, "--runs", "2", *argv)
    err = capsys.readouterr().err
    assert code == 2 and needle in err and err.count("\n") == 1, err


def test_bad_counts_are_usage_errors(capsys):
    with pytest.raises(SystemExit) as exc:
        _main("sweep", ABORT, "--runs", "0")
    assert exc.value.code == 2 and "must be at least 1" in capsys.readouterr().err


def test_sweep_html_page_holds_the_risk_table_and_plots(tmp_path):
    pages = []
    for i in range(2):
        page = tmp_path / f"sweep-{i}.html"
        code, _ = _main("sweep", ABORT, "--runs", "4", "--vary", VARY, "-j", "1",
                        "--html", str(page))  # fmt: skip
        assert code == 0
        pages.append(page.read_bytes())
    assert pages[0] == pages[1]  # the same sweep, the same bytes
    text = pages[0].decode()
    assert "stopped (detection or false rollback)" in text
    # the good canary (0.1 % errors) is never stopped, the bad one (12 %) always: 4 runs each
    assert "0% [0%, 49%] (0 of 4)" in text and "100% [51%, 100%] (4 of 4)" in text
    assert text.count("<svg") >= 3  # the sweep's plots, inline
    assert 'src="http' not in text and "<link" not in text  # nothing fetched
    assert oct(Path(tmp_path / "sweep-0.html").stat().st_mode & 0o777) == "0o644"
