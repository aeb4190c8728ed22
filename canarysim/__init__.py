"""canarysim: Argo Rollouts canaries on an Istio mesh, in simulated time.

>>> import canarysim
>>> sorted(canarysim.__all__)
['Result', 'Simulation', '__version__', 'compare', 'load_scenario', 'simulate', 'sweep', 'tune']

``import canarysim`` stays light: nothing outside the standard library is loaded until a name
needs it (``Result`` brings NumPy, ``load_scenario`` the spec layer, ``simulate`` SimPy), so
``import canarysim.engine`` is as light as the engine itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from canarysim.declarations.scenario.model import Scenario
    from canarysim.result import Result
    from canarysim.sim.stepping import Simulation

__version__ = "0.1.0"


def load_scenario(source: Any, *, base_dir: Any = None) -> Scenario:
    """Load and check a scenario: a file's path, a mapping or YAML text (see README and
    docs/scenario-format.md); raises ``ScenarioError`` on bad input."""
    from canarysim.declarations import load_scenario as _load

    return _load(source, base_dir=base_dir)


def simulate(scenario: Any, until: float | str | None = None, mode: str | None = None) -> Result:
    """Run ``scenario`` (a loaded Scenario or a path) in simulated time and return its Result.

    ``until`` overrides the scenario's end (seconds or a duration such as ``"2h"``); ``mode`` is
    ``"aggregate"`` (default) or ``"exact"``.
    """
    from canarysim.sim.world import simulate as _simulate

    return _simulate(scenario, until=until, mode=mode)


def sweep(scenario: Any, runs: int = 100, vary: Any = None, **options: Any) -> Any:
    """Run ``runs`` seeds of every variant of ``scenario``; returns a ``Sweep`` (one row per
    run, ``report()``, ``plot()``, ``to_pandas()``). See :func:`canarysim.evaluation.sweep.sweep`
    for the options (``seed``, ``executor``, ``jobs``, ``scheduler``, ``bad``, ``progress``)."""
    from canarysim.evaluation.sweep import sweep as _sweep

    return _sweep(scenario, runs, vary, **options)


def compare(scenarios: Any, runs: int = 100, **options: Any) -> Any:
    """Run several scenarios on the same seeds (common random numbers); returns a ``Sweep``
    with one variant per scenario. Options as :func:`sweep`."""
    from canarysim.evaluation.sweep import compare as _compare

    return _compare(scenarios, runs, **options)


def tune(scenario: Any, regression: Any, **options: Any) -> Any:
    """The fastest canary schedule of a search space that meets a risk budget; returns a
    ``Tuning`` (``steps_yaml()``, ``report()``, ``report_text()``, ``plot()``, ``save()``).
    See :func:`canarysim.tuning.tune.tune` for the budget, space and run options."""
    from canarysim.tuning.tune import tune as _tune

    return _tune(scenario, regression, **options)


def __getattr__(name: str) -> Any:
    # PEP 562: Result is imported on first use, so the engine never pays for NumPy.
    if name == "Result":
        from canarysim.result import Result

        return Result
    if name == "Simulation":
        from canarysim.sim.stepping import Simulation

        return Simulation
    raise AttributeError(f"module 'canarysim' has no attribute {name!r}")


__all__ = [
    "Result",
    "Simulation",
    "__version__",
    "compare",
    "load_scenario",
    "simulate",
    "sweep",
    "tune",
]
