"""How the cluster tells the rest of the world that something changed.

Controllers in Kubernetes do not poll: informers wake them when an object they watch changes.
:class:`ChangeFeed` gives SimPy processes the same shape. Its :attr:`~ChangeFeed.changed`
event fires on changes an informer would deliver to Argo Rollouts (ReplicaSets, Services,
Nodes), :attr:`~ChangeFeed.pods_changed` on every change; each is replaced by a fresh event
once it fires, so a process waits with ``yield env.timeout(t) | feed.changed`` and always
gets the next change. Everything is also kept in order in :attr:`~ChangeFeed.log`, and
Kubernetes-style events (``kubectl get events``) in :attr:`~ChangeFeed.events`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import simpy

from canarysim.engine.model.fastinit import fast_frozen_init

__all__ = ["Change", "ChangeFeed"]


@fast_frozen_init  # one per change of anything: filled through its __dict__
@dataclass(frozen=True)
class Change:
    """At *time*, *object* (``Pod/x``, ``ReplicaSet/y``, ``Service/z``, ``Node/n``) changed
    *what* to *value*."""

    time: float
    object: str
    what: str
    value: Any


class ChangeFeed:
    """The change log, the two wake-up events and the Kubernetes event list."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self._log: list[tuple[float, str, str, Any]] = []
        """Every change, as a plain tuple: the cycle collector stops tracking a tuple of plain
        values (never an instance), and a run with thousands of pods logs a hundred thousand
        changes that each of its collections would otherwise traverse."""
        self.events: list[dict[str, Any]] = []
        self._listeners: list[Callable[[Change], None]] = []
        self._changed = env.event()
        self._pods_changed = env.event()
        #: Objects no informer of Argo's enqueues the Rollout for (a Deployment's ReplicaSets:
        #: not owned by it): their changes are logged but never fire :attr:`changed`.
        self.unwatched: set[str] = set()

    @property
    def changed(self) -> simpy.Event:
        """Fires at the next informer-visible change, with that :class:`Change` as value."""
        return self._changed

    @property
    def pods_changed(self) -> simpy.Event:
        """Fires at the next change of any kind, pod stages included."""
        return self._pods_changed

    @property
    def log(self) -> list[Change]:
        """Every change so far, in order (a new list on each read)."""
        return [Change(*entry) for entry in self._log]

    @property
    def count(self) -> int:
        """How many changes were logged (without building :attr:`log`)."""
        return len(self._log)

    def subscribe(self, listener: Callable[[Change], None]) -> None:
        """Call *listener(change)* synchronously for every change, in log order."""
        self._listeners.append(listener)

    def record(self, obj: str, what: str, value: Any, *, informer: bool) -> None:
        """Log a change, tell the listeners, fire (and re-arm) the events."""
        now = self.env.now
        change = Change(now, obj, what, value)
        self._log.append((now, obj, what, value))
        for listener in self._listeners:
            listener(change)
        # An event nothing waits on is left armed instead of fired and replaced: a process
        # that waits later gets it, as it would get the fresh one, and it fires at the next
        # change, as the fresh one would. Firing it only scheduled an event for SimPy to
        # process with no callbacks (most changes: the controller is busy reconciling when it
        # makes them); the other events keep their order (SimPy orders by time, priority
        # and scheduling order).
        event = self._pods_changed
        if event.callbacks:
            event.succeed(change)
            self._pods_changed = self.env.event()
        if informer and obj not in self.unwatched:
            event = self._changed
            if event.callbacks:
                event.succeed(change)
                self._changed = self.env.event()

    def event(self, obj: str, reason: str, message: str, kind: str = "Normal") -> None:
        """Append a Kubernetes event (``kind`` is ``Normal`` or ``Warning``)."""
        now = self.env.now
        self.events.append(
            {"time": now, "kind": kind, "object": obj, "reason": reason, "message": message}
        )
