"""The seed of every run of a sweep, from the sweep's seed and the run's index alone.

Run *i* gets ``SeedSequence(sweep_seed, spawn_key=(i,))``'s first 63-bit word: the child NumPy
would spawn for index *i*, so the seeds are independent streams, and a run's seed does not
depend on the variant, on how many runs the sweep has, on the executor or on the number of
workers. Every variant (and every scenario of ``compare``) therefore meets the same seeds:
common random numbers, so differences between variants are not noise of different draws.

>>> run_seeds(7, 3).tolist() == run_seeds(7, 5)[:3].tolist()
True
"""

from __future__ import annotations

import numpy as np

__all__ = ["run_seed", "run_seeds"]

_MASK = (1 << 63) - 1


def run_seed(sweep_seed: int, index: int) -> int:
    """The scenario seed of run ``index`` of a sweep seeded ``sweep_seed``."""
    seq = np.random.SeedSequence(int(sweep_seed), spawn_key=(int(index),))
    return int(seq.generate_state(1, dtype=np.uint64)[0]) & _MASK


def run_seeds(sweep_seed: int, runs: int, start: int = 0) -> np.ndarray:
    """Seeds of runs ``start .. start + runs - 1`` (int64)."""
    return np.array([run_seed(sweep_seed, i) for i in range(start, start + runs)], dtype=np.int64)
