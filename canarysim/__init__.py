"""canarysim: Argo Rollouts canaries on an Istio mesh, in simulated time."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
