"""What a pod is: its observable state (:class:`Pod`, the STATUS column, its Result
snapshot), a new pod of a ReplicaSet (name, UID, grace period, probes, readiness gates from
the template), and what it adds to its ReplicaSet's counts (:func:`share`), kept current
through its :class:`PodWatcher`."""

from __future__ import annotations

import dataclasses
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import simpy

from canarysim.engine.memo import LastEntry
from canarysim.sim.cluster.kubelet import ReadinessProbe, RestartBackoff
from canarysim.sim.cluster.pods.behaviour import PodBehaviour
from canarysim.sim.cluster.templatehash import ALPHANUMS

__all__ = [
    "DEFAULT_GRACE_PERIOD",
    "Pod",
    "PodWatcher",
    "container_ports",
    "new_pod",
    "readiness_gates",
    "share",
]

#: ``terminationGracePeriodSeconds`` when the template does not set it.
DEFAULT_GRACE_PERIOD = 30.0


def container_ports(template: Mapping[str, Any]) -> list[dict[str, Any]]:
    """All ``ports`` entries of the template's containers, in order."""
    out: list[dict[str, Any]] = []
    for c in (template.get("spec") or {}).get("containers") or []:
        for p in c.get("ports") or []:
            if isinstance(p, Mapping):
                out.append(dict(p))
    return out


COUNTED = frozenset({"ready", "available", "deleted_at", "gone"})
"""Pod fields a ReplicaSet's status counts (see :func:`share`)."""
SHOWN = COUNTED | {"containers_ready", "node", "reason", "running", "restarts"}
"""Pod fields its Result snapshot shows (``status`` is derived from several of them)."""


def share(state: Mapping[str, Any]) -> tuple[int, int, int, int]:
    """What a pod adds to its ReplicaSet's (replicas, ready, available, terminating), from the
    pod's ``__dict__``: nothing once gone, one terminating while deleted, else one replica."""
    if state["gone"]:
        return (0, 0, 0, 0)
    if state["deleted_at"] is not None:
        return (0, 0, 0, 1)
    return (1, 1 if state["ready"] else 0, 1 if state["available"] else 0, 0)


class PodWatcher(Protocol):
    """Told of every change of a :data:`SHOWN` field (``before``: the pod's :func:`share`
    before a :data:`COUNTED` field changed, else None)."""

    def changed(self, pod: Pod, before: tuple[int, int, int, int] | None) -> None: ...


@dataclass(eq=False)
class Pod:
    """One pod's observable state. Mutated only by the lifecycle and the cluster.

    ``status`` is the STATUS column of ``kubectl get pods``.
    """

    name: str
    uid: str
    namespace: str
    replica_set: str
    labels: dict[str, str]
    annotations: dict[str, str]
    template: dict[str, Any]
    behaviour: PodBehaviour
    created: float
    grace_period: float = DEFAULT_GRACE_PERIOD
    probe: ReadinessProbe | None = None
    startup_probe: ReadinessProbe | None = None
    node: str | None = None
    phase: str = "Pending"  # Pending until a container first runs, then Running
    reason: str | None = None  # ContainerCreating, CrashLoopBackOff, Error, ErrImagePull, ...
    running: bool = False
    ready: bool = False
    """The Pod's ``Ready`` condition: its containers are ready and every readiness gate
    (``spec.readinessGates``) has a condition of that type with status True."""
    ready_since: float | None = None
    containers_ready: bool = False
    """What the kubelet reports (``ContainersReady``; ``kubectl argo rollouts get`` counts
    these as ``ready:1/1``)."""
    gates: tuple[str, ...] = ()
    """Condition types of the template's ``readinessGates``."""
    conditions: dict[str, bool] = field(default_factory=dict)
    """Conditions set on the pod from outside (``markPodsReady``), by type."""
    available: bool = False
    restarts: int = 0
    started_at: float | None = None
    deleted_at: float | None = None
    gone: bool = False
    probe_origin: float = 0.0
    backoff: RestartBackoff = field(default_factory=RestartBackoff)
    process: simpy.Process | None = field(default=None, repr=False)
    crash_now: simpy.Event | None = field(default=None, repr=False)
    watcher: PodWatcher | None = field(default=None, init=False, repr=False)
    """Its ReplicaSet's :class:`~canarysim.sim.cluster.podgroup.PodGroup`, kept up to date
    from here so that nothing has to recount every pod on every change."""

    def __setattr__(self, name: str, value: Any) -> None:
        watcher = self.__dict__.get("watcher") if name in SHOWN else None
        if watcher is None:
            object.__setattr__(self, name, value)
            return
        before = share(self.__dict__) if name in COUNTED else None
        object.__setattr__(self, name, value)
        watcher.changed(self, before)

    @property
    def gates_open(self) -> bool:
        """Every readiness gate has its condition True (``podutil``'s ReadinessGates rule)."""
        gates = self.gates
        if not gates:  # (most templates have none: no generator to run)
            return True
        conditions = self.conditions
        return all(conditions.get(gate, False) for gate in gates)

    @property
    def images(self) -> list[str]:
        containers = (self.template.get("spec") or {}).get("containers") or []
        return [str(c.get("image", "")) for c in containers]

    @property
    def image(self) -> str:
        images = self.images
        return images[0] if images else ""

    @property
    def ports(self) -> list[dict[str, Any]]:
        """The template's container ports (read only). Built once per template object: the
        endpoints are resolved on every routing change, and a pod's template is never
        rewritten in place (ephemeral metadata replaces it)."""
        got = self.__dict__.get("_ports")
        if got is None or got[0] is not self.template:
            got = self.__dict__["_ports"] = (self.template, container_ports(self.template))
        return got[1]

    @property
    def terminating(self) -> bool:
        return self.deleted_at is not None

    @property
    def active(self) -> bool:
        """Counted by its ReplicaSet (``controller.IsPodActive``: not being deleted)."""
        return not self.gone and self.deleted_at is None

    @property
    def status(self) -> str:
        if self.gone:
            return "Gone"
        if self.deleted_at is not None:
            return "Terminating"
        if self.node is None:
            return "Pending"
        if self.reason is not None:
            return self.reason
        return "Running" if self.running else "Pending"

    def snapshot(self) -> dict[str, Any]:
        """The fields of ``result.PodSnapshot``."""
        return {
            "name": self.name,
            "status": self.status,
            "ready": self.containers_ready,
            "available": self.available,
            "restarts": self.restarts,
            "created": self.created,
        }


def new_pod(
    owner: str,
    namespace: str,
    template: dict[str, Any],
    behaviour: PodBehaviour,
    created: float,
    taken: Container[str],
    rng: np.random.Generator,
) -> Pod:
    """A new pod of ReplicaSet *owner*: ``<owner>-<5 random characters>`` (as
    ``generateName`` does, names in *taken* are avoided), a random UID, labels and
    annotations from *template*, its grace period and readiness probe."""
    while True:
        suffix = "".join([ALPHANUMS[i] for i in rng.integers(0, len(ALPHANUMS), 5).tolist()])
        name = f"{owner}-{suffix}"
        if name not in taken:
            break
    labels, annotations, grace, probe, startup_probe, gates = _template_facts(template)
    return _new(
        name=name,
        uid=_uuid4(rng.bytes(16)),
        namespace=namespace,
        replica_set=owner,
        labels=dict(labels),
        annotations=dict(annotations),
        template=template,
        behaviour=behaviour,
        created=created,
        grace_period=grace,
        probe=probe,
        startup_probe=startup_probe,
        gates=gates,
    )


_TemplateFacts = tuple[
    Mapping[str, str],
    Mapping[str, str],
    float,
    "ReadinessProbe | None",
    "ReadinessProbe | None",
    tuple[str, ...],
]
_TEMPLATE_FACTS: LastEntry[dict[str, Any], _TemplateFacts] = LastEntry()
"""One entry: the last template a pod was made from, with what :func:`new_pod` reads of it."""


def _template_facts(template: dict[str, Any]) -> _TemplateFacts:
    """Labels, annotations, grace period, probes and readiness gates of *template*: the same
    for every pod of a ReplicaSet (whose template is the same object, never rewritten in
    place: see :attr:`Pod.ports`), so read once per template while its pods are made. The
    probes are immutable; the labels and annotations are copied per pod."""
    known = _TEMPLATE_FACTS.get(template)
    if known is not None:
        return known
    meta = template.get("metadata") or {}
    grace = (template.get("spec") or {}).get("terminationGracePeriodSeconds")
    facts: _TemplateFacts = (
        dict(meta.get("labels") or {}),
        dict(meta.get("annotations") or {}),
        DEFAULT_GRACE_PERIOD if grace is None else float(grace),
        ReadinessProbe.from_template(template),
        ReadinessProbe.from_template(template, "startupProbe"),
        readiness_gates(template),
    )
    return _TEMPLATE_FACTS.put(template, facts)


def _uuid4(random: bytes) -> str:
    """``str(uuid.UUID(bytes=random, version=4))``: the version (4) and variant (RFC 4122)
    bits set in the 16 random bytes, written 8-4-4-4-12 in lowercase hex."""
    b = bytearray(random)
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _field_defaults() -> tuple[dict[str, Any], tuple[tuple[str, Any], ...]]:
    plain: dict[str, Any] = {}
    factories: list[tuple[str, Any]] = []
    for f in dataclasses.fields(Pod):
        if f.default_factory is not dataclasses.MISSING:
            plain[f.name] = None  # its place in the order; made per pod
            factories.append((f.name, f.default_factory))
        elif f.init:  # (a field outside __init__ with a plain default stays on the class)
            plain[f.name] = None if f.default is dataclasses.MISSING else f.default
    return plain, tuple(factories)


_DEFAULTS, _FACTORIES = _field_defaults()
"""The fields the dataclass ``__init__`` of :class:`Pod` sets, in order, with their defaults
(None for the required ones, which :func:`_new` is always given), and those made by a
factory."""


def _new(**given: Any) -> Pod:
    """``Pod(**given)`` without a trip through :meth:`Pod.__setattr__` per field: a new pod
    has no watcher yet, so each of the dataclass ``__init__``'s assignments only stored the
    value. The same ``__dict__``, in field order."""
    pod: Pod = object.__new__(Pod)
    state = pod.__dict__
    state.update(_DEFAULTS)
    for name, factory in _FACTORIES:
        state[name] = factory()
    state.update(given)
    return pod


def readiness_gates(template: dict[str, Any]) -> tuple[str, ...]:
    """The condition types of a pod template's ``spec.readinessGates``, in order."""
    gates = (template.get("spec") or {}).get("readinessGates") or []
    return tuple(str(g.get("conditionType", "")) for g in gates if isinstance(g, dict))
