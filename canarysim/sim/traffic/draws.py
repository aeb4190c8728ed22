"""Poisson and multinomial draws of a few time buckets, one scalar call per bucket.

A :class:`numpy.random.Generator` called with an array validates it with a few array
operations of its own (``np.all``, ``np.any``: some 6 us however small the array); called with
a number it checks it in C. Most traffic intervals are a handful of buckets (every routing
change closes one), so their draws are made one value at a time: the same C sampler, called
with the same values in the same (C) order, so the very same numbers are drawn and the stream
moves exactly as with the array call.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["multinomial", "poisson"]

FEW_POISSON = 14
"""At most this many values: one call each (0.4 us a value against 6 to 7 us a call)."""
FEW_MULTINOMIAL = 2
"""At most this many rows: one call each (a row validates the probabilities again, so
more rows than this are cheaper in one call)."""


def poisson(rng: Any, lam: np.ndarray) -> np.ndarray:
    """``rng.poisson(lam)`` (int64, ``lam``'s shape): the same draws, in the same order."""
    if 0 < lam.size <= FEW_POISSON:
        draw = rng.poisson
        values = [draw(x) for x in lam.ravel().tolist()]
        return np.array(values, dtype=np.int64).reshape(lam.shape)
    out: np.ndarray = rng.poisson(lam)
    return out


def multinomial(rng: Any, counts: np.ndarray, pvals: np.ndarray) -> np.ndarray:
    """``rng.multinomial(counts, pvals)`` of a 1-D int64 ``counts`` (``(len(counts),
    len(pvals))`` int64): the same draws, in the same order (row after row)."""
    if 0 < len(counts) <= FEW_MULTINOMIAL and counts.dtype == np.int64 and counts.ndim == 1:
        draw = rng.multinomial
        return np.array([draw(n, pvals) for n in counts.tolist()], dtype=np.int64)
    out: np.ndarray = rng.multinomial(counts, pvals)
    return out
