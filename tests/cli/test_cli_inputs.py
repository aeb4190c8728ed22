"""kubectl's conventions for where manifests come from: ``-`` is standard input
(``helm template ... | canarysim run -f -``), ``-f DIR`` every manifest file of a directory
(``-R`` its subdirectories too), a scenario file met there skipped with a note."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "scenarios" / "imesh-canary"
MANIFESTS = ("rollout.yaml", "services.yaml", "virtualservice.yaml")


def cli(*argv: str, stdin: str = "", cwd: Path = ROOT) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "canarysim", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": "", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    return proc.returncode, proc.stdout, proc.stderr


def bundle(*names: str) -> str:
    return "\n---\n".join((SEED / n).read_text() for n in names)


def test_run_reads_manifests_from_standard_input():
    code, out, err = cli(
        "run", "-f", "-", "-n", "deb-ns", "--until", "10m", "--json", stdin=bundle(*MANIFESTS)
    )
    assert (code, err) == (0, "")
    assert '"phase": "Healthy"' in out


def test_validate_reads_standard_input_and_names_it():
    code, out, _ = cli("validate", "-", stdin=bundle("rollout.yaml", "services.yaml"))
    assert code == 1
    assert out.startswith("<stdin>:") and "[argo/invalid-spec]" in out


def test_a_scenario_from_standard_input_resolves_paths_from_the_current_directory():
    code, _, err = cli(
        "run", "-", "--until", "10m", "-q", stdin=(SEED / "scenario.yaml").read_text(), cwd=SEED
    )
    assert (code, err) == (3, "")  # paused at 10m: its manifests were found


def test_bad_yaml_on_standard_input_is_one_line_naming_stdin():
    code, _, err = cli("validate", "-", stdin="kind: [unclosed\n")
    assert code == 2 and err.startswith("canarysim: error: <stdin>:") and err.count("\n") == 1


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """rollout and services at the top, the VirtualService one level down, and a scenario
    file beside them."""
    for name in ("rollout.yaml", "services.yaml"):
        shutil.copy(SEED / name, tmp_path / name)
    (tmp_path / "istio").mkdir()
    shutil.copy(SEED / "virtualservice.yaml", tmp_path / "istio" / "virtualservice.yaml")
    (tmp_path / "scenario.yaml").write_text("name: x\nmanifests: [rollout.yaml]\n")
    (tmp_path / "notes.txt").write_text("not a manifest")
    return tmp_path


def test_dash_f_dir_recursive_reads_every_manifest_and_skips_the_scenario_with_a_note(tree):
    code, _, err = cli("run", "-f", str(tree), "-R", "--until", "10m", "-q")
    assert code == 0
    assert err == (
        f"canarysim: note: {tree / 'scenario.yaml'}: a scenario file, not manifests: skipped "
        f"(run it with: canarysim run {tree / 'scenario.yaml'})\n"
    )


def test_dash_f_dir_without_recursive_stays_at_the_top(tree):
    code, _, err = cli("run", "-f", str(tree), "--until", "10m", "-q")
    assert code == 2  # the VirtualService sits in a subdirectory: Argo's InvalidSpec
    assert 'virtualservices.networking.istio.io "imesh-vsvc" not found' in err
    assert "acceptErrors" not in err  # no scenario to put it in


def test_several_rollouts_are_told_apart_with_dash_dash_rollout(tmp_path):
    second = (SEED / "rollout.yaml").read_text().replace("name: imesh-rollout", "name: other")
    (tmp_path / "other.yaml").write_text(second)
    files = ["-f", str(SEED / "rollout.yaml"), "-f", str(tmp_path / "other.yaml")]
    files += ["-f", str(SEED / "services.yaml"), "-f", str(SEED / "virtualservice.yaml")]
    code, _, err = cli("run", *files, "--until", "5m", "-q")
    assert code == 2 and "rollout: expected the name of the Rollout to simulate" in err
    code, out, err = cli("run", *files, "--rollout", "other", "--until", "5m", "--json")
    assert (code, err) == (0, "")
    assert '"phase": "Healthy"' in out
