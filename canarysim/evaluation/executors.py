"""Where a sweep's runs execute: in this process, on local processes, or on a Dask cluster.

Every executor runs the same *chunks* (a variant and some ``(run, seed)`` pairs) with the same
function, :func:`run_chunk`, and the sweep sorts the rows by (variant, run) afterwards, so the
result does not depend on the executor, on the number of workers or on the order in which
chunks finish. Seeds come from :mod:`.seeds`, never from a worker.

* :class:`SerialExecutor`: this process (``jobs=1``; what tests and notebooks use for tiny sweeps);
* :class:`LocalExecutor`: ``concurrent.futures.ProcessPoolExecutor`` with ``jobs`` processes
  (default: every core); each worker receives the variants once, at start-up;
* :class:`DaskExecutor`: a ``dask.distributed`` cluster (``pip install canarysim[dask]``), given
  a scheduler address (``tcp://host:8786``) or a ``Client``; the variants are scattered once.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from canarysim.errors import CanarysimError

__all__ = [
    "DaskExecutor",
    "Executor",
    "LocalExecutor",
    "SerialExecutor",
    "make_executor",
    "run_chunk",
]

Payload = Sequence[tuple[Any, bool, Any]]
"""Per variant: (scenario, canary is bad, SLO or None)."""
Chunk = tuple[int, tuple[tuple[int, int], ...]]
"""(variant index, ((run, seed), ...))."""
Progress = Callable[[int], None]


def run_chunk(payload: Payload, chunk: Chunk) -> list[tuple]:
    """Simulate one chunk; rows in :data:`~canarysim.evaluation.outcome.COLUMNS` order."""
    from canarysim.evaluation.outcome import row_of
    from canarysim.sim.world import simulate

    variant, runs = chunk
    scenario, bad, slo = payload[variant]
    rows = []
    for run, seed in runs:
        result = simulate(scenario.model_copy(update={"seed": int(seed)}))
        rows.append(row_of(result, variant=variant, run=run, bad=bad, slo=slo))
    return rows


def chunks(n_variants: int, seeds: Sequence[int], size: int) -> list[Chunk]:
    """The runs of every variant cut into chunks of at most ``size`` runs."""
    out: list[Chunk] = []
    pairs = tuple((i, int(s)) for i, s in enumerate(seeds))
    for v in range(n_variants):
        for start in range(0, len(pairs), size):
            out.append((v, pairs[start : start + size]))
    return out


class Executor:
    """Runs chunks and returns all their rows (in any order)."""

    workers = 1

    def run(self, payload: Payload, todo: Iterable[Chunk], progress: Progress) -> list[tuple]:
        raise NotImplementedError


class SerialExecutor(Executor):
    """Everything in this process."""

    def run(self, payload: Payload, todo: Iterable[Chunk], progress: Progress) -> list[tuple]:
        rows: list[tuple] = []
        for chunk in todo:
            rows += run_chunk(payload, chunk)
            progress(len(chunk[1]))
        return rows


_WORKER_PAYLOAD: Payload = ()


def _init_worker(payload: Payload) -> None:
    global _WORKER_PAYLOAD
    _WORKER_PAYLOAD = payload


def _worker_chunk(chunk: Chunk) -> list[tuple]:
    return run_chunk(_WORKER_PAYLOAD, chunk)


class LocalExecutor(Executor):
    """``jobs`` local processes (default: ``os.cpu_count()``)."""

    def __init__(self, jobs: int | None = None) -> None:
        if jobs is not None and jobs < 1:
            raise CanarysimError(f"--jobs must be at least 1, got {jobs}")
        self.workers = jobs or os.cpu_count() or 1

    def run(self, payload: Payload, todo: Iterable[Chunk], progress: Progress) -> list[tuple]:
        todo = list(todo)
        if self.workers == 1 or len(todo) == 1:
            return SerialExecutor().run(payload, todo, progress)
        # fork where the platform has it: workers start at once with canarysim already
        # imported, and a script calling sweep() at top level needs no __main__ guard. The
        # sweep draws its progress from this thread only, so no thread of ours is forked.
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        rows: list[tuple] = []
        with ProcessPoolExecutor(
            max_workers=min(self.workers, len(todo)),
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(payload,),
        ) as pool:
            futures = {pool.submit(_worker_chunk, chunk): len(chunk[1]) for chunk in todo}
            for future in as_completed(futures):
                rows += future.result()
                progress(futures[future])
        return rows


def _dask_chunk(payload: Payload, chunk: Chunk) -> list[tuple]:
    return run_chunk(payload, chunk)


class DaskExecutor(Executor):
    """A ``dask.distributed`` cluster: ``DaskExecutor("tcp://host:8786")`` or a ``Client``."""

    def __init__(self, scheduler: Any) -> None:
        try:
            from dask.distributed import Client
        except ImportError:
            raise CanarysimError(
                "the dask executor needs dask.distributed: pip install 'canarysim[dask]'"
            ) from None
        if isinstance(scheduler, Client):
            self.client, self._own = scheduler, False
        elif isinstance(scheduler, str) and scheduler:
            try:
                self.client, self._own = Client(scheduler, timeout="10s"), True
            except (OSError, TimeoutError) as exc:
                raise CanarysimError(
                    f"--scheduler {scheduler}: cannot reach a Dask scheduler ({exc})"
                ) from None
        else:
            raise CanarysimError("the dask executor needs --scheduler tcp://HOST:PORT")
        self.workers = max(1, sum(self.client.nthreads().values()))

    def run(self, payload: Payload, todo: Iterable[Chunk], progress: Progress) -> list[tuple]:
        from dask.distributed import as_completed as dask_completed

        try:
            # hash=False: a fresh key per batch. Keys named by the content would be shared by the
            # batches of one client that scatter the same scenario (a tuning's rungs); releasing
            # the last batch's futures then drops the data this batch depends on ("lost
            # dependencies") or leaves the workers fetching it from each other for ever.
            shared = self.client.scatter(list(payload), broadcast=True, hash=False)
            futures = {
                self.client.submit(_dask_chunk, shared, chunk, pure=False): len(chunk[1])
                for chunk in todo
            }
            rows: list[tuple] = []
            for future in dask_completed(list(futures)):
                rows += future.result()
                progress(futures[future])
            return rows
        finally:
            if self._own:
                self.client.close()


def make_executor(
    executor: Any = None, *, jobs: int | None = None, scheduler: Any = None
) -> Executor:
    """An executor from the ``sweep`` arguments: an :class:`Executor`, ``"local"`` (default),
    ``"serial"``, ``"dask"`` (with ``scheduler``) or a ``dask.distributed.Client``."""
    if isinstance(executor, Executor):
        return executor
    if executor is None or executor == "local":
        return LocalExecutor(jobs)
    if executor == "serial":
        return SerialExecutor()
    if executor == "dask":
        return DaskExecutor(scheduler)
    if type(executor).__name__ == "Client":
        return DaskExecutor(executor)
    raise CanarysimError(f"unknown executor {executor!r}: expected local, serial or dask")
