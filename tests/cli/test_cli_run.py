"""`run`, `get`, `steps`, `validate` and `schema` end to end through ``main(argv)``: exit codes
from the final phase, --json, --quiet, --out, -f manifests, --watch."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import pytest

from canarysim.cli import main

ROOT = Path(__file__).resolve().parents[2]
SEED = "scenarios/imesh-canary/scenario.yaml"
ABORT = "scenarios/analysis-abort/scenario.yaml"
PUBLISHED = "scenarios/imesh-canary/as-published"

needs_simulator = pytest.mark.skipif(
    importlib.util.find_spec("canarysim.sim.world") is None,
    reason="the simulator (canarysim.sim.world) is not there yet",
)


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


@needs_simulator
def test_exit_3_when_the_run_stops_while_paused() -> None:
    code, text = cli("run", SEED, "--until", "30m")
    assert code == 3
    assert "Not finished" in text and "Paused at step 1/2" in text


@needs_simulator
def test_exit_1_when_analysis_aborts_the_rollout() -> None:
    code, text = cli("run", ABORT)
    assert code == 1
    assert "RolloutAborted" in text and "Status:          ✖ Degraded" in text


@needs_simulator
def test_json_prints_one_document_and_quiet_prints_nothing() -> None:
    code, text = cli("run", SEED, "--json")
    summary = json.loads(text)
    assert code == 0 == summary["exit_code"]
    assert summary["schema"] == "canarysim.summary/v1"
    assert summary["phase"] == "Healthy" and summary["revision"] == 2
    assert 3600 < summary["time_to_promotion"] < 3800  # 1h pause plus pods becoming available
    assert cli("run", SEED, "--quiet") == (0, "")


@needs_simulator
def test_seed_override_changes_the_run_and_is_reported() -> None:
    a = json.loads(cli("run", SEED, "--json", "--seed", "11")[1])
    b = json.loads(cli("run", SEED, "--json", "--seed", "12")[1])
    assert a["seed"] == 11 and b["seed"] == 12
    assert a["versions"] != b["versions"]  # different random draws


@needs_simulator
def test_out_dir_from_the_command_line(tmp_path: Path) -> None:
    code, _ = cli("run", SEED, "--quiet", "--out", str(tmp_path), "--plot")
    assert code == 0
    names = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert {"result.json", "events.jsonl", "timeseries.csv"} <= names
    assert {"plots/imesh-canary.png", "plots/imesh-canary.svg"} <= names
    manifests = sorted(n for n in names if n.startswith("manifests/"))
    assert manifests and all(n.endswith("-VirtualService-imesh-vsvc.yaml") for n in manifests)
    assert len(manifests) >= 3  # initial, weight 50, back to stable after promotion


@needs_simulator
def test_plain_manifests_with_set_image() -> None:
    files = [
        f"-f=scenarios/imesh-canary/{n}.yaml"
        for n in ("rollout", "virtualservice", "services", "gateway")
    ]
    code, text = cli(
        "run",
        *files,
        "-n",
        "deb-ns",
        "--set-image",
        "nginx=nginx:1.15.5",
        "--at",
        "2m",
        "--rate",
        "20/s",
        "--until",
        "90m",
    )
    assert code == 0, text
    assert "2m00s  OperatorCommand" in text
    assert "kubectl argo rollouts set image imesh-rollout nginx=nginx:1.15.5" in text


@needs_simulator
def test_get_watch_prints_a_frame_per_change() -> None:
    code, text = cli("get", SEED, "--at", "10m", "--watch")
    assert code == 0
    frames = text.split("\n--- ")
    assert len(frames) >= 4
    assert frames[-1].count("Name:            imesh-rollout") == 1
    assert "॥ Paused" in frames[-1]
    # no two frames carry the same header (two changes within a second show milliseconds)
    headers = [line for line in text.splitlines() if line.startswith("--- ")]
    assert len(headers) == len(set(headers)) == len(frames)


def test_validate_exit_codes(tmp_path: Path) -> None:
    assert cli("validate", SEED)[0] == 0
    code, text = cli(
        "validate",
        f"{PUBLISHED}/rollout.yaml",
        f"{PUBLISHED}/services.yaml",
        f"{PUBLISHED}/virtualservice.yaml",
    )
    assert code == 1
    assert 'Service "canary-svc" has unmatch label "app" in rollout' in text
    bad = tmp_path / "broken.yaml"
    bad.write_bytes(b"\xff\xfe not utf-8")
    assert cli("validate", str(bad))[0] == 2


def test_schema_is_json_schema() -> None:
    code, text = cli("schema")
    schema = json.loads(text)
    assert code == 0
    assert "properties" in schema and "until" in schema["properties"]


@needs_simulator
def test_scenario_outputs_dir_and_formats_are_honoured(tmp_path: Path) -> None:
    import yaml

    scenario = yaml.safe_load((ROOT / SEED).read_text())
    scenario["manifests"] = [
        str(ROOT / "scenarios/imesh-canary" / m) for m in scenario["manifests"]
    ]
    scenario["until"] = "10m"
    scenario["outputs"] = {"dir": "out", "formats": ["csv", "txt"]}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario))
    code, text = cli("run", str(path))
    assert code == 3  # paused at 10m
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["report.txt", "timeseries.csv"]
    assert (tmp_path / "out" / "report.txt").read_text() == text


@needs_simulator
def test_a_run_sliced_for_the_progress_bar_gives_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class FakeTTY(io.StringIO):
        def isatty(self) -> bool:
            return True

    cli("run", ABORT, "--quiet", "--out", str(tmp_path / "plain"))
    monkeypatch.setattr("sys.stderr", FakeTTY())  # the progress bar slices the run
    cli("run", ABORT, "--quiet", "--out", str(tmp_path / "sliced"))
    plain = (tmp_path / "plain" / "result.json").read_bytes()
    assert (tmp_path / "sliced" / "result.json").read_bytes() == plain


@needs_simulator
def test_metrics_out_writes_openmetrics_of_every_sample(tmp_path: Path) -> None:
    target = tmp_path / "metrics.om"
    code, _ = cli("run", ABORT, "--until", "10m", "--metrics-out", str(target), "-q")
    assert code in (0, 1, 3)
    lines = target.read_text().splitlines()
    assert lines[-1] == "# EOF"
    assert lines[0] == "# TYPE istio_requests counter"
    assert "# TYPE istio_request_duration_milliseconds histogram" in lines
    samples = [line for line in lines if not line.startswith("#")]
    # every sample carries a Unix timestamp from 2026-01-01 on, within the 10 simulated minutes
    stamps = {float(line.rsplit(" ", 1)[1]) for line in samples}
    assert min(stamps) >= 1767225600 and max(stamps) <= 1767225600 + 600
    # a histogram MetricPoint keeps its lines together: buckets then _count then _sum
    first = next(i for i, line in enumerate(lines) if "_bucket{" in line)
    parts = [lines[i].split("{")[0].rsplit("_", 1)[1] for i in range(first, first + 22)]
    assert parts == ["bucket"] * 20 + ["count", "sum"]


@needs_simulator
def test_run_f_starts_healthy_unless_told_start_empty() -> None:
    files = ["-f", "scenarios/imesh-canary/", "--until", "2m"]
    code, text = cli("run", *files, "--json")
    assert code == 0 and json.loads(text)["phase"] == "Healthy"
    code, healthy = cli("run", *files)
    assert "RolloutAddedToInformer" not in healthy and "0m00s  Phase  Healthy" in healthy
    code, empty = cli("run", *files, "--start", "empty")
    assert code == 0
    assert "RolloutAddedToInformer" in empty and "Initial deploy" in empty
    assert "not served (no route/endpoint)" in empty


def test_start_belongs_to_the_scenario_file_when_there_is_one() -> None:
    code, _ = cli("run", SEED, "--start", "empty")
    assert code == 2
