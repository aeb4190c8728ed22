"""Shared by the tests of canarysim.testing: the invariant profiles, ``quick`` (default,
every CI run) and ``thorough`` (``CANARYSIM_INVARIANTS=thorough``, see tests/README.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import canarysim
from canarysim.testing import perturb

ROOT = Path(__file__).resolve().parents[2]

PROFILE = os.environ.get("CANARYSIM_INVARIANTS", "quick")
if PROFILE not in ("quick", "thorough"):
    raise pytest.UsageError(f"CANARYSIM_INVARIANTS: quick or thorough, got {PROFILE!r}")
#: Generated whole scenarios per base scenario and test.
EXAMPLES = {"quick": 12, "thorough": 300}[PROFILE]


def bundled(name: str, until: str = "15m") -> canarysim.declarations.Scenario:
    """A bundled scenario, shortened; the basic canary's low rate is cheaper request by request."""
    s = canarysim.load_scenario(ROOT / "scenarios" / name / "scenario.yaml")
    mode = "exact" if name == "basic-canary" else "aggregate"
    return perturb(s, until=until, traffic={"mode": mode})


#: Routing off (pod ratios), Istio host-level split, Istio subset-level split.
BASES = {name: bundled(name) for name in ("basic-canary", "imesh-canary", "subset-split")}
