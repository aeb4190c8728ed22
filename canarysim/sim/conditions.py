"""Operator actions on conditions (``when:``), played as a script watching the rollout would.

Every :data:`CHECK_INTERVAL` seconds of simulated time the watcher reads the rollout's latest
snapshot (phase, ``currentStepIndex``, the latest AnalysisRun) and, for ``canaryErrorRate``,
every :data:`RATE_INTERVAL` seconds the requests the canary was sent in the trailing window
(failed share, at least one request). When every key of a ``when`` holds, and has held at each
check for ``for`` (since the first check it held), the action fires: its command is typed
``after`` later (a ``restart``'s ``after`` is its ``--in``). It then fires again only with
``repeat: true`` and only once the condition has stopped holding and holds again.

Nothing here runs for a scenario without conditional actions, so those runs are unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

if TYPE_CHECKING:
    from canarysim.sim.wiring import Wiring

__all__ = ["CHECK_INTERVAL", "RATE_INTERVAL", "Conditions"]

CHECK_INTERVAL = 1.0
"""Seconds between two looks at the rollout (``kubectl argo rollouts get --watch``)."""
RATE_INTERVAL = 10.0
"""Seconds between two looks at the canary's error rate (a scrape-like cadence)."""


@dataclass
class _Armed:
    action: Any
    since: float | None = None
    done: bool = False
    waiting_for_false: bool = False


class Conditions:
    """Watches the rollout for the scenario's conditional operator actions."""

    def __init__(self, world: Wiring, issue: Callable[[Any], None], actions: Sequence[Any]) -> None:
        """``issue`` types an action's command now (``Operator.issue``)."""
        self.world = world
        self.issue = issue
        self.env: simpy.Environment = world.env
        self.armed = [_Armed(a) for a in actions]
        self._rate: dict[float, float | None] = {}
        self.env.process(self._watch())

    def _watch(self) -> Generator[simpy.Event, Any, None]:
        while any(not a.done for a in self.armed):
            self._check()
            yield self.env.timeout(CHECK_INTERVAL)

    # ------------------------------------------------------------------ one look
    def _check(self) -> None:
        now = self.env.now
        self._rate = {}
        snapshots = self.world.recorder.snapshots
        snap = snapshots[-1] if snapshots else None
        for armed in self.armed:
            if armed.done:
                continue
            when = armed.action.when
            holds = snap is not None and self._holds(when, snap, now)
            if holds is None:  # not looked at this time (error rate between scrapes)
                continue
            if not holds:
                armed.since = None
                armed.waiting_for_false = False
                continue
            if armed.waiting_for_false:
                continue
            if armed.since is None:
                armed.since = now
            if now - armed.since + 1e-9 < float(when.for_ or 0.0):
                continue
            self._fire(armed.action)
            armed.since = None
            if armed.action.repeat:
                armed.waiting_for_false = True
            else:
                armed.done = True

    def _holds(self, when: Any, snap: Any, now: float) -> bool | None:
        if when.phase is not None and snap.phase != when.phase:
            return False
        if when.step_index is not None and snap.step_index != when.step_index:
            return False
        if when.analysis_run is not None:
            runs = [r for r in snap.analysis_runs if r.revision == snap.revision] or list(
                snap.analysis_runs
            )
            if not runs or runs[-1].phase != when.analysis_run:
                return False
        rate = when.canary_error_rate
        if rate is not None:
            if not math.isclose(now / RATE_INTERVAL, round(now / RATE_INTERVAL), abs_tol=1e-9):
                return None
            observed = self._canary_error_rate(float(rate.over))
            if observed is None or observed <= rate.above:
                return False
        return True

    def _canary_error_rate(self, window: float) -> float | None:
        """Failed share of the requests sent to the canary in ``[now - window, now)``."""
        if window in self._rate:
            return self._rate[window]
        now = self.env.now
        self.world.flow.flush(now)
        traffic = self.world.recorder.traffic
        requests = errors = 0
        for starts, req, err in zip(
            reversed(traffic.starts),
            reversed(traffic.requests.get("canary", [])),
            reversed(traffic.errors.get("canary", [])),
            strict=False,
        ):
            keep = np.asarray(starts) >= now - window - 1e-9
            requests += int(np.asarray(req)[keep].sum())
            errors += int(np.asarray(err)[keep].sum())
            if len(starts) and float(starts[0]) < now - window:
                break
        value = errors / requests if requests else None
        self._rate[window] = value
        return value

    # ------------------------------------------------------------------ firing
    def _fire(self, action: Any) -> None:
        delay = 0.0 if action.do == "restart" else float(action.after or 0.0)
        if delay <= 0:
            self.issue(action)
        else:
            self.env.process(self._later(action, delay))

    def _later(self, action: Any, delay: float) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(delay)
        self.issue(action)
