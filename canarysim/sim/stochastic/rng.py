"""Named random streams, all derived from one seed.

Every random draw in the simulated world comes from a stream named after its consumer
(``traffic``, ``latency``, ``errors``, ``pods``, ``router``, ``faults``, ``analysis``, ...). Each
stream is a child of a single :class:`numpy.random.SeedSequence` whose spawn key is derived from
the *name* (a SHA-256 digest), not from the order in which streams are requested. So adding a new
consumer, or asking for streams in a different order, shifts no other stream: a scenario that
gains a fault injector keeps exactly the same traffic draws.

>>> a, b = Streams(7), Streams(7)
>>> _ = b["faults"].random()          # another consumer draws first ...
>>> a["traffic"].random() == b["traffic"].random()   # ... and traffic does not notice
True
>>> Streams(7)["pods"].random() != Streams(8)["pods"].random()
True
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any, cast

import numpy as np

__all__ = ["Streams", "choose", "name_key"]

_POOL_SIZE = np.random.SeedSequence(0).pool_size
"""A SeedSequence's default pool size (``DEFAULT_POOL_SIZE``, 4 words)."""


@functools.lru_cache(maxsize=4096)
def name_key(name: str) -> tuple[int, ...]:
    """The spawn key of stream *name*: four 32-bit words of SHA-256(name).

    SHA-256 of the UTF-8 bytes is the same on every platform and Python version (unlike
    ``hash(str)``, which is salted per process).
    """
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


class Streams:
    """Hands out one :class:`numpy.random.Generator` per name, derived from *seed*.

    ``streams[name]`` always returns the same Generator object for a name, so successive
    draws continue that stream. :meth:`fresh` returns a new Generator at the start of the
    stream, and :meth:`child` a whole :class:`Streams` family nested under a name (for example
    one family per AnalysisRun).
    """

    def __init__(self, seed: int | np.random.SeedSequence) -> None:
        # A stream's SeedSequence reads only the root's entropy, spawn key and pool size:
        # those are kept, and the root itself (whose pool nothing reads) is never mixed.
        if isinstance(seed, np.random.SeedSequence):
            self._entropy: Any = seed.entropy
            self._spawn_key: tuple[int, ...] = tuple(seed.spawn_key)
            self._pool_size: int = seed.pool_size
        else:
            if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
                raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
            # as np.random.SeedSequence(int(seed)) holds it
            self._entropy, self._spawn_key, self._pool_size = int(seed), (), _POOL_SIZE
        self._generators: dict[str, np.random.Generator] = {}

    @property
    def seed(self) -> int | None:
        """The root entropy when it is a plain integer (the scenario's seed)."""
        entropy = self._entropy
        return int(entropy) if isinstance(entropy, int) else None

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        """The SeedSequence behind stream *name* (the root's, extended by :func:`name_key`)."""
        return np.random.SeedSequence(
            entropy=self._entropy,
            spawn_key=(*self._spawn_key, *name_key(name)),
            pool_size=self._pool_size,
        )

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._generators.get(name)
        if gen is None:
            gen = self.fresh(name)
            self._generators[name] = gen
        return gen

    def lazy(self, name: str) -> np.random.Generator:
        """``self[name]`` for a consumer that may never draw: the Generator (whose seeding
        costs as much as a short run's worth of draws) is made at the first use of one of
        its methods, and it is ``self[name]`` then, so the draws are the same."""
        gen = self._generators.get(name)
        if gen is not None:
            return gen
        return cast(np.random.Generator, _LazyStream(self, name))

    def fresh(self, name: str) -> np.random.Generator:
        """A new Generator positioned at the start of stream *name* (not cached)."""
        return np.random.Generator(np.random.PCG64(self.seed_sequence(name)))

    def child(self, name: str) -> Streams:
        """A family of streams nested under *name*, independent of ``self[name]``'s draws."""
        return Streams(self.seed_sequence(f"{name}/"))

    def names(self) -> list[str]:
        """Names of the streams handed out so far, sorted (for debugging and reports)."""
        return sorted(self._generators)


class _LazyStream:
    """Stands for ``streams[name]`` until something of it is used (see :meth:`Streams.lazy`)."""

    __slots__ = ("_name", "_streams")

    def __init__(self, streams: Streams, name: str) -> None:
        self._streams = streams
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._streams[self._name], attr)


def choose(rng: np.random.Generator, p: np.ndarray, size: int) -> np.ndarray:
    """``rng.choice(len(p), size=size, p=p)``: the same draws and the same indices, faster.

    NumPy's ``Generator.choice`` draws ``rng.random(size)`` and returns, for each draw ``u``,
    how many of the normalised cumulative probabilities are at or below it (a binary
    search per draw, ``searchsorted(side="right")``). With few categories one vectorised
    comparison per category gives the same integers (the last cumulative value is 1, above
    every draw). Probabilities NumPy would refuse, or many categories, go to ``choice``."""
    p = np.asarray(p, dtype=float)
    k = len(p)
    if not 0 < k <= 8 or p.ndim != 1 or not (bool(np.all(p >= 0)) and abs(p.sum() - 1) < 1e-9):
        out: np.ndarray = rng.choice(k, size=size, p=p)
        return out
    cdf = p.cumsum()
    cdf /= cdf[-1]
    u = rng.random(size)
    index = np.zeros(size, dtype=np.int64)
    for c in cdf[:-1].tolist():
        index += u >= c
    return index
