"""Letting go of a finished world, so that reference counting frees it at once.

A world is a web of parts that reach each other (the parts hold the world, the world's
callbacks close over it, SimPy's environment holds its scheduled events and each event holds
the environment, a waiting process and the event it waits for hold each other, pods and their
ReplicaSet's group...). Left as it is, a finished world is cyclic garbage that only a full
collection frees, and a full collection during the next run traverses all of it (tens of
thousands of objects per thousand pods). :func:`release` cuts those links once the Result has
been collected; it drops references only (nothing a Result holds is changed), and the world
cannot be run or collected again afterwards. ``simulate()`` calls it; a world built by the
caller (``World.build``, the stepping API) is left as it is.
"""

from __future__ import annotations

from typing import Any

import simpy

__all__ = ["release"]


def _unbind(obj: object) -> None:
    """SimPy binds its event classes to each environment and resource as instance attributes
    (``BoundClass.bind_early``): each is a bound method of the object itself (a cycle).
    Without them the class attribute still answers (bound on access)."""
    own = vars(obj)
    for name, value in list(own.items()):
        if getattr(value, "__self__", None) is obj:
            del own[name]


def _release_env(env: simpy.Environment) -> None:
    """The scheduled events (each holds the environment) and the processes waiting."""
    # The event queue is SimPy's private heap of (time, priority, id, event).
    queue: list[Any] = getattr(env, "_queue", [])
    for entry in queue:
        event = entry[-1]
        if isinstance(event.callbacks, list):
            event.callbacks.clear()
    queue.clear()
    _unbind(env)


def _release_process(process: object) -> None:
    """A process waiting for an event that will never come: the event's callbacks hold the
    process, which holds the event."""
    if not isinstance(process, simpy.Process) or not process.is_alive:
        return
    target = process.target
    # (a condition's events hold it through their callbacks: SimPy's private ``_events``)
    for event in (target, *getattr(target, "_events", ())):
        if isinstance(event.callbacks, list):
            event.callbacks.clear()


_OWN = __name__.rsplit(".", 2)[0] + "."
"""The package of the simulation's own parts (``canarysim.sim.``)."""


def _parts(owner: object) -> list[object]:
    """The simulation's own objects among *owner*'s attributes."""
    return [
        value
        for value in vars(owner).values()
        if type(value).__module__.startswith(_OWN) and hasattr(value, "__dict__")
    ]


def _every_part(world: Any) -> list[object]:
    """The world, its parts and theirs, the Experiments and the AnalysisRuns (each once)."""
    cluster = world.cluster
    experiments = world.experiments
    parts: list[object] = [world, cluster, *_parts(world), *_parts(cluster)]
    parts += _parts(experiments)  # (its own AnalysisController)
    parts += experiments.experiments.values()
    for controller in (world.analysis, experiments.analysis):
        parts += controller.runs.values()
    return list({id(part): part for part in parts}.values())


def release(world: Any) -> None:
    """Cut the links of a collected world (see the module doc)."""
    cluster = world.cluster
    for pod in cluster.pods.values():
        _release_process(pod.process)
        object.__setattr__(pod, "watcher", None)
    for node in cluster.nodes:
        puller = getattr(node, "puller", None)
        if puller is not None:
            _unbind(puller)
            # an image pull under way or waiting: the request holds the resource
            for requests in (puller.users, puller.put_queue, puller.get_queue):
                requests.clear()
    parts = _every_part(world)
    for part in parts:
        for value in vars(part).values():
            _release_process(value)
    _release_env(world.env)
    # the parts hold the world, each other and callbacks closing over them
    for part in parts:
        vars(part).clear()
