"""Reading many objects at once, without Python's cyclic garbage collector in the way.

Parsing a large manifest file builds hundreds of thousands of YAML nodes, dicts and pydantic
models in one go, all of them kept. None of that is cyclic garbage, yet every few hundred
allocations the collector runs, and each of its older-generation passes walks every object
still alive: on a 10,000-object file (``helm template`` of a large chart) it took more than
half of ``canarysim validate``'s time. Loading and validating therefore run with the collector
paused (:func:`collector_paused`); the input's size is bounded (``yamlio.MAX_BYTES``), so the
memory is too, and the collector resumes, as it was, when the outermost caller returns.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

__all__ = ["collector_paused", "without_collector"]

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (nesting is fine)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def without_collector(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of :func:`collector_paused`."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with collector_paused():
            return fn(*args, **kwargs)

    return wrapper
