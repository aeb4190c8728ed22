"""``canarysim.sweep`` and ``canarysim.compare``: many seeded runs of variants, as columns.

>>> sw = canarysim.sweep("scenarios/analysis-abort/scenario.yaml", runs=200,
...     vary={'versions."example/checkout:1.1".errorRate': [0.001, 0.05]})   # doctest: +SKIP
>>> print(sw.report_text())                                                 # doctest: +SKIP

Run *i* of every variant uses the same seed (:mod:`.seeds`), so variants are compared on common
random numbers. A :class:`Sweep` holds one row per run as NumPy arrays (:data:`.outcome.COLUMNS`),
its variants' labels and changes, and renders the risk report (:mod:`.risk`), plots
(:mod:`.plots`) and output files (:mod:`.files`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from canarysim.errors import CanarysimError

__all__ = ["Sweep", "compare", "sweep"]


@dataclass
class Sweep:
    """The rows of a sweep (``columns``: name -> array, one entry per run) and its variants."""

    scenario_name: str
    seed: int
    runs: int
    labels: list[str]
    changes: list[dict[str, Any]]
    columns: dict[str, np.ndarray]
    slo: dict[str, float] | None = None

    def __len__(self) -> int:
        return len(self.columns["run"])

    def variant(self, i: int | str) -> dict[str, np.ndarray]:
        """The columns of one variant (by index or label)."""
        index = self.labels.index(i) if isinstance(i, str) else int(i)
        mask = self.columns["variant"] == index
        return {k: v[mask] for k, v in self.columns.items()}

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame`` of the rows with a ``label`` column (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise CanarysimError("Sweep.to_pandas needs pandas: pip install pandas") from None
        frame = pd.DataFrame(self.columns)
        frame.insert(1, "label", np.asarray(self.labels, dtype=object)[self.columns["variant"]])
        return frame

    def report(self, confidence: float = 0.95) -> dict[str, Any]:
        """The risk report as plain data (the ``report.json`` schema)."""
        from canarysim.evaluation.risk import risk_report

        return risk_report(self, confidence)

    def report_text(self, confidence: float = 0.95) -> str:
        from canarysim.evaluation.risk import render_report

        return render_report(self.report(confidence))

    def plot(self, confidence: float = 0.95) -> dict[str, Any]:
        """Matplotlib figures by name (see :mod:`canarysim.evaluation.plots`)."""
        from canarysim.evaluation.plots import sweep_figures

        return sweep_figures(self, self.report(confidence))

    def save(self, out_dir: str | Path, confidence: float = 0.95, plots: bool = True) -> list[Path]:
        """Write ``runs.csv``, ``report.json`` and the plots into ``out_dir`` (atomically)."""
        from canarysim.evaluation.files import write_sweep

        return write_sweep(self, Path(out_dir), confidence, plots=plots)


class _Progress:
    """``sweeping NAME [█████░░░░░] 120/300 runs`` on a terminal's stderr, drawn from the
    calling thread at each finished chunk (no thread of its own, so local workers can be
    forked safely), once a second has passed; erased at the end. Off a terminal: silent."""

    def __init__(self, total: int, label: str, active: bool | None) -> None:
        import sys
        import time

        self.stream = sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.active = bool(isatty and isatty()) if active is None else active
        self.total, self.label, self.done = total, label, 0
        self.clock = time.monotonic
        self.start = self.clock()
        self.drawn = False

    def step(self, n: int) -> None:
        self.done += n
        if not self.active or self.clock() - self.start < 1.0:
            return
        width = 30
        full = round(width * self.done / self.total)
        bar = "█" * full + "░" * (width - full)
        self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total} runs")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()


ProgressBar = _Progress
"""The sweep's progress bar, for other rooms that run chunks (``canarysim.tuning``)."""


def run_variants(
    name: str,
    variants: Sequence[Any],
    bad: Sequence[bool],
    *,
    runs: int,
    seed: int,
    executor: Any = None,
    jobs: int | None = None,
    scheduler: Any = None,
    progress: bool = True,
) -> Sweep:
    """Run ``runs`` seeds of each variant (``.scenario``/``.label``/``.changes``) into a Sweep."""
    from canarysim.evaluation.executors import chunks, make_executor
    from canarysim.evaluation.outcome import COLUMNS
    from canarysim.evaluation.seeds import run_seeds

    if runs < 1:
        raise CanarysimError(f"--runs must be at least 1, got {runs}")
    if not 0 <= int(seed) < 2**63:
        raise CanarysimError(f"the sweep seed must be 0 .. 2**63-1, got {seed}")
    runner = make_executor(executor, jobs=jobs, scheduler=scheduler)
    seeds = run_seeds(seed, runs)
    payload = [(v.scenario, b, v.scenario.slo) for v, b in zip(variants, bad, strict=True)]
    per_chunk = max(1, min(25, math.ceil(runs * len(variants) / (4 * runner.workers))))
    todo = chunks(len(variants), seeds.tolist(), per_chunk)
    bar = _Progress(runs * len(variants), f"sweeping {name}", None if progress else False)
    try:
        rows = runner.run(payload, todo, bar.step)
    finally:
        bar.close()
    rows.sort(key=lambda r: (r[0], r[1]))
    columns = {
        col: np.array([r[i] for r in rows], dtype=dtype)
        for i, (col, dtype, _) in enumerate(COLUMNS)
    }
    slo = variants[0].scenario.slo
    return Sweep(
        scenario_name=name,
        seed=int(seed),
        runs=runs,
        labels=[v.label for v in variants],
        changes=[{p: val for p, val in v.changes} for v in variants],
        columns=columns,
        slo=None if slo is None else {"errorRate": slo.error_rate, "window": slo.window},
    )


def _load(scenario: Any) -> Any:
    # the checked loader behind canarysim.load_scenario (the package front imports this room)
    from canarysim.declarations.check import load_scenario

    return scenario if hasattr(scenario, "with_changes") else load_scenario(scenario)


def _bad_flags(variants: Sequence[Any], bad: bool | Sequence[bool] | None) -> list[bool]:
    from canarysim.evaluation.outcome import canary_is_bad

    if bad is None:
        return [canary_is_bad(v.scenario) for v in variants]
    if isinstance(bad, bool):
        return [bad] * len(variants)
    flags = [bool(b) for b in bad]
    if len(flags) != len(variants):
        raise CanarysimError(f"bad= gives {len(flags)} flags for {len(variants)} variants")
    return flags


def sweep(
    scenario: Any,
    runs: int = 100,
    vary: Mapping[str, Any] | Sequence[Any] | None = None,
    *,
    seed: int | None = None,
    executor: Any = None,
    jobs: int | None = None,
    scheduler: Any = None,
    bad: bool | Sequence[bool] | None = None,
    progress: bool = True,
) -> Sweep:
    """Simulate ``runs`` seeds of every variant of ``scenario`` (a path or a Scenario).

    ``vary`` maps a PATH (:mod:`.variants`) to its values; ``seed`` defaults to the scenario's;
    ``executor`` is ``"local"`` (processes, ``jobs`` of them; default every core), ``"serial"``,
    ``"dask"`` (with ``scheduler="tcp://host:8786"``) or a ``dask.distributed.Client``; ``bad``
    says whether the canary carries a regression (default: read from the scenario per variant).
    The rows are identical whatever the executor and the number of workers. ``progress``:
    a progress bar on stderr when it is a terminal (``False``: never).
    """
    from canarysim.evaluation.variants import expand

    loaded = _load(scenario)
    variants = expand(loaded, vary)
    return run_variants(
        loaded.name or "scenario",
        variants,
        _bad_flags(variants, bad),
        runs=runs,
        seed=loaded.seed if seed is None else seed,
        executor=executor,
        jobs=jobs,
        scheduler=scheduler,
        progress=progress,
    )


@dataclass(frozen=True)
class _Named:
    label: str
    changes: tuple
    scenario: Any


def compare(
    scenarios: Sequence[Any],
    runs: int = 100,
    *,
    seed: int | None = None,
    executor: Any = None,
    jobs: int | None = None,
    scheduler: Any = None,
    bad: bool | Sequence[bool] | None = None,
    progress: bool = True,
) -> Sweep:
    """Run several scenarios (strategies) on the same seeds; one variant per scenario, labelled
    by its name (or its file when names repeat). ``seed`` defaults to the first scenario's."""
    if len(scenarios) < 2:
        raise CanarysimError("compare needs at least two scenarios")
    loaded = [_load(s) for s in scenarios]
    names = [s.name or f"scenario {i + 1}" for i, s in enumerate(loaded)]
    if len(set(names)) < len(names):
        names = [
            str(s) if isinstance(s, str | Path) else n
            for s, n in zip(scenarios, names, strict=True)
        ]
    if len(set(names)) < len(names):
        names = [f"{n} #{i + 1}" for i, n in enumerate(names)]
    variants = [_Named(n, (), s) for n, s in zip(names, loaded, strict=True)]
    return run_variants(
        " vs ".join(names),
        variants,
        _bad_flags(variants, bad),
        runs=runs,
        seed=loaded[0].seed if seed is None else seed,
        executor=executor,
        jobs=jobs,
        scheduler=scheduler,
        progress=progress,
    )
