"""Commands load only what they use: ``validate`` and ``steps`` start fast (neither loads the
SimPy world, NumPy nor matplotlib), and ``run`` loads matplotlib, the HTML report or Dask only
when an option asks for them; and a command loads NumPy with one OpenBLAS thread.

Checked in a fresh interpreter (a subprocess), since this test session has long since imported
all of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SEED = Path(__file__).resolve().parents[2] / "scenarios" / "imesh-canary" / "scenario.yaml"
PROBE = """
import io, json, sys
from canarysim.cli import main
try:
    code = main({argv!r}, out=io.StringIO())
except SystemExit as exc:  # --help and --version exit through argparse
    code = exc.code
print(json.dumps([code, sorted(m for m in {watch!r} if m in sys.modules)]))
"""
SIMULATION = ("numpy", "simpy", "canarysim.sim", "canarysim.sim.world")
PLOTTING = ("matplotlib", "canarysim.report.plots")
HTML = ("canarysim.report.html",)
DASK = ("dask", "distributed", "canarysim.evaluation")
ENGINE_STEPS = ("canarysim.engine.rollout", "canarysim.engine.model.actions")
# NumPy 2 loads its masked arrays (a sixth of the seed run's start-up) on the first
# ``np.unique`` or ``np.ma`` use; the simulation has its own sorted-unique for that reason.
MASKED = ("numpy.ma",)


def _fresh(code: str, cwd: Path | None = None) -> Any:
    """Run ``code`` in a fresh interpreter; the JSON its last line prints."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
        timeout=120,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _loaded(argv: list[str], watch: tuple[str, ...], cwd: Path | None = None) -> list[object]:
    """Run the command line in a fresh interpreter: [exit code, the watched modules loaded]."""
    return list(_fresh(PROBE.format(argv=argv, watch=watch), cwd))


@pytest.mark.parametrize("command", ["validate", "steps"])
def test_command_does_not_load_simulation_modules(command: str) -> None:
    watch = SIMULATION + PLOTTING + HTML + DASK
    assert _loaded([command, str(SEED)], watch) == [0, []]


def test_validate_does_not_load_the_step_engine() -> None:
    """Validating checks the spec as Argo does; deciding reconciles is the simulation's."""
    assert _loaded(["validate", str(SEED)], ENGINE_STEPS) == [0, []]


# What a scenario of Istio objects without analysis templates never needs to define or load.
UNUSED_KINDS = (
    "canarysim.declarations.manifests.analysis",
    "canarysim.declarations.manifests.appmesh",
    "canarysim.declarations.manifests.smi",
    "canarysim.declarations.manifests.ingress",
    "canarysim.declarations.manifests.aws",
    "canarysim.declarations.argo.analysis",
    "canarysim.declarations.lint.analysis",
    "canarysim.engine.analysis",
    "canarysim.lang.expr.values",
)


def test_validate_loads_only_the_kinds_it_reads() -> None:
    assert _loaded(["validate", str(SEED)], UNUSED_KINDS) == [0, []]


def test_run_loads_no_analysis_machinery_without_analysis() -> None:
    watch = (
        "canarysim.declarations.manifests.analysis",
        "canarysim.declarations.lint.analysis",
        "canarysim.engine.analysis",
        "canarysim.lang.expr",
        "canarysim.sim.analysis.analysisrun",
        "canarysim.sim.analysis.resolve",
    )
    assert _loaded(["run", str(SEED), "-q"], watch) == [0, []]
    # (a scenario with analysis loads them: the probe can see them)
    analysis = SEED.parents[1] / "imesh-analysis" / "scenario.yaml"
    code, loaded = _loaded(["run", str(analysis), "-q"], watch)
    assert code in (0, 1, 3)
    assert "canarysim.sim.analysis.analysisrun" in loaded  # type: ignore[operator]
    assert "canarysim.lang.expr" in loaded  # type: ignore[operator]


def test_validate_loads_the_analysis_models_for_templates() -> None:
    """(So that the probe above could fail.)"""
    analysis = SEED.parents[1] / "imesh-analysis" / "scenario.yaml"
    code, loaded = _loaded(["validate", str(analysis)], UNUSED_KINDS)
    assert code in (0, 1)
    assert "canarysim.declarations.manifests.analysis" in loaded  # type: ignore[operator]
    assert "canarysim.declarations.argo.analysis" in loaded  # type: ignore[operator]
    assert "canarysim.declarations.lint.analysis" in loaded  # type: ignore[operator]


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["run", "--help"]])
def test_help_and_version_load_no_library(argv: list[str]) -> None:
    watch = (*SIMULATION, *PLOTTING, *HTML, *DASK, "pydantic", "yaml", "canarysim.declarations")
    assert _loaded(argv, watch) == [0, []]


def test_run_loads_no_plotting_html_or_dask_unless_asked() -> None:
    assert _loaded(["run", str(SEED), "-q"], PLOTTING + HTML + DASK + MASKED) == [0, []]


def test_run_loads_plotting_and_html_when_asked(tmp_path: Path) -> None:
    """The probe sees what an option loads (so the test above could fail)."""
    argv = ["run", str(SEED), "-q", "--plot", "--out", str(tmp_path), "--html", "r.html"]
    code, loaded = _loaded(argv, PLOTTING + HTML + DASK, cwd=tmp_path)
    assert code == 0
    assert loaded == sorted(PLOTTING + HTML)


BUILT_AT_IMPORT = """
import json, sys
import pydantic
import canarysim.declarations
{more}
def models(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from models(sub)
print(json.dumps(sorted({{m.__qualname__ for m in models(pydantic.BaseModel)
                         if m.__module__.startswith("canarysim") and m.__pydantic_complete__}})))
"""


def _built_at_import(more: str = "") -> list[str]:
    """The canarysim models whose validator exists after importing the declarations (and
    running ``more``), in a fresh interpreter."""
    return list(_fresh(BUILT_AT_IMPORT.format(more=more)))


def test_importing_the_declarations_builds_no_model() -> None:
    """Every model defers its build to first use: a module-level instance or a subscripted
    generic model would build validators (tens of milliseconds) in every command."""
    assert _built_at_import() == []


def test_the_probe_sees_a_built_model() -> None:
    """Loading a scenario builds its models, which the probe above reports (so it can fail)."""
    built = _built_at_import(f"canarysim.declarations.load_scenario({str(SEED)!r})")
    assert "Scenario" in built


FROZEN = """
import gc, io, json
from canarysim.cli import main
before = gc.get_freeze_count()
code = main({argv!r}, out=io.StringIO())
print(json.dumps([code, before, gc.get_freeze_count() > 0, gc.isenabled()]))
"""


@pytest.mark.parametrize("command", ["validate", "run"])
def test_commands_freeze_what_they_loaded(command: str) -> None:
    """A command's imports, scenario and world live until exit: once loaded they are moved
    out of the collector's sight, and the collector runs again for what comes after."""
    argv = [command, str(SEED)] + (["-q"] if command == "run" else [])
    assert _fresh(FROZEN.format(argv=argv)) == [0, 0, True, True]


BLAS_PROBE = """
import io, json, os, sys
{before}
from canarysim.cli import main
main(["validate", {seed!r}], out=io.StringIO())
import numpy  # as a run would, after the command began
print(json.dumps([os.environ.get("OPENBLAS_NUM_THREADS"), len(os.listdir("/proc/self/task"))]))
"""


def _blas(before: str = "", env: dict[str, str] | None = None) -> list[Any]:
    import os

    environ = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    environ.update(env or {})
    done = subprocess.run(
        [sys.executable, "-c", BLAS_PROBE.format(before=before, seed=str(SEED))],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=environ,
    )
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")
def test_a_command_loads_numpy_with_one_blas_thread() -> None:
    setting, threads = _blas()
    assert setting == "1"
    assert threads == 1  # no OpenBLAS pool beside the main thread


def test_a_users_blas_setting_is_kept() -> None:
    assert _blas(env={"OPENBLAS_NUM_THREADS": "3"})[0] == "3"


def test_library_use_is_left_alone() -> None:
    # numpy already loaded (a notebook, a test session): the environment is not touched
    assert _blas(before="import numpy")[0] is None
