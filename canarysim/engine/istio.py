"""Public front kept where README and docs/design.md promise it: Argo's Istio reconciler.

The code lives in :mod:`canarysim.engine.trafficrouting.istio` beside room for other routers.
"""

from canarysim.engine.trafficrouting.istio.reconcile import *  # noqa: F403
from canarysim.engine.trafficrouting.istio.reconcile import __all__ as __all__
