"""Fixtures of the spec tests."""

from __future__ import annotations

from typing import Any

import pytest
from spec_helpers import rollout_dict


@pytest.fixture
def base() -> dict[str, Any]:
    """A valid Istio host-level canary Rollout as a dict, fresh for each test."""
    return rollout_dict()
