"""What ``valueFrom`` in an analysis's args can refer to, in a module of its own: the world
builds one for every AnalysisRun it starts, and importing it must not load the analysis
machinery (the expression language, Argo's run-spec rules), which a run without analysis
never needs (:mod:`.runs` loads it with the first run)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ArgContext"]


@dataclass(frozen=True)
class ArgContext:
    """What ``valueFrom`` in a rollout's analysis args can refer to."""

    stable_hash: str
    latest_hash: str
    rollout: Mapping[str, Any] = field(default_factory=dict)
    secrets: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """The namespace's Secrets: name -> key -> value (``valueFrom.secretKeyRef``)."""
