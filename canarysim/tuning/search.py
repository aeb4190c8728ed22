"""Spending runs: successive halving over the candidates, on common random numbers.

Rungs of ``n_0 < n_1 < ... < N`` runs (``N``: runs per candidate; each rung ``eta`` times the
last, the first at least ``min_runs``). Every candidate still in the race is run on seeds
``0 .. n_r - 1`` of the tuning's seed (only the seeds it has not met yet: a candidate's rows
accumulate, so moving up a rung costs ``n_r - n_{r-1}`` runs), against the good and the
regressed canary. After each rung the candidates whose *optimistic* interval ends already miss
the budget are dropped, and of the rest the ``1/eta`` most promising go on: those whose point
estimates meet the budget first, then by median time to promotion (ties: the search order).
At ``N`` runs, the fastest candidate whose *conservative* ends meet the budget is recommended.
When no finalist passes, the candidates the ``1/eta`` cap cut (never those already ruled out)
are run to ``N`` too, fastest first, a batch at a time, until one passes or none is left.

``method="exhaustive"`` runs every candidate to ``N`` (the reference the tests compare with).
Run *i* of every candidate has the same seed whatever the rung, the executor or the number of
workers (:mod:`canarysim.evaluation.seeds`), and rows are sorted before they are read, so a
tuning is deterministic for its seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from canarysim.tuning.budget import Budget, Figures, figures_of

__all__ = ["Entry", "Runner", "rungs", "search"]


def rungs(runs: int, eta: int, min_runs: int, candidates: int, method: str) -> list[int]:
    """The run counts of the rungs, smallest first (one rung for the exhaustive method)."""
    if method == "exhaustive" or candidates <= 1:
        return [runs]
    out = [runs]
    # enough rungs to halve the field down to a handful, none smaller than min_runs
    while len(out) < 1 + math.ceil(math.log(max(candidates, 2), eta)):
        nxt = math.ceil(out[-1] / eta)
        if nxt < min_runs or nxt >= out[-1]:
            break
        out.append(nxt)
    return out[::-1]


@dataclass
class Entry:
    """A candidate (or the current schedule, or a verification) and the rows it has met."""

    key: Any
    good: Any
    bad: Any
    rows: dict[bool, list[tuple]] = field(default_factory=lambda: {False: [], True: []})
    figures: Figures | None = None
    rung: int = -1

    @property
    def runs(self) -> int:
        return len(self.rows[False])

    def judge(self, confidence: float) -> Figures:
        from canarysim.evaluation.outcome import COLUMNS

        cols = []
        for flag in (False, True):
            rows = sorted(self.rows[flag], key=lambda r: r[1])
            cols.append(
                {
                    name: np.array([r[i] for r in rows], dtype=dtype)
                    for i, (name, dtype, _) in enumerate(COLUMNS)
                }
            )
        self.figures = figures_of(cols[0], cols[1], confidence)
        return self.figures


class Runner:
    """Runs entries up to a number of seeds through one sweep executor; counts the runs."""

    def __init__(
        self, executor: Any, jobs: int | None, scheduler: Any, label: str, progress: bool
    ) -> None:
        from canarysim.evaluation.executors import make_executor

        self.executor = make_executor(executor, jobs=jobs, scheduler=scheduler)
        # a Dask executor that opened its own client closes it after each batch; a tuning runs
        # several batches, so the client stays open until close()
        self.own_client = bool(getattr(self.executor, "_own", False))
        if self.own_client:
            setattr(self.executor, "_own", False)  # noqa: B010
        self.label = label
        self.progress = progress
        self.simulated = 0

    def close(self) -> None:
        if self.own_client:
            getattr(self.executor, "client").close()  # noqa: B009
            self.own_client = False

    def run(self, entries: Sequence[Entry], upto: int, seed: int) -> None:
        """Bring every entry to ``upto`` runs on the seeds of ``seed`` (run i: the i-th seed)."""
        from canarysim.evaluation.seeds import run_seeds
        from canarysim.evaluation.sweep import ProgressBar

        payload: list[tuple[Any, bool, Any]] = []
        todo: list[tuple[int, tuple[tuple[int, int], ...]]] = []
        owners: list[tuple[Entry, bool]] = []
        fresh = 0
        for entry in entries:
            start = entry.runs
            if start >= upto:
                continue
            pairs = tuple(
                (start + i, int(s)) for i, s in enumerate(run_seeds(seed, upto - start, start))
            )
            for flag, scenario in ((False, entry.good), (True, entry.bad)):
                v = len(payload)
                payload.append((scenario, flag, scenario.slo))
                owners.append((entry, flag))
                todo.append((v, pairs))
                fresh += len(pairs)
        if not todo:
            return
        size = max(1, min(25, math.ceil(fresh / (4 * self.executor.workers))))
        chunks = [(v, pairs[i : i + size]) for v, pairs in todo for i in range(0, len(pairs), size)]
        bar = ProgressBar(fresh, self.label, None if self.progress else False)
        try:
            rows = self.executor.run(payload, chunks, bar.step)
        finally:
            bar.close()
        rows.sort(key=lambda r: (r[0], r[1]))
        for row in rows:
            entry, flag = owners[row[0]]
            entry.rows[flag].append(row)
        self.simulated += fresh


def _figures(entry: Entry) -> Figures:
    assert entry.figures is not None
    return entry.figures


def _rank(entry: Entry, budget: Budget) -> tuple[bool, float, int]:
    f = entry.figures
    assert f is not None
    return (not f.point_feasible(budget), f.time_to_promotion.value, entry.key.index)


def search(
    entries: list[Entry],
    budget: Budget,
    runner: Runner,
    *,
    runs: int,
    seed: int,
    eta: int = 3,
    min_runs: int = 10,
    method: str = "halving",
    extra: Sequence[Entry] = (),
    on_rung: Callable[[int, int, int], None] | None = None,
) -> tuple[list[int], list[tuple[int, int, int]]]:
    """Race ``entries``; ``extra`` entries (the current schedule) join the last rung. Returns
    the rung sizes and, per rung, (runs, candidates run, candidates kept)."""
    sizes = rungs(runs, eta, min_runs, len(entries), method)
    alive = list(entries)
    waiting: list[Entry] = []
    history: list[tuple[int, int, int]] = []
    for r, n in enumerate(sizes):
        last = r == len(sizes) - 1
        runner.run([*alive, *extra] if last else alive, n, seed)
        for entry in alive:
            entry.judge(budget.confidence)
            entry.rung = r
        if last:
            history.append((n, len(alive), len(alive)))
            break
        plausible = [e for e in alive if e.figures is not None and e.figures.plausible(budget)]
        plausible.sort(key=lambda e: _rank(e, budget))
        keep = min(len(plausible), max(2, math.ceil(len(alive) / eta)))
        history.append((n, len(alive), keep))
        if on_rung is not None:
            on_rung(n, len(alive), keep)
        alive, cut = plausible[:keep], plausible[keep:]
        waiting += cut
        if not alive:
            break
    # Fallback: when no finalist passes, the candidates the cap cut (still plausible when
    # they were cut) go to N runs too, fastest first, a batch at a time, until one passes.
    batch = max(2, len(alive))
    waiting.sort(key=lambda e: (_figures(e).time_to_promotion.value, e.key.index))
    while waiting and not any(_figures(e).passes(budget) for e in entries if e.runs == runs):
        more, waiting = waiting[:batch], waiting[batch:]
        runner.run(more, runs, seed)
        for entry in more:
            entry.judge(budget.confidence)
            entry.rung = len(sizes) - 1
        history.append((runs, len(more), len(more)))
    missing = [e for e in extra if e.runs < runs]
    if missing:
        runner.run(missing, runs, seed)
    for entry in extra:
        entry.judge(budget.confidence)
    return sizes, history
