"""One-entry memos: what was worked out for the last key, compared by identity.

The engine and the world keep a few facts of the last plan, steps tuple, template or
scenario they were asked about (the same object comes back reconcile after reconcile, or
run after run). :class:`LastEntry` is that one entry, read in one step: simulations running
in threads of one process (threaded Dask workers) may replace it at any time, and a reader
must never pair one key with another key's value. The key is held, so its identity stays
its own while the entry stands.
"""

from __future__ import annotations

from typing import Generic, TypeVar

__all__ = ["LastEntry"]

K = TypeVar("K")
V = TypeVar("V")


class LastEntry(Generic[K, V]):
    """The value remembered for the last key (by identity); ``get`` is None on a miss."""

    __slots__ = ("entry",)

    def __init__(self) -> None:
        self.entry: tuple[K, V] | None = None

    def get(self, key: K) -> V | None:
        entry = self.entry  # read once: another thread may replace it
        if entry is not None and entry[0] is key:
            return entry[1]
        return None

    def put(self, key: K, value: V) -> V:
        self.entry = (key, value)
        return value
