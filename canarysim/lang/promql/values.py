"""PromQL subset: the values an expression evaluates to (scalar, instant and range vectors).

Labels are plain ``dict[str, str]`` including ``__name__`` until a function or an arithmetic
operator drops it, as Prometheus does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["Labels", "Scalar", "Vector"]

Labels = dict[str, str]


@dataclass(frozen=True)
class Scalar:
    value: float


@dataclass
class Vector:
    """An instant vector: ``samples`` is a list of ``(labels, value)``."""

    samples: list[tuple[Labels, float]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[tuple[Labels, float]]:
        return iter(self.samples)

    def values(self) -> list[float]:
        return [v for _, v in self.samples]


@dataclass
class _Matrix:
    """A range vector: ``(labels, times, values)`` per series, times ascending in the window.

    ``times`` and ``values`` are any sequences of floats (slices of what the store yields).
    """

    series: list[tuple[Labels, Sequence[float], Sequence[float]]]


def _drop_name(labels: Mapping[str, str]) -> Labels:
    return {k: v for k, v in labels.items() if k != "__name__"}


def _fmt(labels: Mapping[str, str]) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"
